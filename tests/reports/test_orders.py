"""Enterprise demand orders: place, dispatch, accept with a course, offers, hires, access."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.timeutil import local_today, now_utc
from reports.models import DemandOrder, EmploymentRecord
from tests.factories import (
    api_headers,
    csrf_token,
    enrol,
    login,
    make_course,
    make_institution,
    make_occupation,
    make_user,
)
from tests.reports.helpers import certify


@pytest.fixture
def setup():
    occupation = make_occupation(code="6-05-05-01", name_zh="箱包制作工", name_en="Bag maker")
    institution = make_institution(region_code="330482")
    teacher = make_user("instructor", institution_id=institution.id)
    course = make_course(teacher, occupation=occupation, level=5, institution_id=institution.id)
    return {"occupation": occupation, "institution": institution, "teacher": teacher,
            "course": course, "enterprise": make_user("enterprise", organisation="平湖箱包"),
            "officer": make_user("officer")}


def order_body(**extra):
    return {"occupation_code": "6-05-05-01", "level": 5, "workers": 2, "region_code": "330482",
            "wage_fen": 550000, "starts_on": (local_today() + timedelta(days=30)).isoformat(),
            **extra}


def test_order_from_placement_to_hires(client, setup):
    ent, officer, teacher = setup["enterprise"], setup["officer"], setup["teacher"]
    placed = client.post("/api/v1/orders", json=order_body(), headers=api_headers(client, ent))
    assert placed.status_code == 201
    order_id = placed.get_json()["id"]
    assert placed.get_json()["pipeline"] == {"ordered": 2, "enrolled": 0, "certified": 0,
                                             "hired": 0}
    sent = client.post(f"/api/v1/orders/{order_id}/dispatch",
                       json={"institution_ids": [setup["institution"].id]},
                       headers=api_headers(client, officer))
    assert sent.status_code == 200 and sent.get_json()["status"] == "dispatched"
    dispatch_id = sent.get_json()["dispatches"][0]["id"]
    # An instructor of another institution cannot answer; a wrong course is 422.
    outsider = make_user("instructor", institution_id=make_institution().id)
    url = f"/api/v1/orders/{order_id}/dispatches/{dispatch_id}/accept"
    assert client.post(url, json={"course_id": setup["course"].id},
                       headers=api_headers(client, outsider)).status_code == 403
    other = make_course(teacher, level=5, institution_id=setup["institution"].id)
    teacher_headers = api_headers(client, teacher)
    assert client.post(url, json={"course_id": other.id},
                       headers=teacher_headers).status_code == 422
    accepted = client.post(url, json={"course_id": setup["course"].id}, headers=teacher_headers)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "in_training"
    assert client.post(url, json={"course_id": setup["course"].id},
                       headers=teacher_headers).status_code == 409
    # Trainees of the course see the offer; others do not.
    a, b, c = (make_user("trainee") for _ in range(3))
    for t in (a, b, c):
        enrol(t, setup["course"])
    offers = client.get("/api/v1/me/offers", headers=api_headers(client, a)).get_json()
    assert [o["order_id"] for o in offers["items"]] == [order_id]
    assert offers["items"][0]["employer"] == "平湖箱包"
    stranger = make_user("trainee")
    assert client.get("/api/v1/me/offers",
                      headers=api_headers(client, stranger)).get_json()["items"] == []
    # Hires only from certified trainees, one per trainee, up to the workers ordered.
    certify(a, setup["course"], now_utc())
    certify(b, setup["course"], now_utc())
    certify(c, setup["course"], now_utc())
    ent_headers = api_headers(client, ent)
    hires = f"/api/v1/orders/{order_id}/hires"
    uncertified = client.post(hires, json={"trainee_id": stranger.id}, headers=ent_headers)
    assert uncertified.status_code == 409
    assert uncertified.get_json()["error"]["code"] == "not_certified"
    first = client.post(hires, json={"trainee_id": a.id}, headers=ent_headers)
    assert first.status_code == 201 and first.get_json()["status"] == "confirmed"
    again = client.post(hires, json={"trainee_id": a.id}, headers=ent_headers)
    assert again.status_code == 409
    assert client.post(hires, json={"trainee_id": b.id}, headers=ent_headers).status_code == 201
    full = client.post(hires, json={"trainee_id": c.id}, headers=ent_headers)
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "order_full"
    detail = client.get(f"/api/v1/orders/{order_id}", headers=ent_headers).get_json()
    assert detail["pipeline"] == {"ordered": 2, "enrolled": 3, "certified": 3, "hired": 2}
    assert detail["status"] == "fulfilled"
    summary = client.get("/api/v1/reports/summary", headers=api_headers(client, officer))
    assert summary.get_json()["employed"] == 2


def test_bad_orders_are_422_and_change_nothing(client, setup):
    headers = api_headers(client, setup["enterprise"])
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    for body in (order_body(workers=0), order_body(level=9), order_body(occupation_code="1-1"),
                 order_body(occupation_code="9-99-99-99"), order_body(wage_fen=-1),
                 order_body(starts_on=yesterday), order_body(region_code="33"),
                 order_body(colour="red")):
        response = client.post("/api/v1/orders", json=body, headers=headers)
        assert response.status_code == 422, body
    assert db.session.scalar(select(func.count(DemandOrder.id))) == 0


@pytest.mark.parametrize("role,status", [("trainee", 403), ("instructor", 403),
                                         ("officer", 403), ("enterprise", 201)])
def test_only_enterprises_place_orders(client, setup, role, status):
    response = client.post("/api/v1/orders", json=order_body(),
                           headers=api_headers(client, make_user(role)))
    assert response.status_code == status


def test_enterprises_see_only_their_orders(client, setup):
    mine = client.post("/api/v1/orders", json=order_body(),
                       headers=api_headers(client, setup["enterprise"])).get_json()["id"]
    rival = make_user("enterprise")
    rival_headers = api_headers(client, rival)
    assert client.get(f"/api/v1/orders/{mine}", headers=rival_headers).status_code == 403
    assert client.get("/api/v1/orders", headers=rival_headers).get_json()["total"] == 0
    assert client.post(f"/api/v1/orders/{mine}/hires", json={"trainee_id": 1},
                       headers=rival_headers).status_code == 403
    assert client.post(f"/api/v1/orders/{mine}/cancel",
                       headers=rival_headers).status_code == 403
    assert client.get("/api/v1/orders/999", headers=rival_headers).status_code == 404
    # Instructors only see orders sent to their institution.
    assert client.get(f"/api/v1/orders/{mine}",
                      headers=api_headers(client, setup["teacher"])).status_code == 403


def test_order_pages(client, setup):
    ent = setup["enterprise"]
    login(client, ent)
    token = csrf_token(client, "/orders")
    response = client.post("/orders", data={
        "csrf_token": token, "occupation_code": "6-05-05-01", "level": "5", "workers": "3",
        "region_code": "330482", "wage": "5500", "note": "包食宿",
        "starts_on": (local_today() + timedelta(days=10)).isoformat()})
    assert response.status_code == 302
    order = db.session.scalar(select(DemandOrder))
    assert (order.workers, order.wage_fen) == (3, 550000)
    assert "包食宿" in client.get(f"/orders/{order.id}").get_data(as_text=True)
    officer_client = client.application.test_client()
    login(officer_client, setup["officer"])
    token = csrf_token(officer_client, f"/orders/{order.id}")
    sent = officer_client.post(f"/orders/{order.id}/dispatch", data={
        "csrf_token": token, "institution_ids": [str(setup["institution"].id)]})
    assert sent.status_code == 302
    db.session.refresh(order)
    assert order.status == "dispatched" and len(order.dispatches) == 1
    trainee_client = client.application.test_client()
    login(trainee_client, make_user("trainee"))
    assert trainee_client.get("/orders").status_code == 403


def test_employment_records_unique_per_order_and_trainee(setup):
    from sqlalchemy.exc import IntegrityError

    from reports import orders

    order = orders.place_order(setup["enterprise"], orders.OrderData(
        occupation_code="6-05-05-01", level=5, workers=5, region_code="330482",
        wage_fen=1, starts_on=local_today()))
    trainee = make_user("trainee")
    for _ in range(2):
        db.session.add(EmploymentRecord(trainee_id=trainee.id, employer="x", order_id=order.id,
                                        started_on=local_today(), monthly_wage_fen=1,
                                        status="confirmed"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_institution_accepts_and_enterprise_hires_through_pages(client, setup):
    from reports import orders

    order = orders.place_order(setup["enterprise"], orders.OrderData(
        occupation_code="6-05-05-01", level=5, workers=2, region_code="330482",
        wage_fen=500000, starts_on=local_today() + timedelta(days=5)))
    orders.dispatch(setup["officer"], order, [setup["institution"].id])
    db.session.commit()
    teacher = client.application.test_client()
    login(teacher, setup["teacher"])
    page = teacher.get(f"/orders/{order.id}").get_data(as_text=True)
    assert setup["course"].title in page
    token = csrf_token(teacher, f"/orders/{order.id}")
    dispatch_id = order.dispatches[0].id
    accepted = teacher.post(f"/orders/{order.id}/dispatches/{dispatch_id}/accept",
                            data={"csrf_token": token, "course_id": str(setup["course"].id)})
    assert accepted.status_code == 302
    db.session.refresh(order)
    assert order.status == "in_training"
    trainee = make_user("trainee")
    enrol(trainee, setup["course"])
    certify(trainee, setup["course"], now_utc())
    trainee_client = client.application.test_client()
    login(trainee_client, trainee)
    assert "平湖箱包" in trainee_client.get("/employment").get_data(as_text=True)
    login(client, setup["enterprise"])
    detail = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert trainee.name in detail and trainee.phone not in detail   # phone masked
    token = csrf_token(client, f"/orders/{order.id}")
    hired = client.post(f"/orders/{order.id}/hires",
                        data={"csrf_token": token, "trainee_id": str(trainee.id)})
    assert hired.status_code == 302
    assert db.session.scalar(select(func.count(EmploymentRecord.id)).where(
        EmploymentRecord.order_id == order.id)) == 1
