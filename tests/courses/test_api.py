"""Menu and course API."""

import pytest
from sqlalchemy import func, select

from core.audit import AuditLog
from core.extensions import db
from courses.models import Course, Enrolment
from tests import factories
from tests.factories import api_headers


@pytest.fixture
def menu(instructor):
    live = factories.make_occupation("4-01-02-07", "互联网营销师", "Internet marketing specialist")
    care = factories.make_occupation("4-10-01-05", "养老护理员", "Elderly care attendant")
    platform = factories.make_platform("直播电商学院")
    institution = factories.make_institution("平湖市职业技能培训中心")
    return {
        "live": factories.make_course(instructor, occupation=live, title="直播销售员五级实训班",
                                      mode="live", platform_id=platform.id, region_code="330482"),
        "live4": factories.make_course(instructor, occupation=live, title="直播带货进阶",
                                       level=4, mode="blended", region_code="330106",
                                       required_hours=112),
        "care": factories.make_course(instructor, occupation=care, title="养老护理员五级",
                                      mode="offline", institution_id=institution.id,
                                      region_code="430121", subsidised=False),
        "draft": factories.make_course(instructor, occupation=care, title="草稿课程",
                                       published=False),
    }


def titles(response):
    assert response.status_code == 200, response.get_json()
    return {item["title"] for item in response.get_json()["items"]}


def test_menu_lists_published_courses_with_contract_shape(client, menu):
    body = client.get("/api/v1/menu").get_json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 20
    item = next(i for i in body["items"] if i["title"] == "直播销售员五级实训班")
    assert item["occupation"]["code"] == "4-01-02-07"
    assert item["occupation"]["name"] in ("互联网营销师", "Internet marketing specialist")
    assert item["level"] == 5 and item["mode"] == "live" and item["required_hours"] == 60
    assert item["provider"] == {"kind": "platform", "id": item["provider"]["id"],
                                "name": "直播电商学院"}
    assert item["subsidised"] is True


def test_menu_filters(client, menu):
    assert titles(client.get("/api/v1/menu?q=直播")) == {"直播销售员五级实训班", "直播带货进阶"}
    assert titles(client.get("/api/v1/menu?q=养老")) == {"养老护理员五级"}
    assert titles(client.get("/api/v1/menu?q=elderly")) == {"养老护理员五级"}
    assert titles(client.get("/api/v1/menu?occupation=4-01-02-07&level=4")) == {"直播带货进阶"}
    assert titles(client.get("/api/v1/menu?mode=offline")) == {"养老护理员五级"}
    assert titles(client.get("/api/v1/menu?subsidised=false")) == {"养老护理员五级"}
    assert titles(client.get("/api/v1/menu?region=330000")) == {"直播销售员五级实训班",
                                                                "直播带货进阶"}
    assert titles(client.get("/api/v1/menu?region=330482")) == {"直播销售员五级实训班"}
    assert titles(client.get("/api/v1/menu?region=430000")) == {"养老护理员五级"}
    assert titles(client.get("/api/v1/menu?q=nothing-like-this")) == set()


def test_menu_pagination(client, menu):
    first = client.get("/api/v1/menu?per_page=2&page=1").get_json()
    second = client.get("/api/v1/menu?per_page=2&page=2").get_json()
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


@pytest.mark.parametrize("query", ["level=9", "mode=teleport", "region=33", "per_page=1000",
                                   "page=0", "colour=red", "occupation=abc", "subsidised=maybe"])
