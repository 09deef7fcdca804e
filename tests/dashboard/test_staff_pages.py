"""Classroom projector screen, instructor links, officer filters and admin user search."""

from datetime import timedelta

from sqlalchemy import select

from attendance.models import OfflineSession
from core.extensions import db
from core.timeutil import now_utc
from reports.models import FollowUpNote
from tests.factories import csrf_token, enrol, login, make_user


def _klass(course):
    start = now_utc().replace(microsecond=0) - timedelta(minutes=5)
    klass = OfflineSession(course_id=course.id, title="缝纫实操", starts_at=start,
                           ends_at=start + timedelta(minutes=60), code_key="d" * 64)
    db.session.add(klass)
    db.session.commit()
    return klass


def test_projector_screen_shows_the_code_but_no_roster(client, trainee, instructor,
                                                       make_course):
    course = make_course(instructor, mode="offline")
    enrol(trainee, course)
    klass = _klass(course)
    login(client, instructor)
    sheet = client.get(f"/attendance/offline/{klass.id}").get_data(as_text=True)
    assert f"/attendance/offline/{klass.id}/screen" in sheet
    html = client.get(f"/attendance/offline/{klass.id}/screen").get_data(as_text=True)
    assert 'id="checkin-qr"' in html and 'id="checkin-short"' in html
    assert trainee.name not in html
    assert "projector-qr" in html


def test_projector_screen_is_for_the_course_instructor_only(client, trainee, instructor,
                                                            make_course):
    klass = _klass(make_course(instructor, mode="offline"))
    other = make_user("instructor")
    login(client, other)
    assert client.get(f"/attendance/offline/{klass.id}/screen").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, trainee)
    assert client.get(f"/attendance/offline/{klass.id}/screen").status_code == 403


def test_teaching_page_links_attendance_and_exams(client, instructor, make_course):
    course = make_course(instructor)
    login(client, instructor)
    html = client.get("/teach").get_data(as_text=True)
    assert f"/attendance/courses/{course.id}" in html and "/teach/exams" in html


def test_claim_filter_offers_every_status(client, officer):
    login(client, officer)
    html = client.get("/subsidies/").get_data(as_text=True)
    for status in ("pending", "approved", "in_batch", "rejected", "ineligible", "paid"):
        assert f'value="{status}"' in html


def test_follow_up_outcome_has_no_default(client, officer, trainee):
    login(client, officer)
    token = csrf_token(client, "/reports/follow-ups")
    response = client.post("/reports/follow-ups/notes",
                           data={"csrf_token": token, "trainee_id": trainee.id, "outcome": ""})
    assert response.status_code == 302
    assert db.session.scalars(select(FollowUpNote)).all() == []
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "回访记录未能保存：请选择本次回访的结果。" in shown  # says why


def test_admin_user_search_and_pages(client, make_user):
    admin = make_user("admin")
    for n in range(55):
        make_user("trainee", name=f"学员{n:02d}")
    make_user("trainee", name="张100%")
    login(client, admin)
    first = client.get("/admin/users?role=trainee").get_data(as_text=True)
    assert "第 1 页，共 2 页" in first or "Page 1 of 2" in first
    found = client.get("/admin/users?q=学员07").get_data(as_text=True)
    assert "学员07" in found and "学员08" not in found
    literal = client.get("/admin/users?q=100%25").get_data(as_text=True)
    assert "张100%" in literal and "学员01" not in literal


def test_certificate_list_filters_by_status(client, officer, trainee, make_course):
    from certificates.models import Certificate

    course = make_course()
    # One valid certificate per person, occupation, level and type: three levels here.
    for serial, status, expires, level in (("SB00000000000000001A", "valid", None, 5),
                                           ("SB00000000000000002B", "revoked", None, 4),
                                           ("SB00000000000000003C", "valid",
                                            now_utc() - timedelta(days=1), 3)):
        db.session.add(Certificate(serial=serial, trainee_id=trainee.id, course_id=course.id,
                                   occupation_id=course.occupation_id, level=level,
                                   certificate_type="skill_level", status=status,
                                   issued_at=now_utc() - timedelta(days=400),
                                   expires_at=expires, training_hours=60,
                                   holder_name=trainee.name,
                                   revoked_reason="伪造" if status == "revoked" else None))
    db.session.commit()
    login(client, officer)
    valid = client.get("/certificates/manage?status=valid").get_data(as_text=True)
    assert "SB00000000000000001A" in valid and "SB00000000000000002B" not in valid
    assert "SB00000000000000003C" not in valid  # past its expiry date
    expired = client.get("/certificates/manage?status=expired").get_data(as_text=True)
    assert "SB00000000000000003C" in expired and "SB00000000000000001A" not in expired
    revoked = client.get("/certificates/manage?status=revoked").get_data(as_text=True)
    assert "SB00000000000000002B" in revoked and "SB00000000000000001A" not in revoked


def test_orders_and_jobs_filter_by_status(client, officer):
    login(client, officer)
    for path in ("/orders", "/employment/review"):
        html = client.get(path + "?status=cancelled").get_data(as_text=True)
        assert 'id="status-filter"' in html
    html = client.get("/orders?status=cancelled").get_data(as_text=True)
    assert '<option value="cancelled" selected>' in html
