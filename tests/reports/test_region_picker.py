"""An enterprise's order and an officer's target take their region from the picker (a
district, a whole city or a whole province), not a typed code."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.timeutil import local_today
from reports.models import DemandOrder, Target
from tests.factories import csrf_token, login, make_occupation, make_user


def _districts(page: str, name: str = "region_code") -> dict[str, str]:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1)))


def _order(**region) -> dict:
    return {"occupation_code": "6-05-05-01", "level": "5", "workers": "3", "wage": "5500",
            "starts_on": (local_today() + timedelta(days=10)).isoformat(), **region}


def test_an_enterprise_orders_workers_for_a_whole_city(client):
    make_occupation(code="6-05-05-01", name_zh="箱包制作工", name_en="Bag maker")
    login(client, make_user("enterprise", organisation="平湖箱包"))
    token = csrf_token(client, "/orders")
    picking = client.post("/orders", data={"csrf_token": token, "pick_region": "1",
                                           **_order(province="330000", city="330400")})
    assert picking.status_code == 200
    assert _districts(picking.get_data(as_text=True))["330400"] == "嘉兴市（全市）"
    refused = client.post("/orders", data={"csrf_token": token, **_order(
        province="330000", city="330400", region_code="430121")})
    assert refused.status_code == 422
    assert "请先选择省份，再选择区县、全市或全省。" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(DemandOrder)) == 0
    placed = client.post("/orders", data={"csrf_token": token, **_order(
        province="330000", city="330400", region_code="330400")})
    assert placed.status_code == 302
    assert db.session.scalar(select(DemandOrder.region_code)) == "330400"


def test_an_officer_sets_a_target_for_a_whole_province(client):
    login(client, make_user("officer"))
    token = csrf_token(client, "/reports/targets?year=2026")
    saved = client.post("/reports/targets", data={
        "csrf_token": token, "year": "2026", "province": "330000", "city": "",
        "region_code": "330000", "trained": "500"})
    assert saved.status_code == 302
    assert db.session.scalar(select(Target.region_code)) == "330000"
    page = client.get("/reports/targets?year=2026").get_data(as_text=True)
    assert "浙江省" in page and "330000" in _districts(page, "province")


def test_the_order_api_refuses_a_code_outside_the_division_list(client):
    from tests.factories import api_headers

    make_occupation(code="6-05-05-01", name_zh="箱包制作工", name_en="Bag maker")
    headers = api_headers(client, make_user("enterprise", organisation="平湖箱包"))
    body = {"occupation_code": "6-05-05-01", "level": 5, "workers": 2, "wage_fen": 550000,
            "starts_on": (local_today() + timedelta(days=30)).isoformat()}
    refused = client.post("/api/v1/orders", headers=headers, json={**body, "region_code": "339999"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["region_code"] == ["请选择行政区划表中的地区。"]
    assert db.session.scalar(select(func.count()).select_from(DemandOrder)) == 0
    placed = client.post("/api/v1/orders", headers=headers, json={**body, "region_code": "330000"})
    assert placed.status_code == 201


def test_a_target_for_a_code_outside_the_division_list_is_refused(client):
    from tests.factories import api_headers

    headers = api_headers(client, make_user("officer"))
    refused = client.put("/api/v1/reports/targets", headers=headers, json={
        "year": 2026, "region_code": "339999", "trained": 100})
    assert refused.status_code == 422 and "region_code" in refused.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(Target)) == 0
