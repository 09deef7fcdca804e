"""Offline classes: rotating HMAC check-in codes, check-in/out, corrections with a reason."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from attendance import offline, service
from attendance.models import OfflineCheckin, OfflineSession
from core.audit import AuditLog
from core.extensions import db
from core.timeutil import now_utc
from tests.factories import api_headers, enrol, login


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


def test_codes_rotate_every_30_seconds_and_the_previous_one_is_accepted(klass):
    t = klass.starts_at.replace(second=0)
    code = offline.code_at(klass, t)
    assert len(code) == 6 and code.isdigit()
    assert offline.code_at(klass, t + timedelta(seconds=29)) == code
    later = t + timedelta(seconds=30)
    assert offline.code_at(klass, later) != code
    assert offline.code_valid(klass, code, later + timedelta(seconds=5))
    assert not offline.code_valid(klass, code, later + timedelta(seconds=31))


def test_check_in_and_out_with_the_screen_code_counts_minutes(client, trainee, klass):
    headers = api_headers(client, trainee)
    code = offline.current_code(klass)["code"]
    response = client.post(f"/api/v1/offline-sessions/{klass.id}/check-in", json={"code": code},
                           headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checked_in_at"]
    again = client.post(f"/api/v1/offline-sessions/{klass.id}/check-in", json={"code": code},
                        headers=headers)
    assert again.status_code == 409
    row = db.session.scalar(select(OfflineCheckin))
    row.checked_in_at = klass.starts_at  # as if checked in at the start
    db.session.commit()
    code = offline.current_code(klass)["code"]
    out = client.post(f"/api/v1/offline-sessions/{klass.id}/check-out", json={"code": code},
                      headers=headers)
    assert out.status_code == 200
    assert service.summary(trainee.id, klass.course)["by_source"]["offline"] == 10


def test_wrong_code_is_422_and_records_nothing(client, trainee, klass):
    code = offline.current_code(klass)["code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post(f"/api/v1/offline-sessions/{klass.id}/check-in", json={"code": wrong},
                           headers=api_headers(client, trainee))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_code"
    assert db.session.scalar(select(OfflineCheckin)) is None


def test_check_out_before_check_in_is_409(client, trainee, klass):
    code = offline.current_code(klass)["code"]
    response = client.post(f"/api/v1/offline-sessions/{klass.id}/check-out",
                           json={"code": code}, headers=api_headers(client, trainee))
    assert response.status_code == 409


def test_no_check_out_earns_nothing_until_corrected(client, trainee, instructor, klass):
    db.session.add(OfflineCheckin(session_id=klass.id, trainee_id=trainee.id,
                                  checked_in_at=klass.starts_at))
    db.session.commit()
    assert service.summary(trainee.id, klass.course)["attended_minutes"] == 0
    headers = api_headers(client, instructor)
    url = f"/api/v1/offline-sessions/{klass.id}/checkins/{trainee.id}"
    payload = {"checked_in_at": klass.starts_at.isoformat(),
               "checked_out_at": klass.ends_at.isoformat()}
    assert client.put(url, json=payload, headers=headers).status_code == 422  # no reason
    assert client.put(url, json=payload | {"reason": "  "}, headers=headers).status_code == 422
    response = client.put(url, json=payload | {"reason": "手机没电，老师核实在场"},
                          headers=headers)
    assert response.status_code == 200
    assert response.get_json()["corrected"] is True
    assert service.summary(trainee.id, klass.course)["attended_minutes"] == 90
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "offline.corrected"))
    assert audit.actor_id == instructor.id
    assert audit.before["checked_out_at"] is None and audit.after["reason"]


def test_correction_access(client, make_user, trainee, klass):
    url = f"/api/v1/offline-sessions/{klass.id}/checkins/{trainee.id}"
    payload = {"checked_in_at": None, "checked_out_at": None, "reason": "测试更正"}
    other = make_user("instructor")
    assert client.put(url, json=payload, headers=api_headers(client, other)).status_code == 403
    assert client.put(url, json=payload,
                      headers=api_headers(client, trainee)).status_code == 403


def test_not_enrolled_cannot_check_in(client, make_user, klass):
    stranger = make_user("trainee")
    code = offline.current_code(klass)["code"]
    response = client.post(f"/api/v1/offline-sessions/{klass.id}/check-in", json={"code": code},
                           headers=api_headers(client, stranger))
    assert response.status_code == 403


def test_code_endpoint_is_for_the_instructor_only(client, instructor, trainee, klass):
    response = client.get(f"/api/v1/offline-sessions/{klass.id}/code",
                          headers=api_headers(client, instructor))
    assert response.status_code == 200
    body = response.get_json()
    assert body["code"] == offline.current_code(klass)["code"]
    assert body["qr_svg"].startswith("data:image/svg+xml")
    assert client.get(f"/api/v1/offline-sessions/{klass.id}/code",
                      headers=api_headers(client, trainee)).status_code == 403


def test_phone_check_in_page(client, trainee, klass):
    login(client, trainee)
    code = offline.current_code(klass)["code"]
    page = client.get(f"/attendance/offline/{klass.id}?code={code}")
    assert page.status_code == 200 and code in page.get_data(as_text=True)
    from tests.factories import csrf_token

    token = csrf_token(client, f"/attendance/offline/{klass.id}")
    response = client.post(f"/attendance/offline/{klass.id}",
                           data={"code": code, "direction": "in", "csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(select(OfflineCheckin)).checked_in_at is not None
    response = client.post(f"/attendance/offline/{klass.id}",
                           data={"code": "000000", "direction": "out", "csrf_token": token})
    assert response.status_code in (409, 422)


def test_instructor_sees_the_code_screen_and_csv(client, instructor, trainee, klass):
    login(client, instructor)
    html = client.get(f"/attendance/offline/{klass.id}").get_data(as_text=True)
    assert 'id="checkin-code"' in html and trainee.name in html
    csv = client.get(f"/attendance/offline/{klass.id}/attendance.csv")
    assert csv.status_code == 200 and trainee.name in csv.get_data(as_text=True)


def test_schedule_offline_class_api(client, instructor, klass):
    start = now_utc() + timedelta(days=1)
    payload = {"title": "理论课", "starts_at": start.isoformat(),
               "ends_at": (start + timedelta(hours=3)).isoformat(), "location": "A101"}
    url = f"/api/v1/courses/{klass.course_id}/offline-sessions"
    response = client.post(url, json=payload, headers=api_headers(client, instructor))
    assert response.status_code == 201
    bad = payload | {"ends_at": start.isoformat()}
    assert client.post(url, json=bad, headers=api_headers(client, instructor)).status_code == 422


@pytest.mark.parametrize("when", ["0001-01-01T01:00:00+22:05",   # no UTC instant (a 500)
                                  "9999-12-31T23:00:00-05:00",
                                  "1899-12-31T23:59:59+08:00"])
def test_a_correction_to_a_time_no_class_could_have_is_refused(client, trainee, instructor,
                                                               klass, when):
    """Found by schemathesis (seed 99): year 1 at +22:05 overflowed converting to UTC."""
    db.session.add(OfflineCheckin(session_id=klass.id, trainee_id=trainee.id,
                                  checked_in_at=klass.starts_at))
    db.session.commit()
    response = client.put(f"/api/v1/offline-sessions/{klass.id}/checkins/{trainee.id}",
                          headers=api_headers(client, instructor),
                          json={"checked_in_at": when, "checked_out_at": None, "reason": "1e100"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["checked_in_at"] == [
        "必须在 1900-01-01 到 2199-12-31 之间。"]
    db.session.expire_all()
    row = db.session.scalar(select(OfflineCheckin))
    assert row.checked_in_at.replace(tzinfo=None) == klass.starts_at.replace(tzinfo=None)
    assert row.correction_reason is None
