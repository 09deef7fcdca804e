"""An officer limited to regions curates the institutions of their regions only: not one
elsewhere (created, renamed or moved in), not the national platforms and occupations on the
curation page, and not the instructors of another region's institution. Nothing changes."""

import io

from sqlalchemy import func, select

from accounts import scope
from core.extensions import db
from courses.models import Institution, Occupation, Platform, ProviderInstructor
from tests import factories
from tests.factories import api_headers, csrf_token, login


def _jiaxing_officer():
    officer = factories.make_user("officer", name="嘉兴专员")
    scope.set_regions(None, officer, ["330400"])
    db.session.commit()
    return officer


def _institution(name: str, region: str, licence: str, province: str, city: str) -> dict:
    return {"institution-name": name, "institution-province": province,
            "institution-city": city, "institution-region_code": region,
            "institution-licence_number": licence}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_limited_officer_saves_institutions_of_their_regions_only(client):
    changsha = factories.make_institution("长沙县培训学校", region_code="430121")
    db.session.commit()
    login(client, _jiaxing_officer())
    token = csrf_token(client, "/menu-admin/")
    page = client.get("/menu-admin/").get_data(as_text=True)
    assert "您负责浙江省 嘉兴市：可以添加和修改这些地区的培训机构。" in page
    assert '<option value="430000"' not in page  # the picker offers only 浙江省
    elsewhere = client.post("/menu-admin/institution", data={"csrf_token": token, **_institution(
        "湘江职校", "430121", "4301210001", "430000", "430100")})
    assert elsewhere.status_code in (403, 422)  # the picker drops it, the service refuses it
    moved_in = client.post("/menu-admin/institution", data={"csrf_token": token, **_institution(
        "改名学校", "330482", changsha.licence_number, "330000", "330400")})
    assert moved_in.status_code == 403
    assert "长沙县" in moved_in.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Institution, changsha.id).region_code == "430121"
    assert db.session.get(Institution, changsha.id).name == "长沙县培训学校"
    assert _count(Institution) == 1
    saved = client.post("/menu-admin/institution", data={"csrf_token": token, **_institution(
        "平湖职校", "330482", "3304820001", "330000", "330400")})
    assert saved.status_code == 302
    assert _count(Institution) == 2


def test_a_limited_officer_leaves_platforms_and_occupations_alone(client):
    login(client, _jiaxing_officer())
    token = csrf_token(client, "/menu-admin/")
    platform = client.post("/menu-admin/platform", data={
        "csrf_token": token, "platform-name": "某直播平台", "platform-website": "https://x.cn"})
    assert platform.status_code == 403
    occupation = client.post("/menu-admin/occupation", data={
        "csrf_token": token, "occupation-code": "4-01-02-07", "occupation-name_zh": "互联网营销师",
        "occupation-name_en": "Internet marketing", "occupation-levels": "54321"})
    assert occupation.status_code == 403
    assert _count(Platform) == 0 and _count(Occupation) == 0
    upload = client.post("/menu-admin/import", data={
        "csrf_token": token, "import-file": (io.BytesIO(
            "kind,name,region_code,licence_number\r\n"
            "institution,平湖职校,330482,3304820001\r\n"
            "institution,湘江职校,430121,4301210001\r\n".encode()), "menu.csv")},
        content_type="multipart/form-data")
    assert upload.status_code == 422
    assert "湖南省" in upload.get_data(as_text=True)  # the bad line, named
    assert _count(Institution) == 0  # a file with a bad line imports nothing


def test_a_limited_officer_assigns_instructors_within_their_regions(client, instructor):
    changsha = factories.make_institution("长沙县培训学校", region_code="430121")
    pinghu = factories.make_institution("平湖职校", region_code="330482")
    platform = factories.make_platform()
    db.session.commit()
    headers = api_headers(client, _jiaxing_officer())
    body = {"user_id": instructor.id}
    refused = client.post(f"/api/v1/institutions/{changsha.id}/instructors", headers=headers,
                          json=body)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "region_forbidden"
    assert _count(ProviderInstructor) == 0
    for path in (f"/api/v1/institutions/{pinghu.id}/instructors",
                 f"/api/v1/platforms/{platform.id}/instructors"):  # a platform has no region
        assert client.post(path, headers=headers, json=body).status_code == 200, path
    assert _count(ProviderInstructor) == 2
    factories.assign_provider(instructor, changsha)
    db.session.commit()
    removed = client.delete(f"/api/v1/institutions/{changsha.id}/instructors/{instructor.id}",
                            headers=headers)
    assert removed.status_code == 403 and _count(ProviderInstructor) == 3
