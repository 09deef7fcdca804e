"""The public institutions list, and officers taking an instructor off an institution or a
platform through the API and the curation page (audited; the instructor may then no longer
name that provider)."""

from sqlalchemy import func, select

from core.audit import AuditLog
from core.extensions import db
from courses.models import Institution, ProviderInstructor
from tests import factories
from tests.factories import api_headers, csrf_token, login


def _assigned(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(ProviderInstructor).where(
        ProviderInstructor.user_id == user_id))


def test_institutions_lists_active_ones_by_name_publicly(client):
    factories.make_institution(name="平湖市职业技能培训中心")
    factories.make_institution(name="嘉兴技师学院", region_code="330402")
    closed = factories.make_institution(name="已注销学校")
    db.session.get(Institution, closed.id).active = False
    db.session.commit()
    body = client.get("/api/v1/institutions").get_json()
    assert [i["name"] for i in body["items"]] == sorted(["平湖市职业技能培训中心", "嘉兴技师学院"])
    assert body["total"] == 2 and {"region_code", "licence_number"} <= set(body["items"][0])


def test_officer_removes_instructors_from_institution_and_platform(client, officer, instructor):
    school, platform = factories.make_institution(), factories.make_platform()
    factories.assign_provider(instructor, school)
    factories.assign_provider(instructor, platform)
    headers = api_headers(client, officer)
    assert client.delete(f"/api/v1/institutions/{school.id}/instructors/{instructor.id}",
                         headers=api_headers(client, instructor)).status_code == 403
    removed = client.delete(f"/api/v1/institutions/{school.id}/instructors/{instructor.id}",
                            headers=headers)
    assert removed.status_code == 200 and removed.get_json()["instructors"] == []
    assert _assigned(instructor.id) == 1
    gone = client.delete(f"/api/v1/platforms/{platform.id}/instructors/{instructor.id}",
                         headers=headers)
    assert gone.status_code == 200 and gone.get_json()["instructors"] == []
    assert _assigned(instructor.id) == 0
    again = client.delete(f"/api/v1/platforms/{platform.id}/instructors/{instructor.id}",
                          headers=headers)
    assert again.status_code == 404
    assert db.session.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.action == "provider.instructor_removed")) == 2
    # Off the institution, the instructor cannot name it for a new course.
    made = client.post("/api/v1/courses", headers=api_headers(client, instructor), json={
        "title": "直播销售员五级", "occupation_code": factories.make_occupation().code,
        "level": 5, "mode": "online", "required_hours": 64, "region_code": "330482",
        "subsidised": True, "provider": {"kind": "institution", "id": school.id}})
    assert made.status_code == 403 and made.get_json()["error"]["code"] == "not_your_provider"


def test_curation_page_removes_an_instructor(client, officer, instructor):
    school = factories.make_institution()
    factories.assign_provider(instructor, school)
    login(client, officer)
    token = csrf_token(client, "/menu-admin/")
    response = client.post(
        f"/menu-admin/institution/{school.id}/instructors/{instructor.id}/remove",
        data={"csrf_token": token})
    assert response.status_code == 302
    assert _assigned(instructor.id) == 0
    assert "已移除授课教师" in client.get(response.headers["Location"]).get_data(as_text=True)
    missing = client.post(f"/menu-admin/school/{school.id}/instructors/{instructor.id}/remove",
                          data={"csrf_token": token})
    assert missing.status_code == 404
