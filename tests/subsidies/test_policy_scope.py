"""A subsidy policy sets the money of every claim in its region: an officer limited to
regions may only write one for (a part of) those regions, by the API and on the page, whose
region is picked rather than typed."""

import re

from sqlalchemy import func, select

from accounts import scope
from core.extensions import db
from subsidies import policies
from subsidies.models import SubsidyPolicy
from tests import factories


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(SubsidyPolicy))


def _jiaxing_officer():
    officer = factories.make_user("officer", name="嘉兴专员")
    scope.set_regions(None, officer, ["330400"])
    db.session.commit()
    return officer


def test_a_limited_officer_writes_policies_for_their_regions_only(client):
    headers = factories.api_headers(client, _jiaxing_officer())
    body = {"name": "嘉兴 2027", "effective_from": "2027-01-01",
            "settings": policies.default_settings()}
    for wider in ("", "33", "44", "4401"):  # national, their province, elsewhere
        refused = client.post("/api/v1/subsidy-policies", headers=headers,
                              json={**body, "region_prefix": wider})
        assert refused.status_code == 403, wider
        assert refused.get_json()["error"]["code"] == "region_forbidden"
    assert _count() == 0
    for inside in ("3304", "330482"):
        made = client.post("/api/v1/subsidy-policies", headers=headers,
                           json={**body, "region_prefix": inside})
        assert made.status_code == 201 and made.get_json()["region_prefix"] == inside
    assert _count() == 2


def test_an_unlimited_officer_still_writes_a_national_policy(client):
    headers = factories.api_headers(client, factories.make_user("officer"))
    made = client.post("/api/v1/subsidy-policies", headers=headers, json={
        "name": "全国", "region_prefix": "", "effective_from": "2027-01-01",
        "settings": policies.default_settings()})
    assert made.status_code == 201


def test_the_policy_page_picks_the_region_within_the_officers(client):
    import json

    factories.login(client, _jiaxing_officer())
    page = client.get("/subsidies/policies").get_data(as_text=True)

    def picked(name):
        select_ = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)[1]
        return (re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select_),
                re.findall(r'<option selected value="([^"]*)"', select_))

    # National is not offered to them, and their one region is already picked.
    assert picked("province") == ([("", "请选择您负责的地区"), ("330000", "浙江省")], ["330000"])
    assert picked("city")[1] == ["330400"]
    token = factories.csrf_token(client, "/subsidies/policies")
    form = {"csrf_token": token, "name": "嘉兴 2027", "effective_from": "2027-01-01",
            "settings": json.dumps(policies.default_settings())}
    for unpicked in ({}, {"province": "330000"}):  # nothing, or only the province reaching in
        refused = client.post("/subsidies/policies", data={**form, **unpicked})
        assert refused.status_code == 422
        assert "请在您负责的地区（浙江省 嘉兴市）内选择。" in refused.get_data(as_text=True)
    assert _count() == 0
    saved = client.post("/subsidies/policies", data={**form, "province": "330000",
                                                     "city": "330400"})
    assert saved.status_code == 302
    assert db.session.scalar(select(SubsidyPolicy.region_prefix)) == "3304"


def test_an_officer_outside_the_region_is_refused_before_the_settings_are_read(client):
    headers = factories.api_headers(client, _jiaxing_officer())
    refused = client.post("/api/v1/subsidy-policies", headers=headers, json={
        "name": "广州", "region_prefix": "4401", "effective_from": "2027-01-01",
        "settings": {"yearly_cap": 99}})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "region_forbidden"
    assert _count() == 0
