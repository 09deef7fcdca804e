"""No self-certification: instructors publish only under providers an officer assigned them to;
a certificate-issuing course opens its exams only after an officer approved it."""

from sqlalchemy import func, select

from core.audit import AuditLog
from core.extensions import db
from courses.models import Course, ProviderInstructor
from exams.models import Attempt
from tests import factories
from tests.exams.helpers import make_exam
from tests.factories import api_headers, csrf_token, login


def course_body(**overrides):
    body = {"title": "农产品直播带货", "occupation_code": "4-01-02-07", "level": 5,
            "mode": "online", "required_hours": 60, "region_code": "330482", "subsidised": True}
    body.update(overrides)
    return body


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_officer_assigns_and_instructor_publishes_only_there(client, instructor, officer):
    factories.make_occupation("4-01-02-07")
    school_a, school_b = factories.make_institution("A 职校"), factories.make_institution("B 职校")
    platform = factories.make_platform("直播学院")
    officer_h = api_headers(client, officer)
    response = client.post(f"/api/v1/institutions/{school_a.id}/instructors",
                           json={"user_id": instructor.id}, headers=officer_h)
    assert response.status_code == 200
    assert response.get_json()["instructors"] == [{"id": instructor.id, "name": instructor.name}]
    assert client.post(f"/api/v1/platforms/{platform.id}/instructors",
                       json={"user_id": instructor.id}, headers=officer_h).status_code == 200
    assert db.session.scalar(select(AuditLog.action).where(
        AuditLog.action == "provider.instructor_assigned").limit(1))

    headers = api_headers(client, instructor)
    under_b = client.post("/api/v1/courses", headers=headers, json=course_body(
        provider={"kind": "institution", "id": school_b.id}))
    assert under_b.status_code == 403
    assert under_b.get_json()["error"]["code"] == "not_your_provider"
    assert count(Course) == 0  # nothing made
    legacy = client.post("/api/v1/courses", headers=headers,
                         json=course_body(institution_id=school_b.id))
    assert legacy.status_code == 403 and count(Course) == 0

    under_a = client.post("/api/v1/courses", headers=headers, json=course_body(
        provider={"kind": "institution", "id": school_a.id}))
    assert under_a.status_code == 201
    course_id = under_a.get_json()["id"]
    on_platform = client.post("/api/v1/courses", headers=headers, json=course_body(
        provider={"kind": "platform", "id": platform.id}))
    assert on_platform.status_code == 201
    # Moving a course to a provider they do not belong to is refused, and changes nothing.
    moved = client.patch(f"/api/v1/courses/{course_id}", headers=headers,
                         json={"provider": {"kind": "institution", "id": school_b.id}})
    assert moved.status_code == 403 and moved.get_json()["error"]["code"] == "not_your_provider"
    assert db.session.get(Course, course_id).institution_id == school_a.id
    assert client.post(f"/api/v1/courses/{course_id}/publish", headers=headers).status_code == 200
    detail = client.get(f"/api/v1/courses/{course_id}").get_json()
    assert detail["provider"] == {"kind": "institution", "id": school_a.id, "name": "A 职校"}
    assert detail["approval"] == {"needed": True, "approved": False, "approved_at": None,
                                  "approved_by": None}


def test_only_officers_assign_and_bad_assignments_are_refused(client, instructor, officer,
                                                              trainee):
    school = factories.make_institution()
    url = f"/api/v1/institutions/{school.id}/instructors"
    # An instructor cannot assign themselves.
    assert client.post(url, json={"user_id": instructor.id},
                       headers=api_headers(client, instructor)).status_code == 403
    officer_h = api_headers(client, officer)
    not_instructor = client.post(url, json={"user_id": trainee.id}, headers=officer_h)
    assert not_instructor.status_code == 422 and "user_id" in not_instructor.get_json()["error"][
        "fields"]
    assert client.post("/api/v1/institutions/999999/instructors", json={"user_id": instructor.id},
                       headers=officer_h).status_code == 404
    assert client.post(url, json={"user_id": instructor.id, "extra": 1},
                       headers=officer_h).status_code == 422
    assert count(ProviderInstructor) == 0
    assert client.post(url, json={"user_id": instructor.id}, headers=officer_h).status_code == 200
    assert client.post(url, json={"user_id": instructor.id}, headers=officer_h).status_code == 200
    assert count(ProviderInstructor) == 1  # idempotent
    removed = client.delete(f"{url}/{instructor.id}", headers=officer_h)
    assert removed.status_code == 200 and removed.get_json()["instructors"] == []
    assert count(ProviderInstructor) == 0


def test_an_unassigned_instructor_cannot_publish_a_subsidised_course(client, make_user):
    factories.make_occupation("4-01-02-07")
    loner = make_user("instructor")
    headers = api_headers(client, loner)
    made = client.post("/api/v1/courses", json=course_body(), headers=headers)
    assert made.status_code == 201  # a draft, under no provider
    course_id = made.get_json()["id"]
    published = client.post(f"/api/v1/courses/{course_id}/publish", headers=headers)
    assert published.status_code == 403
    assert published.get_json()["error"]["code"] == "not_your_provider"
    assert db.session.get(Course, course_id).status == "draft"
    assert client.get("/api/v1/menu").get_json()["total"] == 0
    # Naming any institution does not help.
    school = factories.make_institution()
    assert client.post("/api/v1/courses", headers=headers, json=course_body(
        provider={"kind": "institution", "id": school.id})).status_code == 403


