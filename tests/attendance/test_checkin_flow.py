"""Offline check-in that cannot misfire: a second scan only says when you checked in,
check-out is its own confirmed step, a mistaken check-out is undone within 5 minutes (audited),
and the trainee's page lists only classes since enrolment, today's first."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from attendance import offline
from attendance.models import OfflineCheckin, OfflineSession
from core.audit import AuditLog
from core.extensions import db
from core.timeutil import now_utc, to_local
from courses.models import Enrolment
from tests.factories import api_headers, csrf_token, enrol, login


@pytest.fixture
def klass(trainee, instructor, make_course):
    course = make_course(instructor, mode="offline", required_hours=2)
    enrol(trainee, course)
    start = now_utc().replace(microsecond=0) - timedelta(minutes=10)
    session = OfflineSession(course_id=course.id, title="箱包缝纫实操", location="实训楼 201",
                             starts_at=start, ends_at=start + timedelta(minutes=90),
                             code_key="a" * 64)
    db.session.add(session)
    db.session.commit()
    return session


def page_post(client, klass, data):
    token = csrf_token(client, f"/attendance/offline/{klass.id}")
    return client.post(f"/attendance/offline/{klass.id}", data={"csrf_token": token, **data})


def test_a_second_scan_says_already_checked_in_and_never_checks_out(client, trainee, klass):
    login(client, trainee)
    code = offline.current_code(klass)["code"]
    assert page_post(client, klass, {"code": code, "action": "in"}).status_code == 302
    row = db.session.scalar(select(OfflineCheckin))
    at = to_local(row.checked_in_at).strftime("%H:%M")
    # the QR link opened again: the page shows the check-in time, nothing changes
    html = client.get(f"/attendance/offline/{klass.id}?code={code}").get_data(as_text=True)
    assert at in html and 'id="checkout-form"' in html and 'id="checkin-form"' not in html
    # posting the code without confirming does not check out
    response = page_post(client, klass, {"code": code, "action": "out"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.scalar(select(OfflineCheckin)).checked_out_at is None
    # the API's second check-in says when
    again = client.post(f"/api/v1/offline-sessions/{klass.id}/check-in", json={"code": code},
                        headers=api_headers(client, trainee))
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_checked_in"
    assert at in again.get_json()["error"]["message"]


def test_confirmed_check_out_then_undo_within_five_minutes(client, trainee, klass):
    login(client, trainee)
    code = offline.current_code(klass)["code"]
    page_post(client, klass, {"code": code, "action": "in"})
    response = page_post(client, klass, {"code": code, "action": "out", "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(OfflineCheckin)).checked_out_at is not None
    html = client.get(f"/attendance/offline/{klass.id}").get_data(as_text=True)
    assert 'id="undo-form"' in html
    assert page_post(client, klass, {"action": "undo"}).status_code == 302
    db.session.expire_all()
    row = db.session.scalar(select(OfflineCheckin))
    assert row.checked_out_at is None and row.checked_in_at is not None
    assert db.session.scalar(select(AuditLog).where(
        AuditLog.action == "offline.checkout_undone"))


def test_undo_after_five_minutes_is_refused(client, trainee, klass):
    headers = api_headers(client, trainee)
    code = offline.current_code(klass)["code"]
    client.post(f"/api/v1/offline-sessions/{klass.id}/check-in", json={"code": code},
                headers=headers)
    client.post(f"/api/v1/offline-sessions/{klass.id}/check-out", json={"code": code},
                headers=headers)
    row = db.session.scalar(select(OfflineCheckin))
    row.checked_in_at = now_utc() - timedelta(minutes=9)
    row.checked_out_at = now_utc() - timedelta(minutes=6)
    db.session.commit()
    response = client.post(f"/api/v1/offline-sessions/{klass.id}/check-out/undo",
                           headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "undo_expired"
    db.session.expire_all()
    assert db.session.scalar(select(OfflineCheckin)).checked_out_at is not None


def test_another_trainee_cannot_undo(client, trainee, make_user, klass):
    other = make_user("trainee")
    enrol(other, klass.course)
    headers = api_headers(client, trainee)
    code = offline.current_code(klass)["code"]
    client.post(f"/api/v1/offline-sessions/{klass.id}/check-in", json={"code": code},
                headers=headers)
    client.post(f"/api/v1/offline-sessions/{klass.id}/check-out", json={"code": code},
                headers=headers)
    response = client.post(f"/api/v1/offline-sessions/{klass.id}/check-out/undo",
                           headers=api_headers(client, other))
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.scalar(select(OfflineCheckin)).checked_out_at is not None


def test_attendance_page_lists_classes_since_enrolment_with_today_first(client, trainee, klass):
    course = klass.course
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.trainee_id == trainee.id))
    enrolment.created_at = now_utc() - timedelta(days=3)
    for days, title in ((-10, "入学前的课"), (-1, "昨天的课"), (5, "下周的课")):
        start = now_utc() + timedelta(days=days)
        db.session.add(OfflineSession(course_id=course.id, title=title, starts_at=start,
                                      ends_at=start + timedelta(hours=1), code_key="b" * 64))
    db.session.commit()
    login(client, trainee)
    html = client.get(f"/attendance/courses/{course.id}").get_data(as_text=True)
    assert "入学前的课" not in html
    assert html.index('id="today-class"') < html.index("箱包缝纫实操") < html.index("下周的课")
    body = client.get(f"/api/v1/me/courses/{course.id}/attendance",
                      headers=api_headers(client, trainee)).get_json()
    titles = [s["title"] for s in body["sessions"]]
    assert titles == ["箱包缝纫实操", "下周的课", "昨天的课"]
    assert body["sessions"][0]["today"] is True
