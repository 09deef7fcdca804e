"""Report figures against hand-counted fixtures; region scoping; CSV exports parse back."""

import csv
import io
from datetime import date

import pytest

from reports import service
from tests.factories import api_headers, login, make_course, make_institution, make_user
from tests.reports.helpers import at, certify, enrol_at, job


@pytest.fixture
def world(instructor):
    """Hand-counted: region 330482 has 3 trained (one twice), 2 certified (one revoked
    certificate does not count), 1 confirmed job of 2 reported; 430121 has 1 trained."""
    inst = make_institution(region_code="330482")
    pinghu = make_course(instructor, region_code="330482", institution_id=inst.id)
    pinghu2 = make_course(instructor, region_code="330482", institution_id=inst.id)
    changsha = make_course(instructor, region_code="430121")
    a, b, c, d = (make_user("trainee", key_groups=["rural_migrant"] if n == 0 else [])
                  for n in range(4))
    enrol_at(a, pinghu, at(2026, 3))
    enrol_at(a, pinghu2, at(2026, 4))          # same person twice: counted once
    enrol_at(b, pinghu, at(2026, 5))
    enrol_at(c, pinghu, at(2026, 5))
    enrol_at(d, changsha, at(2026, 6))
    enrol_at(make_user("trainee"), pinghu, at(2025, 12))   # last year
    enrol_at(make_user("trainee"), pinghu, at(2026, 7), status="withdrawn")
    certify(a, pinghu, at(2026, 6))
    certify(b, pinghu, at(2026, 7))
    certify(c, pinghu, at(2026, 7), status="revoked")
    job(a, pinghu, date(2026, 8, 1))
    job(b, pinghu, date(2026, 8, 1), status="reported")   # not confirmed: not counted
    job(d, changsha, date(2026, 9, 1))
    return {"pinghu": pinghu, "changsha": changsha, "trainees": (a, b, c, d)}


def summary(client, user, **params):
    response = client.get("/api/v1/reports/summary", query_string=params,
                          headers=api_headers(client, user))
    return response


def test_summary_counts_people_from_records(client, officer, world):
    service.set_target(officer, 2026, "330482", {"trained": 6, "certified": 4, "employed": 2})
    from core.extensions import db
    db.session.commit()
    body = summary(client, officer, year=2026, region="330482").get_json()
    assert (body["trained"], body["certified"], body["employed"]) == (3, 2, 1)
    assert body["subsidised"] == 0
    assert body["targets"]["trained"] == 6
    assert body["completion"] == {"trained": 0.5, "passed": None, "certified": 0.5,
                                  "subsidised": None, "employed": 0.5}
    assert body["employment_rate"] == round(1 / 3, 4)


def test_all_regions_and_other_years(client, officer, world):
    body = summary(client, officer, year=2026).get_json()
    assert (body["trained"], body["employed"]) == (4, 2)
    assert body["employment_rate"] == 0.5
    assert summary(client, officer, year=2025).get_json()["trained"] == 1
    province = summary(client, officer, year=2026, region="430000").get_json()
    assert (province["trained"], province["certified"], province["employed"]) == (1, 0, 1)


def test_quarter_and_key_group_filters(client, officer, world):
    q2 = summary(client, officer, year=2026, quarter=2).get_json()
    assert q2["trained"] == 4   # a (April), b and c (May), d (June)
    assert summary(client, officer, year=2026, quarter=1).get_json()["trained"] == 1
    group = summary(client, officer, year=2026, key_group="rural_migrant").get_json()
    assert (group["trained"], group["certified"], group["employed"]) == (1, 1, 1)


def test_officer_sees_only_their_region(client, make_user, world):
    scoped = make_user("officer")
    service.set_officer_region(None, scoped, "330400")
    from core.extensions import db
    db.session.commit()
    mine = summary(client, scoped, year=2026)
    assert mine.status_code == 200 and mine.get_json()["trained"] == 3
    assert mine.get_json()["region"] == "330400"
    other = summary(client, scoped, year=2026, region="430121")
    assert other.status_code == 403
    assert other.get_json()["error"]["code"] == "region_forbidden"
    assert summary(client, scoped, year=2026, region="330482").status_code == 200


@pytest.mark.parametrize("params", [{"year": "x"}, {"year": 1999}, {"region": "33"},
                                    {"quarter": 5}, {"key_group": "nobody"},
                                    {"occupation": "9-99-99-99"}, {"bogus": 1}])
def test_bad_filters_are_422(client, officer, params):
    response = summary(client, officer, **params)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("role,status", [("trainee", 403), ("instructor", 403),
                                         ("enterprise", 403), ("officer", 200)])
