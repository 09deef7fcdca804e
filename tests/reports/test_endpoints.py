"""Report endpoints not reached by the flow tests: the monthly figures, rejecting a reported
job (API and page), deleting a target, an order's candidates, an institution declining a
dispatch and an enterprise cancelling its order through the page."""

from sqlalchemy import select

from core.audit import AuditLog
from core.extensions import db
from core.timeutil import now_utc
from reports import orders, service
from reports.models import DemandOrder, EmploymentRecord, Target
from tests.factories import api_headers, csrf_token, enrol, login, make_user
from tests.reports.helpers import certify, job
from tests.reports.test_orders import order_body, setup  # noqa: F401 - the fixture
from tests.reports.test_summary import world  # noqa: F401 - the fixture


def test_monthly_counts_each_person_in_their_first_month(client, officer, world):  # noqa: F811
    rows = client.get("/api/v1/reports/monthly?year=2026&region=330482",
                      headers=api_headers(client, officer)).get_json()["items"]
    assert [r["month"] for r in rows] == [f"2026-{m:02d}" for m in range(1, 13)]
    by_month = {r["month"]: r for r in rows}
    # a enrols in March (and again in April: not new), b and c in May; the withdrawn one not.
    assert [by_month[f"2026-{m:02d}"]["trained"] for m in range(1, 13)] == [
        0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0]
    assert (by_month["2026-06"]["certified"], by_month["2026-07"]["certified"]) == (1, 1)
    assert sum(r["employed"] for r in rows) == 1 and by_month["2026-08"]["employed"] == 1


def test_officer_rejects_a_reported_job_by_api_and_page(client, officer, trainee):
    first, second = job(trainee, status="reported"), job(trainee, status="reported",
                                                          employer="另一家公司")
    response = client.post(f"/api/v1/employment/{first.id}/reject",
                           headers=api_headers(client, officer))
    assert response.status_code == 200 and response.get_json()["status"] == "rejected"
    assert db.session.get(EmploymentRecord, first.id).status == "rejected"
    login(client, officer)
    token = csrf_token(client, "/employment/review")
    page = client.post(f"/employment/{second.id}/reject", data={"csrf_token": token})
    assert page.status_code == 302
    db.session.expire_all()
    assert db.session.get(EmploymentRecord, second.id).status == "rejected"
    assert db.session.scalars(select(AuditLog.action).where(
        AuditLog.target_type == "EmploymentRecord")).all() == ["employment.rejected"] * 2
    summary = client.get("/api/v1/reports/summary?year=2026",
                         headers=api_headers(client, officer)).get_json()
    assert summary["employed"] == 0


def test_officer_deletes_a_target_on_the_targets_page(client, officer):
    target = service.set_target(officer, 2026, "330482", {"trained": 100})
    db.session.commit()
    target_id = target.id
    login(client, officer)
    token = csrf_token(client, "/reports/targets?year=2026")
    response = client.post(f"/reports/targets/{target_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and "year=2026" in response.headers["Location"]
    assert db.session.get(Target, target_id) is None
    assert db.session.scalar(select(AuditLog.action).where(
        AuditLog.action == "target.deleted")) == "target.deleted"
    assert client.post("/reports/targets/999/delete",
                       data={"csrf_token": token}).status_code == 404


def test_candidates_are_the_certified_trainees_of_the_orders_courses(client, setup):  # noqa: F811
    order = orders.place_order(setup["enterprise"], orders.OrderData(**{
        **order_body(), "starts_on": now_utc().date()}))
    orders.dispatch(setup["officer"], order, [setup["institution"].id])
    orders.accept(setup["teacher"], order.dispatches[0], setup["course"].id)
    db.session.commit()
    certified, pending = make_user("trainee", name="张丽"), make_user("trainee")
    for t in (certified, pending):
        enrol(t, setup["course"])
    cert = certify(certified, setup["course"], now_utc())
    items = client.get(f"/api/v1/orders/{order.id}/candidates",
                       headers=api_headers(client, setup["enterprise"])).get_json()["items"]
    assert [(c["trainee_id"], c["name"], c["serial"], c["hired"]) for c in items] == [
        (certified.id, "张丽", cert.serial, False)]
    assert "*" in items[0]["phone_masked"]
    assert client.get(f"/api/v1/orders/{order.id}/candidates", headers=api_headers(
        client, make_user("enterprise"))).status_code == 403


def test_institution_declines_and_enterprise_cancels(client, setup):  # noqa: F811
    order = orders.place_order(setup["enterprise"], orders.OrderData(**{
        **order_body(), "starts_on": now_utc().date()}))
    orders.dispatch(setup["officer"], order, [setup["institution"].id])
    db.session.commit()
    dispatch_id = order.dispatches[0].id
    url = f"/api/v1/orders/{order.id}/dispatches/{dispatch_id}/decline"
    declined = client.post(url, headers=api_headers(client, setup["teacher"]))
    assert declined.status_code == 200
    assert [d["status"] for d in declined.get_json()["dispatches"]] == ["declined"]
    again = client.post(url, headers=api_headers(client, setup["teacher"]))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_answered"
    login(client, setup["enterprise"])
    token = csrf_token(client, f"/orders/{order.id}")
    assert client.post(f"/orders/{order.id}/cancel",
                       data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(DemandOrder, order.id).status == "cancelled"
    assert set(db.session.scalars(select(AuditLog.action).where(
        AuditLog.action.in_(("order.declined", "order.cancelled"))))) == {
        "order.declined", "order.cancelled"}


