"""Registration picks the region province → city → district, with or without JavaScript."""

from sqlalchemy import select

from accounts.models import User
from core.extensions import db
from tests.factories import csrf_token


def test_regions_json_lists_children(client):
    provinces = client.get("/regions.json").get_json()["items"]
    assert {"code": "330000", "name": "浙江省"} in provinces
    cities = client.get("/regions.json?parent=330000").get_json()["items"]
    assert {"code": "330400", "name": "嘉兴市"} in cities
    districts = client.get("/regions.json?parent=330400").get_json()["items"]
    assert {"code": "330482", "name": "平湖市"} in districts
    assert client.get("/regions.json?parent=999999").status_code == 404
    assert client.get("/regions.json?parent=abc").status_code == 404


def test_register_without_javascript_steps_through_the_selects(client):
    token = csrf_token(client, "/register")
    page = client.post("/register", data={"csrf_token": token, "province": "330000",
                                          "pick_region": "1"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="330400"' in html and "嘉兴市" in html
    page = client.post("/register", data={"csrf_token": token, "province": "330000",
                                          "city": "330400", "pick_region": "1"})
    html = page.get_data(as_text=True)
    assert 'value="330482"' in html and "平湖市" in html
    data = {"csrf_token": token, "province": "330000", "city": "330400",
            "region_code": "330482", "phone": "13900139000", "name": "王军",
            "id_number": "11010519491231002X", "password": "long-enough-1",
            "confirm": "long-enough-1", "consent": "y"}
    response = client.post("/register", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    user = db.session.scalar(select(User).where(User.phone == "13900139000"))
    assert user.email is None and user.profile.region_code == "330482"


def test_register_page_without_consent_is_refused(client):
    token = csrf_token(client, "/register")
    data = {"csrf_token": token, "region_code": "330482", "phone": "13900139000",
            "name": "王军", "id_number": "11010519491231002X", "password": "long-enough-1",
            "confirm": "long-enough-1"}
    response = client.post("/register", data=data)
    assert response.status_code == 422
    assert "请阅读隐私声明并勾选同意" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_privacy_notice_page(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "隐私声明" in page and "身份证号" in page
