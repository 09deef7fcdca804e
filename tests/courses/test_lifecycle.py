"""Lifecycle states that exist are reachable: a trainee withdraws (and may come back), an
instructor or officer archives a course; each with its effect on exams and the menu, through
`courses.lifecycle`."""

from sqlalchemy import select

from core.audit import AuditLog
from core.extensions import db
from courses.models import Course, Enrolment
from exams.models import Attempt
from tests import factories
from tests.exams.helpers import correct_answer, make_exam
from tests.factories import api_headers, csrf_token, login


def _setup(instructor, trainee):
    course = factories.make_course(instructor, required_hours=2)
    factories.grant_attendance(trainee, course, course.required_minutes)
    exam = make_exam(instructor, course, max_attempts=3)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.trainee_id == trainee.id))
    return course, exam, enrolment


def _actions() -> list[str]:
    return db.session.scalars(select(AuditLog.action).where(
        AuditLog.action.like("enrolment.%") | AuditLog.action.like("course.archived"))
        .order_by(AuditLog.id)).all()


def test_withdraw_closes_exams_and_enrolling_again_reopens_them(client, instructor, trainee,
                                                                 make_user):
    course, exam, enrolment = _setup(instructor, trainee)
    headers = api_headers(client, trainee)
    other = make_user("trainee")
    assert client.post(f"/api/v1/me/enrolments/{enrolment.id}/withdraw",
                       headers=api_headers(client, other)).status_code == 403
    response = client.post(f"/api/v1/me/enrolments/{enrolment.id}/withdraw", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    mine = client.get("/api/v1/me/enrolments", headers=headers).get_json()["items"]
    assert mine[0]["status"] == "withdrawn"
    refused = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_enrolled"
    again = client.post(f"/api/v1/courses/{course.id}/enrolments", headers=headers)
    assert again.status_code == 201 and again.get_json()["enrolment_id"] == enrolment.id
    assert client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).status_code == 201
    assert _actions() == ["enrolment.withdrawn", "enrolment.reactivated"]


def test_archive_takes_the_course_off_the_menu_and_closes_exams(client, instructor, trainee,
                                                                 officer, make_user):
    course, exam, _enrolment = _setup(instructor, trainee)
    assert client.get("/api/v1/menu").get_json()["total"] == 1
    stranger = make_user("instructor")
    assert client.post(f"/api/v1/courses/{course.id}/archive",
                       headers=api_headers(client, stranger)).status_code == 403
    assert client.post(f"/api/v1/courses/{course.id}/archive",
                       headers=api_headers(client, trainee)).status_code == 403
    assert db.session.get(Course, course.id).status == "published"
    archived = client.post(f"/api/v1/courses/{course.id}/archive",
                           headers=api_headers(client, instructor))
    assert archived.status_code == 200 and archived.get_json()["status"] == "archived"
    assert client.get("/api/v1/menu").get_json()["total"] == 0
    headers = api_headers(client, trainee)
    refused = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "course_archived"
    newcomer = make_user("trainee")
    joined = client.post(f"/api/v1/courses/{course.id}/enrolments",
                         headers=api_headers(client, newcomer))
    assert joined.status_code == 409 and joined.get_json()["error"]["code"] == "course_archived"
    assert db.session.scalar(select(Attempt.id)) is None
    assert _actions() == ["course.archived"]
    # The enrolled trainee still sees the course page, marked archived.
    login(client, trainee)
    assert 'id="archived"' in client.get(f"/courses/{course.id}").get_data(as_text=True)


def test_pages_withdraw_and_archive(client, instructor, trainee, officer):
    course, _exam, enrolment = _setup(instructor, trainee)
    login(client, trainee)
    token = csrf_token(client, "/my/courses")
    assert client.post(f"/my/courses/{enrolment.id}/withdraw",
                       data={"csrf_token": token}).status_code == 302
    assert "已退出课程" in client.get("/my/courses").get_data(as_text=True)
    client.get("/logout")
    login(client, officer)
    token = csrf_token(client, f"/courses/{course.id}")
    assert client.post(f"/courses/{course.id}/archive", data={"csrf_token": token}
                       ).status_code == 302
    assert db.session.get(Course, course.id).status == "archived"