def test_exam_of_an_unapproved_course_is_closed_until_an_officer_approves(
        client, instructor, officer, trainee, make_user):
    school = factories.make_institution("平湖职校")
    factories.assign_provider(instructor, school)
    course = factories.make_course(instructor, required_hours=2, approved=False,
                                   institution_id=school.id)
    factories.grant_attendance(trainee, course, course.required_minutes)
    exam = make_exam(instructor, course)
    trainee_h = api_headers(client, trainee)
    refused = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=trainee_h)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "course_not_approved"
    assert count(Attempt) == 0
    factories.login(client, trainee)
    page = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert 'id="approval-pending"' in page and 'id="start-attempt"' not in page
    token = csrf_token(client, f"/exams/{exam.id}")
    client.post(f"/exams/{exam.id}/start", data={"csrf_token": token})
    assert count(Attempt) == 0

    # Neither the course's instructor nor a trainee may approve.
    assert client.post(f"/api/v1/courses/{course.id}/approve",
                       headers=api_headers(client, instructor)).status_code == 403
    assert client.post(f"/api/v1/courses/{course.id}/approve", headers=trainee_h).status_code \
        == 403
    approved = client.post(f"/api/v1/courses/{course.id}/approve",
                           headers=api_headers(client, officer))
    assert approved.status_code == 200
    approval = approved.get_json()["approval"]
    assert approval["approved"] is True and approval["approved_by"] == {
        "id": officer.id, "name": officer.name}
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "course.approved"))
    assert row.actor_id == officer.id and row.target_id == str(course.id)
    assert 'id="start-attempt"' in client.get(f"/exams/{exam.id}").get_data(as_text=True)
    started = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=trainee_h)
    assert started.status_code == 201

    # Withdrawn: no new attempts (a second trainee is refused).
    other = make_user("trainee")
    factories.grant_attendance(other, course, course.required_minutes)
    assert client.delete(f"/api/v1/courses/{course.id}/approval",
                         headers=api_headers(client, officer)).status_code == 200
    assert db.session.scalar(select(AuditLog.action).where(
        AuditLog.action == "course.approval_withdrawn"))
    again = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=api_headers(client, other))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "course_not_approved"


def test_changing_what_was_approved_withdraws_the_approval(client, instructor):
    school = factories.make_institution()
    factories.assign_provider(instructor, school)
    course = factories.make_course(instructor, institution_id=school.id)
    headers = api_headers(client, instructor)
    assert client.patch(f"/api/v1/courses/{course.id}", json={"title": "新名字"},
                        headers=headers).get_json()["approval"]["approved"] is True
    changed = client.patch(f"/api/v1/courses/{course.id}", json={"level": 4}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["approval"]["approved"] is False


def test_pages_show_the_approval_and_only_my_providers(client, instructor, officer):
    mine, theirs = factories.make_institution("我的职校"), factories.make_institution("别人的职校")
    factories.assign_provider(instructor, mine)
    course = factories.make_course(instructor, approved=False, institution_id=mine.id)
    login(client, instructor)
    form = client.get("/teach/courses/new").get_data(as_text=True)
    assert "我的职校" in form and "别人的职校" not in form
    teach = client.get("/teach").get_data(as_text=True)
    assert "等待人社部门审核" in teach or "Awaiting" in teach
    client.get("/logout")

    login(client, officer)
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert f"/courses/{course.id}/approve" in page
    token = csrf_token(client, f"/courses/{course.id}")
    assert client.post(f"/courses/{course.id}/approve",
                       data={"csrf_token": token}).status_code == 302
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert officer.name in page and f"/courses/{course.id}/withdraw-approval" in page
    # The curation page lists who may publish under each provider, and assigns more.
    curation = client.get("/menu-admin/").get_data(as_text=True)
    assert instructor.name in curation
    assert client.post(f"/menu-admin/institution/{theirs.id}/instructors", data={
        "csrf_token": token, "assign-user_id": str(instructor.id)}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ProviderInstructor).where(
        ProviderInstructor.institution_id == theirs.id)) == 1


def test_the_pass_names_the_evaluating_organisation(app, client, instructor, trainee):
    from core import signals
    from tests.exams.helpers import correct_answer

    school = factories.make_institution("平湖市职业技能培训中心")
    factories.assign_provider(instructor, school)
    course = factories.make_course(instructor, required_hours=2, institution_id=school.id)
    factories.grant_attendance(trainee, course, course.required_minutes)
    exam = make_exam(instructor, course)
    seen = []

    def listener(sender, **kw):
        seen.append(kw.get("provider"))

    signals.exam_passed.connect(listener)
    try:
        headers = api_headers(client, trainee)
        started = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
        for q in started["questions"]:
            client.put(f"/api/v1/attempts/{started['attempt_id']}/answers/{q['id']}",
                       json={"answer": correct_answer(q)}, headers=headers)
        assert client.post(f"/api/v1/attempts/{started['attempt_id']}/submit",
                           headers=headers).get_json()["passed"] is True
    finally:
        signals.exam_passed.disconnect(listener)
    assert seen == [{"kind": "institution", "id": school.id, "name": "平湖市职业技能培训中心"}]


def test_the_evaluator_by_id_is_the_course_provider(instructor):
    """providers.evaluator_of reads two names instead of loading the course: the same answer as
    Course.provider for an institution's course, a platform's and one with neither."""
    from courses import providers

    school = factories.make_institution("平湖市职业技能培训中心")
    platform = factories.make_platform("抖音")
    courses = [factories.make_course(instructor, institution_id=school.id),
               factories.make_course(instructor, platform_id=platform.id),
               factories.make_course(instructor)]
    for course in courses:
        assert providers.evaluator_of(course.id) == course.provider
    assert [providers.evaluator_of(c.id)["kind"] for c in courses[:2]] == \
        ["institution", "platform"]
    assert providers.evaluator_of(courses[2].id) is None
    assert providers.evaluator_of(10 ** 6) is None
