"""Officer region scope outside subsidies: certificate management, attendance sheets,
employment follow-ups and reports; the admin page that sets an officer's regions."""

from datetime import timedelta

import pytest

from accounts import scope
from certificates.models import Certificate
from core.audit import AuditLog
from core.extensions import db
from core.timeutil import local_today
from tests import factories
from tests.factories import api_headers, login, make_course, make_user
from tests.subsidies.conftest import issue

HOME, AWAY = "330482", "430121"  # 平湖市 (嘉兴), 长沙县 (长沙)


@pytest.fixture
def world(instructor):
    ended = local_today() - timedelta(days=40)
    here_course = make_course(instructor, region_code=HOME, ends_on=ended)
    away_course = make_course(instructor, region_code=AWAY, ends_on=ended)
    here = make_user("trainee", name="平湖学员", region_code=HOME)
    away = make_user("trainee", name="长沙学员", region_code=AWAY)
    local = make_user("officer", name="嘉兴专员")
    scope.set_regions(None, local, ["330400"])
    db.session.commit()
    return {"here_course": here_course, "away_course": away_course, "here": here, "away": away,
            "local": local, "here_cert": issue(here, here_course),
            "away_cert": issue(away, away_course), "other": make_user("officer")}


def _code(response) -> str:
    return (response.get_json() or {}).get("error", {}).get("code")


def test_certificate_management_api(client, world):
    headers = api_headers(client, world["local"])
    listed = client.get("/api/v1/certificates", headers=headers).get_json()
    assert [c["serial"] for c in listed["items"]] == [world["here_cert"].serial]
    assert client.get(f"/api/v1/certificates/{world['here_cert'].serial}",
                      headers=headers).status_code == 200
    away = world["away_cert"].serial
    got = client.get(f"/api/v1/certificates/{away}", headers=headers)
    assert got.status_code == 403 and _code(got) == "region_forbidden"
    revoke = client.post(f"/api/v1/certificates/{away}/revoke", json={"reason": "fraud"},
                         headers=headers)
    assert revoke.status_code == 403 and _code(revoke) == "region_forbidden"
    reissue = client.post(f"/api/v1/certificates/{away}/reissue", json={"holder_name": "x"},
                          headers=headers)
    assert reissue.status_code == 403 and _code(reissue) == "region_forbidden"
    pdf = client.get(f"/api/v1/certificates/{away}/pdf", headers=headers)
    assert pdf.status_code == 403 and _code(pdf) == "region_forbidden"
    db.session.expire_all()
    assert db.session.scalar(db.select(Certificate.status).where(
        Certificate.serial == away)) == "valid"
    ok = client.post(f"/api/v1/certificates/{world['here_cert'].serial}/revoke",
                     json={"reason": "考试作弊"}, headers=headers)
    assert ok.status_code == 200
    # the unlimited officer sees both
    everyone = client.get("/api/v1/certificates", headers=api_headers(client, world["other"]))
    assert everyone.get_json()["total"] == 2