def _pass(client, headers, exam) -> dict:
    started = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers)
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    for question in body["questions"]:
        assert client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{question['id']}",
                          headers=headers,
                          json={"answer": correct_answer(question)}).status_code == 200
    result = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers)
    assert result.status_code == 200 and result.get_json()["passed"] is True
    return result.get_json()


def test_passing_the_exam_completes_the_enrolment(client, instructor, trainee, officer):
    course, exam, enrolment = _setup(instructor, trainee)
    headers = api_headers(client, trainee)
    _pass(client, headers, exam)
    # The API shape, the audit row, the certificate it came with.
    mine = client.get("/api/v1/me/enrolments", headers=headers).get_json()["items"]
    assert mine[0]["status"] == "completed"
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "enrolment.completed"))
    assert row.actor_id == trainee.id and row.target_id == str(enrolment.id)
    assert (row.before, row.after) == ({"status": "active"}, {"status": "completed"})
    certificates = client.get("/api/v1/me/certificates", headers=headers).get_json()
    assert [c["status"] for c in certificates["items"]] == ["valid"]
    # Attendance figures are still counted: for the trainee, and on the instructor's sheet.
    own = client.get(f"/api/v1/me/courses/{course.id}/attendance", headers=headers).get_json()
    assert own["attended_minutes"] == course.required_minutes and own["eligible_for_exam"]
    sheet = client.get(f"/api/v1/courses/{course.id}/attendance",
                       headers=api_headers(client, instructor)).get_json()
    assert [(r["trainee"]["id"], r["attended_minutes"]) for r in sheet["trainees"]] == [
        (trainee.id, course.required_minutes)]
    # Withdrawing is refused, and the passed exam cannot be sat again (3 attempts allowed).
    refused = client.post(f"/api/v1/me/enrolments/{enrolment.id}/withdraw", headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "course_completed"
    again = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_passed"
    assert db.session.get(Enrolment, enrolment.id).status == "completed"
    # Reports still count the trainee as trained, and as passed and certified.
    summary = client.get("/api/v1/reports/summary?year=2026",
                         headers=api_headers(client, officer)).get_json()
    assert (summary["trained"], summary["passed"], summary["certified"]) == (1, 1, 1)
    # The trainee's page: completed, attendance shown, no withdraw button.
    login(client, trainee)
    page = client.get("/my/courses").get_data(as_text=True)
    assert "已完成课程" in page and f'id="enrolment-status-{enrolment.id}"' in page
    assert f"{course.required_minutes}" in page and "退出课程</button>" not in page
    assert f"/my/courses/{enrolment.id}/withdraw" not in page


def test_revoking_the_certificate_keeps_the_course_completed(client, instructor, trainee,
                                                            officer):
    _course, exam, enrolment = _setup(instructor, trainee)
    headers = api_headers(client, trainee)
    _pass(client, headers, exam)
    serial = client.get("/api/v1/me/certificates", headers=headers).get_json()["items"][0]["serial"]
    revoked = client.post(f"/api/v1/certificates/{serial}/revoke",
                          headers=api_headers(client, officer), json={"reason": "证书信息有误"})
    assert revoked.status_code == 200
    assert db.session.get(Enrolment, enrolment.id).status == "completed"
    mine = client.get("/api/v1/me/enrolments", headers=headers).get_json()["items"]
    assert mine[0]["status"] == "completed"


def test_completing_moves_only_an_active_enrolment_once(instructor, trainee):
    """`lifecycle.complete` (run by every passing submit) is one UPDATE: an Enrolment the
    session already holds shows the new status, a second pass changes and audits nothing, and
    a withdrawn or missing enrolment stays as it is."""
    from courses import lifecycle

    course, _exam, enrolment = _setup(instructor, trainee)
    assert enrolment.status == "active"  # held by this session
    assert lifecycle.complete(trainee.id, course.id, actor=trainee) is True
    assert enrolment.status == "completed"
    assert lifecycle.complete(trainee.id, course.id, actor=trainee) is False
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "completed"
    assert _actions().count("enrolment.completed") == 1
    other = factories.make_user("trainee")
    factories.enrol(other, course)
    left = db.session.scalar(select(Enrolment).where(Enrolment.trainee_id == other.id))
    left.status = "withdrawn"
    db.session.commit()
    assert lifecycle.complete(other.id, course.id) is False
    assert lifecycle.complete(factories.make_user("trainee").id, course.id) is False
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Enrolment, left.id).status == "withdrawn"
    assert _actions().count("enrolment.completed") == 1
