"""An integer in an API body is a whole number: marshmallow's Integer truncated a JSON number
(2.7 workers became 2, an exam id of -4.9e-160 became 0 and the request went through)."""

from datetime import timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.timeutil import local_today
from reports.models import DemandOrder, OrderDispatch
from tests.factories import api_headers, make_institution, make_occupation, make_user


def _order(**extra) -> dict:
    return {"occupation_code": "6-05-05-01", "level": 5, "workers": 2, "wage_fen": 550000,
            "region_code": "330482",
            "starts_on": (local_today() + timedelta(days=30)).isoformat(), **extra}


def test_a_number_with_a_fraction_is_refused_and_nothing_is_stored(client):
    make_occupation(code="6-05-05-01", name_zh="箱包制作工", name_en="Bag maker")
    headers = api_headers(client, make_user("enterprise", organisation="平湖箱包"))
    for workers in (2.7, -4.8754632726835274e-160, 1e-9):
        refused = client.post("/api/v1/orders", headers=headers, json=_order(workers=workers))
        assert refused.status_code == 422, workers
        assert "workers" in refused.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(DemandOrder)) == 0
    placed = client.post("/api/v1/orders", headers=headers, json=_order(workers=3.0))
    assert placed.status_code == 201 and placed.get_json()["workers"] == 3


def test_a_list_of_ids_with_a_fraction_is_refused(client):
    make_occupation(code="6-05-05-01", name_zh="箱包制作工", name_en="Bag maker")
    school = make_institution()
    placed = client.post("/api/v1/orders", json=_order(), headers=api_headers(
        client, make_user("enterprise", organisation="平湖箱包"))).get_json()
    officer = api_headers(client, make_user("officer"))
    refused = client.post(f"/api/v1/orders/{placed['id']}/dispatch", headers=officer,
                          json={"institution_ids": [school.id + 0.5]})
    assert refused.status_code == 422
    assert "institution_ids" in refused.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(OrderDispatch)) == 0


def test_the_fuzzers_exam_id_is_refused(client):
    response = client.post("/api/v1/certificates/render", headers=api_headers(
        client, make_user("officer")), json={"exam_id": -4.8754632726835274e-160})
    assert response.status_code == 422
    assert "exam_id" in response.get_json()["error"]["fields"]


def test_each_schema_instance_checks_a_number_once():
    """marshmallow shares a declared field's validators list between instances: the range
    check was appended again with each one, and its message repeated as often."""
    import pytest
    from marshmallow import ValidationError, fields

    from core.api import StrictSchema

    class Numbers(StrictSchema):
        n = fields.Integer()
        on = fields.Date()

    for _ in range(3):
        schema = Numbers()
    with pytest.raises(ValidationError) as refused:
        schema.load({"n": 2**40, "on": "0001-01-01"})
    assert len(refused.value.messages["n"]) == 1
    assert len(refused.value.messages["on"]) == 1