def test_menu_bad_filters_are_422(client, menu, query):
    response = client.get(f"/api/v1/menu?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]


def test_platforms_and_occupations_are_public(client, menu):
    platforms = client.get("/api/v1/platforms").get_json()
    assert [p["name"] for p in platforms["items"]] == ["直播电商学院"]
    codes = [o["code"] for o in client.get("/api/v1/occupations").get_json()["items"]]
    assert codes == ["4-01-02-07", "4-10-01-05"]


def new_course(**overrides):
    body = {"title": "农产品直播带货", "occupation_code": "4-01-02-07", "level": 5,
            "mode": "online", "required_hours": 60, "region_code": "330482", "subsidised": True}
    body.update(overrides)
    return body


def test_instructor_creates_and_publishes_a_course(client, instructor):
    factories.make_occupation("4-01-02-07")
    factories.assign_provider(instructor, factories.make_institution())  # their only provider
    headers = api_headers(client, instructor)
    response = client.post("/api/v1/courses", json=new_course(), headers=headers)
    assert response.status_code == 201
    course_id = response.get_json()["id"]
    course = db.session.get(Course, course_id)
    assert course.status == "draft" and course.is_instructor(instructor)
    assert course.attendance_threshold == 0.8 and course.certificate_type == "skill_level"
    assert client.get("/api/v1/menu").get_json()["total"] == 0  # drafts are not on the menu
    assert client.post(f"/api/v1/courses/{course_id}/publish", headers=headers).status_code == 200
    assert titles(client.get("/api/v1/menu")) == {"农产品直播带货"}
    actions = db.session.scalars(select(AuditLog.action).where(
        AuditLog.target_type == "Course").order_by(AuditLog.id)).all()  # PostgreSQL: no order
    assert actions == ["course.created", "course.published"]


def test_course_creation_bad_input(client, instructor):
    factories.make_occupation("4-01-02-07", levels="543")
    headers = api_headers(client, instructor)
    cases = [new_course(occupation_code="9-99-99-99"), new_course(level=1),
             new_course(mode="radio"), new_course(required_hours=0),
             new_course(region_code="99"), new_course(attendance_threshold=1.5),
             new_course(title="x" * 201), new_course(certificate_type="diploma"),
             {"title": "only a title"}]
    for body in cases:
        response = client.post("/api/v1/courses", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["fields"], body
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_only_the_courses_instructor_may_publish_or_edit(client, instructor, make_user, trainee):
    course = factories.make_course(instructor, published=False)
    other = make_user("instructor")
    headers = api_headers(client, other)
    assert client.post(f"/api/v1/courses/{course.id}/publish",
                       headers=api_headers(client, trainee)).status_code == 403
    # another instructor cannot see the draft at all
    assert client.post(f"/api/v1/courses/{course.id}/publish", headers=headers).status_code == 404
    course.status = "published"
    db.session.commit()
    assert client.patch(f"/api/v1/courses/{course.id}", json={"title": "hijacked"},
                        headers=headers).status_code == 403
    db.session.refresh(course)
    assert course.title != "hijacked"


def test_lessons_are_sanitised(client, instructor):
    course = factories.make_course(instructor)
    dirty = ('<p onclick="x()">好<script>alert(1)</script>'
             '<a href="javascript:x">链接</a></p>')
    response = client.post(f"/api/v1/courses/{course.id}/lessons",
                           headers=api_headers(client, instructor),
                           json={"title": "开播准备", "duration_minutes": 45,
                                 "description_html": dirty})
    assert response.status_code == 201
    html = response.get_json()["description_html"]
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html
    assert "<p>好" in html


def test_enrolment(client, trainee, instructor):
    course = factories.make_course(instructor)
    headers = api_headers(client, trainee)
    response = client.post(f"/api/v1/courses/{course.id}/enrolments", headers=headers)
    assert response.status_code == 201
    assert response.get_json()["enrolment_id"] > 0
    again = client.post(f"/api/v1/courses/{course.id}/enrolments", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_enrolled"
    mine = client.get("/api/v1/me/enrolments", headers=headers).get_json()
    assert mine["total"] == 1
    assert mine["items"][0]["course"]["id"] == course.id
    attendance = mine["items"][0]["attendance"]
    assert attendance["required_minutes"] == 60 * 60
    assert {"attended_minutes", "ratio", "eligible_for_exam"} <= set(attendance)


def test_enrolling_in_a_draft_or_unknown_course_is_404(client, trainee, instructor):
    draft = factories.make_course(instructor, published=False)
    headers = api_headers(client, trainee)
    assert client.post(f"/api/v1/courses/{draft.id}/enrolments",
                       headers=headers).status_code == 404
    assert client.post("/api/v1/courses/99999/enrolments", headers=headers).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0


def test_a_trainee_sees_only_their_own_enrolments(client, trainee, make_user, instructor):
    course = factories.make_course(instructor)
    other = make_user("trainee")
    factories.enrol(other, course)
    mine = client.get("/api/v1/me/enrolments", headers=api_headers(client, trainee)).get_json()
    assert mine["total"] == 0


def test_staff_cannot_enrol(client, instructor, officer):
    course = factories.make_course(instructor)
    for user in (instructor, officer):
        response = client.post(f"/api/v1/courses/{course.id}/enrolments",
                               headers=api_headers(client, user))
        assert response.status_code == 403


def test_empty_filter_values_mean_no_filter(client, menu):
    response = client.get("/api/v1/menu?q=&occupation=&level=&mode=&region=&subsidised=")
    assert response.status_code == 200
    assert response.get_json()["total"] == 3


def test_region_filter_includes_courses_offered_province_wide(client, instructor):
    factories.make_course(instructor, title="全省线上课", region_code="330000")
    factories.make_course(instructor, title="嘉兴市课程", region_code="330400")
    factories.make_course(instructor, title="平湖本地课", region_code="330482")
    factories.make_course(instructor, title="杭州西湖区课", region_code="330106")
    factories.make_course(instructor, title="长沙课", region_code="430121")
    assert titles(client.get("/api/v1/menu?region=330482")) == {"全省线上课", "嘉兴市课程",
                                                                "平湖本地课"}
    assert titles(client.get("/api/v1/menu?region=330400")) == {"全省线上课", "嘉兴市课程",
                                                                "平湖本地课"}
    assert titles(client.get("/api/v1/menu?region=330000")) == {"全省线上课", "嘉兴市课程",
                                                                "平湖本地课", "杭州西湖区课"}