def test_certificate_management_pages(app, world):
    client = app.test_client()
    login(client, world["local"])
    html = client.get("/certificates/manage").get_data(as_text=True)
    assert world["here_cert"].serial in html and world["away_cert"].serial not in html
    token = factories.csrf_token(client, "/certificates/manage")
    away = world["away_cert"].serial
    assert client.post(f"/certificates/{away}/revoke",
                       data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert client.post(f"/certificates/{away}/reissue",
                       data={"csrf_token": token, "holder_name": "x"}).status_code == 403
    assert client.get(f"/certificates/{away}.pdf").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(db.select(Certificate.status).where(
        Certificate.serial == away)) == "valid"


def test_attendance_sheets(client, world):
    headers = api_headers(client, world["local"])
    assert client.get(f"/api/v1/courses/{world['here_course'].id}/attendance",
                      headers=headers).status_code == 200
    away = client.get(f"/api/v1/courses/{world['away_course'].id}/attendance",
                      headers=headers)
    assert away.status_code == 403 and _code(away) == "region_forbidden"
    assert client.get(f"/api/v1/courses/{world['away_course'].id}/attendance",
                      headers=api_headers(client, world["other"])).status_code == 200


def test_attendance_sheet_page(app, world):
    client = app.test_client()
    login(client, world["local"])
    assert client.get(f"/attendance/courses/{world['away_course'].id}").status_code == 403
    assert client.get(f"/attendance/courses/{world['here_course'].id}").status_code == 200


def test_follow_ups_and_employment(client, world):
    headers = api_headers(client, world["local"])
    rows = client.get("/api/v1/reports/follow-ups?stage=30", headers=headers).get_json()
    assert {r["trainee"]["id"] for r in rows["items"]} == {world["here"].id}
    note = client.post("/api/v1/follow-ups", json={
        "trainee_id": world["away"].id, "outcome": "reached_seeking", "note": "x"},
        headers=headers)
    assert note.status_code == 403 and _code(note) == "region_forbidden"
    assert client.post("/api/v1/follow-ups", json={
        "trainee_id": world["here"].id, "outcome": "reached_seeking", "note": "x"},
        headers=headers).status_code == 201
    job = client.post("/api/v1/me/employment", json={
        "employer": "长沙公司", "started_on": "2026-09-01", "occupation_code": None,
        "monthly_wage_fen": 450000}, headers=api_headers(client, world["away"])).get_json()
    confirm = client.post(f"/api/v1/employment/{job['id']}/confirm", headers=headers)
    assert confirm.status_code == 403 and _code(confirm) == "region_forbidden"
    listed = client.get("/api/v1/employment", headers=headers).get_json()
    assert job["id"] not in [r["id"] for r in listed["items"]]


def test_reports_scope_and_names(app, client, world):
    headers = api_headers(client, world["local"])
    assert client.get("/api/v1/reports/summary?year=2026&region=330482",
                      headers=headers).status_code == 200
    away = client.get("/api/v1/reports/summary?year=2026&region=430000", headers=headers)
    assert away.status_code == 403 and _code(away) == "region_forbidden"
    page = app.test_client()
    login(page, world["local"])
    html = page.get("/reports").get_data(as_text=True)
    assert "浙江省 嘉兴市" in html


def test_several_regions(client, world):
    scope.set_regions(None, world["local"], ["330400", "430100"])
    db.session.commit()
    listed = client.get("/api/v1/certificates",
                        headers=api_headers(client, world["local"])).get_json()
    assert listed["total"] == 2


def test_admin_sets_officer_regions(app, world):
    admin = make_user("admin")
    client = app.test_client()
    login(client, admin)
    page = client.get("/admin/officer-regions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "嘉兴专员" in html and "浙江省 嘉兴市" in html
    token = factories.csrf_token(client, "/admin/officer-regions")
    officer = world["other"]
    bad = client.post(f"/admin/officer-regions/{officer.id}",
                      data={"csrf_token": token, "regions": "999999"})
    assert bad.status_code == 422 and scope.regions_of(officer) == ()
    ok = client.post(f"/admin/officer-regions/{officer.id}",
                     data={"csrf_token": token, "regions": ["330482", "430100"]})
    assert ok.status_code == 302
    db.session.expire_all()
    assert scope.regions_of(officer) == ("330482", "430100")
    assert "长沙市" in client.get("/admin/officer-regions").get_data(as_text=True)
    audit = db.session.scalar(db.select(AuditLog).where(
        AuditLog.action == "officer.regions_set", AuditLog.actor_id == admin.id))
    assert audit.after == {"regions": ["330482", "430100"]}
    cleared = client.post(f"/admin/officer-regions/{officer.id}",
                          data={"csrf_token": token})
    assert cleared.status_code == 302 and scope.regions_of(officer) == ()
    # the region picker's data: the tree from core.regions
    cities = client.get("/admin/regions?parent=330000").get_json()
    assert {"code": "330400", "name": "嘉兴市"} in cities["items"]
    for role in ("officer", "trainee"):
        other = app.test_client()
        login(other, make_user(role))
        assert other.get("/admin/officer-regions").status_code == 403
        assert other.post(f"/admin/officer-regions/{officer.id}",
                          data={"regions": "330482"}).status_code in (400, 403)
    assert scope.regions_of(officer) == ()

