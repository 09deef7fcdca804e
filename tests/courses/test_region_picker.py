"""Staff forms pick a course's or an institution's region from the GB/T 2260 tree (province,
city, then a district, the whole city or the whole province) instead of typing a code."""

import re

from sqlalchemy import func, select

from core.extensions import db
from courses.models import Course, Institution
from tests import factories
from tests.factories import csrf_token, login


def _course_form(school, **region) -> dict:
    return {"title": "助农直播", "provider": f"institution:{school.id}",
            "occupation_code": "4-01-02-07", "level": "5", "mode": "live",
            "required_hours": "64", "subsidised": "y", "fee_yuan": "0",
            "attendance_threshold": "0.8", "certificate_type": "skill_level",
            "description_html": "", **region}


def _ready(instructor):
    factories.make_occupation("4-01-02-07", "互联网营销师", "Internet marketing")
    school = factories.make_institution("平湖职校")
    factories.assign_provider(instructor, school)
    return school


def _options(page: str, name: str) -> dict[str, str]:
    """value → label of a select's options."""
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>',
                           select_html.group(1)))


def test_a_course_is_held_in_a_district_a_whole_city_or_a_whole_province(client, instructor):
    school = _ready(instructor)
    login(client, instructor)
    token = csrf_token(client, "/teach/courses/new")
    for province, city, code in (("330000", "330400", "330482"), ("330000", "330400", "330400"),
                                 ("330000", "", "330000")):
        response = client.post("/teach/courses/new", data={
            "csrf_token": token, **_course_form(school, province=province, city=city,
                                                region_code=code)})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        course = db.session.scalar(select(Course).order_by(Course.id.desc()).limit(1))
        assert course.region_code == code


def test_a_region_outside_the_chosen_city_or_unknown_is_refused(client, instructor):
    school = _ready(instructor)
    login(client, instructor)
    token = csrf_token(client, "/teach/courses/new")
    for region in ({"province": "330000", "city": "330400", "region_code": "330106"},  # Hangzhou
                   {"province": "330000", "region_code": "430121"},  # Changsha
                   {"province": "330000", "city": "33abc", "region_code": "33abc"},
                   {"province": "33", "city": "3304", "region_code": "3304"},
                   {"province": "430000", "city": "330400", "region_code": "330400"},
                   {"region_code": "999999"}, {"region_code": "33048"}, {}):
        response = client.post("/teach/courses/new", data={
            "csrf_token": token, **_course_form(school, **region)})
        assert response.status_code == 422, region
        assert "请先选择省份，再选择区县、全市或全省。" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_without_javascript_the_button_fills_the_next_level(client, instructor):
    school = _ready(instructor)
    login(client, instructor)
    page = client.get("/teach/courses/new").get_data(as_text=True)
    assert "浙江省" in _options(page, "province").values()
    assert _options(page, "city") == {"": "请选择…"}
    token = csrf_token(client, "/teach/courses/new")
    response = client.post("/teach/courses/new", data={
        "csrf_token": token, "pick_region": "1", **_course_form(school, province="330000")})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _options(page, "city")["330400"] == "嘉兴市"
    assert _options(page, "region_code") == {"": "请选择…", "330000": "浙江省（全省）"}
    response = client.post("/teach/courses/new", data={
        "csrf_token": token, "pick_region": "1",
        **_course_form(school, province="330000", city="330400")})
    districts = _options(response.get_data(as_text=True), "region_code")
    assert districts["330400"] == "嘉兴市（全市）" and districts["330482"] == "平湖市"
    assert "330000" not in districts
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_editing_shows_the_course_region_chosen_at_its_level(client, instructor):
    for code, label in (("330000", "浙江省（全省）"), ("330400", "嘉兴市（全市）"),
                        ("330482", "平湖市")):
        course = factories.make_course(instructor, region_code=code)
        login(client, instructor)
        page = client.get(f"/teach/courses/{course.id}").get_data(as_text=True)
        chosen = re.search(r'<select[^>]*name="region_code".*?<option selected value="(\d+)">'
                           r'([^<]*)<', page, re.S)
        assert chosen and chosen.groups() == (code, label), code
        client.post("/logout", data={"csrf_token": csrf_token(client)})


def test_officer_picks_an_institution_region(client, officer):
    login(client, officer)
    token = csrf_token(client, "/menu-admin/")
    picking = client.post("/menu-admin/institution", data={
        "csrf_token": token, "pick_region": "1", "institution-name": "长沙县人力资源培训学校",
        "institution-province": "430000", "institution-city": "430100"})
    assert picking.status_code == 200
    districts = _options(picking.get_data(as_text=True), "institution-region_code")
    assert districts["430121"] == "长沙县" and districts["430100"] == "长沙市（全市）"
    assert db.session.scalar(select(func.count()).select_from(Institution)) == 0
    saved = client.post("/menu-admin/institution", data={
        "csrf_token": token, "institution-name": "长沙县人力资源培训学校",
        "institution-province": "430000", "institution-city": "430100",
        "institution-region_code": "430121", "institution-licence_number": "4301212026017"})
    assert saved.status_code == 302
    assert db.session.scalar(select(Institution.region_code)) == "430121"


def test_the_api_refuses_a_code_outside_the_division_list(client, instructor):
    """Six digits and a real province prefix are not enough: 339999 names no region."""
    school = _ready(instructor)
    headers = factories.api_headers(client, instructor)
    body = {"title": "直播销售员五级", "occupation_code": "4-01-02-07", "level": 5,
            "mode": "online", "required_hours": 64, "subsidised": True,
            "provider": {"kind": "institution", "id": school.id}}
    refused = client.post("/api/v1/courses", headers=headers,
                          json={**body, "region_code": "339999"})
    assert refused.status_code == 422 and "region_code" in refused.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0
    made = client.post("/api/v1/courses", headers=headers, json={**body, "region_code": "330400"})
    assert made.status_code == 201
