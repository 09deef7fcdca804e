"""The report and claim filters pick a region (all regions, a province, a city or a district)
instead of taking a typed code, and an officer limited to regions is offered only those, on
the filters and on the targets form."""

import re

from accounts import scope
from core.extensions import db
from tests import factories
from tests.factories import csrf_token, login, make_user


def _options(page: str, name: str) -> dict[str, str]:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1)))


def _selected(page: str, name: str) -> str:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"|'
                       r'<option[^>]*value="([^"]*)"[^>]*selected', found.group(1))
    return next((g for g in chosen.groups() if g is not None), "") if chosen else ""


def _limited_officer(*codes: str):
    officer = make_user("officer", name="嘉兴专员")
    scope.set_regions(None, officer, list(codes))
    db.session.commit()
    return officer


def test_the_report_filter_goes_down_province_city_district_without_javascript(client):
    login(client, make_user("officer"))
    page = client.get("/reports").get_data(as_text=True)
    provinces = _options(page, "province")
    assert provinces[""] == "全部地区" and provinces["330000"] == "浙江省"
    assert list(_options(page, "city")) == [""]  # no city before a province
    # The filter's own button: a province chosen filters by it and offers its cities.
    page = client.get("/reports?province=330000").get_data(as_text=True)
    assert _selected(page, "province") == "330000"
    assert _options(page, "city")["330400"] == "嘉兴市"
    page = client.get("/reports?province=330000&city=330400&region=330482").get_data(
        as_text=True)
    assert _options(page, "region")["330482"] == "平湖市"
    assert _selected(page, "region") == "330482"
    # A city of another province is dropped, not mixed with this province.
    page = client.get("/reports?province=440000&city=330400").get_data(as_text=True)
    assert _selected(page, "province") == "440000" and _selected(page, "city") == ""


def test_a_region_link_of_any_level_shows_at_its_level(client):
    login(client, make_user("officer"))
    page = client.get("/reports?region=330400").get_data(as_text=True)  # a whole city
    assert (_selected(page, "province"), _selected(page, "city")) == ("330000", "330400")
    assert _selected(page, "region") == ""
    assert "region=330400" in page  # the CSV links keep the filter


def test_the_filter_counts_only_the_chosen_region(client):
    for region in ("330482", "430121"):  # figures count by the course's region
        factories.enrol(make_user("trainee", region_code=region),
                        factories.make_course(region_code=region))
    db.session.commit()
    login(client, make_user("officer"))

    def trained(query: str) -> str:
        page = client.get(f"/reports?{query}").get_data(as_text=True)
        card = re.search(r'data-figure="trained">.*?<div class="figure">(\d+)</div>', page,
                         re.S)
        return card.group(1)

    assert trained("") == "2"
    assert trained("province=330000") == "1"
    assert trained("province=330000&city=330400&region=330482") == "1"
    assert trained("province=430000") == "1"
    assert trained("province=110000") == "0"


def test_a_limited_officer_is_offered_only_their_regions(client):
    login(client, _limited_officer("330400"))
    page = client.get("/reports").get_data(as_text=True)
    assert _options(page, "province") == {"": "您的全部地区", "330000": "浙江省"}
    # Their own region stands in for "all" and shows picked, its districts offered.
    assert (_selected(page, "province"), _selected(page, "city")) == ("330000", "330400")
    assert _options(page, "city") == {"": "全部城市", "330400": "嘉兴市"}
    assert "330482" in _options(page, "region")
    # A region outside theirs in a link is not shown: theirs is.
    page = client.get("/reports?province=440000&city=440100").get_data(as_text=True)
    assert (_selected(page, "province"), _selected(page, "city")) == ("330000", "330400")
    assert 'data-within="330400"' in page  # regions.js filters what it loads the same way


def test_a_limited_officers_target_picker_holds_only_their_regions(client):
    login(client, _limited_officer("330400"))
    page = client.get("/reports/targets?year=2026").get_data(as_text=True)
    assert _options(page, "province") == {"": "请选择…", "330000": "浙江省"}
    token = csrf_token(client, "/reports/targets?year=2026")
    picking = client.post("/reports/targets", data={
        "csrf_token": token, "year": "2026", "province": "330000", "city": "",
        "region_code": "", "pick_region": "1"})
    # Not the whole province (it is wider than theirs), only their city.
    assert _options(picking.get_data(as_text=True), "city") == {"": "请选择…",
                                                                 "330400": "嘉兴市"}
    assert "330000" not in _options(picking.get_data(as_text=True), "region_code")
    picking = client.post("/reports/targets", data={
        "csrf_token": token, "year": "2026", "province": "330000", "city": "330400",
        "region_code": "", "pick_region": "1"})
    districts = _options(picking.get_data(as_text=True), "region_code")
    assert districts["330400"] == "嘉兴市（全市）" and "330482" in districts


def test_an_officer_for_two_cities_sees_both_by_default(client):
    for region in ("330482", "430121", "110101"):  # 嘉兴 平湖市, 长沙县, 北京 东城区
        factories.enrol(make_user("trainee", region_code=region),
                        factories.make_course(region_code=region))
    officer = _limited_officer("330400", "430100")
    from reports import service

    service.set_target(officer, 2026, "330400", {"trained": 10})
    service.set_target(officer, 2026, "430100", {"trained": 20})
    db.session.commit()
    headers = factories.api_headers(client, officer)
    summary = client.get("/api/v1/reports/summary?year=2026", headers=headers).get_json()
    assert summary["trained"] == 2  # both cities, not Beijing, not only the first city
    assert summary["targets"]["trained"] == 30
    assert (summary["region"], summary["regions"]) == (None, ["330400", "430100"])
    one = client.get("/api/v1/reports/summary?year=2026&region=430121", headers=headers)
    assert one.get_json()["trained"] == 1 and one.get_json()["regions"] == ["430121"]
    wider = client.get("/api/v1/reports/summary?year=2026&region=430000", headers=headers)
    assert wider.status_code == 403
    login(client, officer)
    page = client.get("/reports?year=2026").get_data(as_text=True)
    assert _selected(page, "province") == ""  # 您的全部地区, and it means both
    card = re.search(r'data-figure="trained">.*?<div class="figure">(\d+)</div>', page, re.S)
    assert card.group(1) == "2"