def test_summary_access(client, role, status):
    assert summary(client, make_user(role), year=2026).status_code == status


def test_summary_needs_login(client):
    assert client.get("/api/v1/reports/summary").status_code == 401


def test_breakdowns_add_up(client, officer, world):
    headers = api_headers(client, officer)
    rows = client.get("/api/v1/reports/breakdown/region?year=2026",
                      headers=headers).get_json()["items"]
    by_region = {r["key"]: r for r in rows}
    assert by_region["330482"]["trained"] == 3 and by_region["430121"]["trained"] == 1
    assert client.get("/api/v1/reports/breakdown/nonsense?year=2026",
                      headers=headers).status_code == 422
    courses = client.get("/api/v1/reports/breakdown/course?year=2026",
                         headers=headers).get_json()["items"]
    pinghu = next(r for r in courses if r["key"] == world["pinghu"].id)
    assert (pinghu["trained"], pinghu["certified"], pinghu["employed"]) == (3, 2, 1)


def test_csv_exports_parse_back_to_the_same_figures(client, officer, world):
    login(client, officer)
    api = summary(client, officer, year=2026).get_json()
    text = client.get("/reports/export/summary.csv?year=2026").get_data(as_text=True)
    rows = {r["figure"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    for figure in ("trained", "passed", "certified", "subsidised", "employed"):
        assert int(rows[figure]["actual"]) == api[figure]
    region = client.get("/reports/export/region.csv?year=2026").get_data(as_text=True)
    parsed = {r["key"]: int(r["trained"]) for r in csv.DictReader(
        io.StringIO(region.lstrip("\ufeff")))}
    assert parsed == {"330482": 3, "430121": 1}
    monthly = list(csv.DictReader(io.StringIO(client.get(
        "/reports/export/monthly.csv?year=2026").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(monthly) == 12 and sum(int(r["trained"]) for r in monthly) == api["trained"]


def test_reports_page_renders_for_officers_only(client, officer, world):
    login(client, officer)
    page = client.get("/reports?year=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="report-charts"' in html and "chart.umd.min.js" in html
    assert client.get("/reports?year=abc").status_code == 422
    other = make_user("trainee")
    client.post("/logout", data={})
    client2 = client.application.test_client()
    login(client2, other)
    assert client2.get("/reports").status_code == 403


def test_targets_api_and_page(client, officer):
    headers = api_headers(client, officer)
    body = {"year": 2026, "region_code": "330482", "trained": 100, "employed": 70}
    response = client.put("/api/v1/reports/targets", json=body, headers=headers)
    assert response.status_code == 200 and response.get_json()["trained"] == 100
    again = client.put("/api/v1/reports/targets", json={**body, "trained": 120},
                       headers=headers)
    assert again.get_json()["id"] == response.get_json()["id"]
    listed = client.get("/api/v1/reports/targets?year=2026", headers=headers).get_json()
    assert [t["trained"] for t in listed["items"]] == [120]
    bad = client.put("/api/v1/reports/targets", json={**body, "trained": -1}, headers=headers)
    assert bad.status_code == 422
    empty = client.put("/api/v1/reports/targets", json={"year": 2026, "region_code": "330482",
                                                       "occupation_code": ""},
                       headers=headers)
    assert empty.status_code == 422


def test_city_target_is_not_added_twice_to_its_province(app, officer):
    from core.extensions import db

    service.set_target(officer, 2026, "330000", {"trained": 1000})
    service.set_target(officer, 2026, "330482", {"trained": 300})
    service.set_target(officer, 2026, "330106", {"trained": 200})
    service.set_target(officer, 2026, "430121", {"trained": 50})
    db.session.commit()
    assert service.targets_for(2026, "330000")["trained"] == 1000
    assert service.targets_for(2026, "330400")["trained"] == 300
    assert service.targets_for(2026, None)["trained"] == 1050


def test_employment_rate_by_month_of_training(client, officer, world):
    rows = client.get("/api/v1/reports/employment-rate?year=2026",
                      headers=api_headers(client, officer)).get_json()["items"]
    by_month = {r["month"]: r for r in rows}
    # March: a (employed); May: b (job only reported) and c; June: d (employed).
    assert by_month["2026-03"]["employment_rate"] == 1.0
    assert (by_month["2026-05"]["trained"], by_month["2026-05"]["employed"]) == (2, 0)
    assert by_month["2026-06"]["employed"] == 1
    login(client, officer)
    text = client.get("/reports/export/employment.csv?year=2026").get_data(as_text=True)
    parsed = {r["month"]: int(r["employed"]) for r in csv.DictReader(
        io.StringIO(text.lstrip("\ufeff")))}
    assert parsed == {m: r["employed"] for m, r in by_month.items()}
