"""Region-limited officers and four eyes on money, through the API and the pages."""

import csv
import io

import pytest

from accounts import scope
from core.audit import AuditLog
from core.extensions import db
from subsidies.models import BankAccount, PaymentBatch, SubsidyClaim
from tests import factories
from tests.subsidies.conftest import CARDS, claim_of, give_bank_account, issue

JIAXING, CHANGSHA_COUNTY = "330400", "430121"


@pytest.fixture
def world(policy, attendance, officer, officer2):
    """Two trainees in two provinces, each with a pending claim; a Jiaxing-only officer, a
    second (unlimited) officer and the first (unlimited) one."""
    here = factories.make_user("trainee", name="嘉兴人", region_code="330482",
                               confirmed_groups=["veteran"])
    there = factories.make_user("trainee", name="长沙人", region_code=CHANGSHA_COUNTY,
                                confirmed_groups=["veteran"])
    give_bank_account(here, CARDS[0])
    give_bank_account(there, CARDS[1])
    local = factories.make_user("officer", name="嘉兴专员")
    scope.set_regions(None, local, [JIAXING])
    db.session.commit()
    course = factories.make_course()
    return {"here": here, "there": there, "local": local, "officer": officer,
            "officer2": officer2, "a": claim_of(issue(here, course)),
            "b": claim_of(issue(there, course))}


def _audits(action: str) -> list[AuditLog]:
    db.session.expire_all()
    return db.session.scalars(db.select(AuditLog).where(AuditLog.action == action)).all()


def _approve(client, headers, claim_id):
    response = client.post(f"/api/v1/claims/{claim_id}/decision", json={"approve": True},
                           headers=headers)
    assert response.status_code == 200, response.get_json()


def test_region_limited_officer_api_matrix(client, world):
    """In region → allowed, out of region → 403 region_forbidden, lists filtered."""
    local = factories.api_headers(client, world["local"])
    a, b = world["a"].id, world["b"].id
    listed = client.get("/api/v1/claims", headers=local).get_json()
    assert [c["id"] for c in listed["items"]] == [a] and listed["total"] == 1
    assert client.get(f"/api/v1/claims/{a}", headers=local).status_code == 200
    for method, url, body in (
            ("get", f"/api/v1/claims/{b}", None),
            ("post", f"/api/v1/claims/{b}/decision", {"approve": True}),
            ("post", "/api/v1/claims/bulk-approve", {"claim_ids": [a, b]}),
            ("post", f"/api/v1/trainees/{world['there'].id}/key-groups/veteran/confirm",
             {"confirmed": False}),
            ("post", "/api/v1/payment-batches", {"claim_ids": [b]})):
        response = getattr(client, method)(url, json=body, headers=local)
        assert response.status_code == 403, (url, response.get_json())
        assert response.get_json()["error"]["code"] == "region_forbidden", url
    # nothing changed: the bulk approval of a and b is all or nothing
    db.session.expire_all()
    assert db.session.get(SubsidyClaim, a).status == "pending"
    assert db.session.get(SubsidyClaim, b).status == "pending"
    confirm = client.post(f"/api/v1/trainees/{world['here'].id}/key-groups/veteran/confirm",
                          json={"confirmed": True}, headers=local)
    assert confirm.status_code == 200
    _approve(client, local, a)
    # the unlimited officers see both regions
    everyone = factories.api_headers(client, world["officer2"])
    assert client.get("/api/v1/claims", headers=everyone).get_json()["total"] == 2


def test_region_limited_officer_batches_only_their_region(client, world):
    local = factories.api_headers(client, world["local"])
    first = factories.api_headers(client, world["officer"])
    _approve(client, first, world["a"].id)
    _approve(client, first, world["b"].id)
    made = client.post("/api/v1/payment-batches", json={}, headers=local)
    assert made.status_code == 201
    assert made.get_json()["claims"] == [world["a"].id]  # b is in Changsha: not theirs
    other = client.post("/api/v1/payment-batches", json={},
                        headers=factories.api_headers(client, world["officer2"]))
    assert other.status_code == 201 and other.get_json()["claims"] == [world["b"].id]
    mine, theirs = made.get_json()["id"], other.get_json()["id"]
    listed = client.get("/api/v1/payment-batches", headers=local).get_json()
    assert [x["id"] for x in listed["items"]] == [mine]
    for url in (f"/api/v1/payment-batches/{theirs}", f"/api/v1/payment-batches/{theirs}.csv",
                f"/api/v1/payment-batches/{theirs}/payroll.csv"):
        response = client.get(url, headers=local)
        assert response.status_code == 403 and \
            response.get_json()["error"]["code"] == "region_forbidden", url
    paid = client.post(f"/api/v1/payment-batches/{theirs}/paid", headers=local)
    assert paid.status_code == 403 and paid.get_json()["error"]["code"] == "region_forbidden"
    assert db.session.get(PaymentBatch, theirs).status == "open"
    assert client.get(f"/api/v1/payment-batches/{mine}.csv", headers=local).status_code == 200


def test_four_eyes_api(client, world):
    first = factories.api_headers(client, world["officer"])
    second = factories.api_headers(client, world["officer2"])
    a = world["a"].id
    _approve(client, first, a)
    for body in ({}, {"claim_ids": [a]}):
        refused = client.post("/api/v1/payment-batches", json=body, headers=first)
        assert refused.status_code == 403, refused.get_json()
        assert refused.get_json()["error"]["code"] == "separation_of_duties"
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentBatch)) == 0
    assert db.session.get(SubsidyClaim, a).status == "approved"
    refusals = _audits("payment_batch.create_refused")
    assert len(refusals) == 2 and refusals[0].actor_id == world["officer"].id
    made = client.post("/api/v1/payment-batches", json={"claim_ids": [a]}, headers=second)
    assert made.status_code == 201
    batch_id = made.get_json()["id"]
    own = client.post(f"/api/v1/payment-batches/{batch_id}/paid", headers=second)
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "separation_of_duties"
    db.session.expire_all()
    assert db.session.get(PaymentBatch, batch_id).status == "open"
    assert len(_audits("payment_batch.paid_refused")) == 1
    paid = client.post(f"/api/v1/payment-batches/{batch_id}/paid", headers=first)
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    db.session.expire_all()
    claim = db.session.get(SubsidyClaim, a)
    assert (claim.decided_by_id, claim.batched_by_id, claim.paid_by_id) == (
        world["officer"].id, world["officer2"].id, world["officer"].id)
    batch = db.session.get(PaymentBatch, batch_id)
    assert (batch.created_by_id, batch.paid_by_id) == (world["officer2"].id,
                                                       world["officer"].id)


def test_batch_all_leaves_own_approvals_for_another_officer(client, world):
    first = factories.api_headers(client, world["officer"])
    second = factories.api_headers(client, world["officer2"])
    _approve(client, first, world["a"].id)
    _approve(client, second, world["b"].id)
    made = client.post("/api/v1/payment-batches", json={}, headers=first)
    assert made.status_code == 201 and made.get_json()["claims"] == [world["b"].id]
    assert db.session.get(SubsidyClaim, world["a"].id).batch_id is None


def test_admin_may_mark_a_batch_paid(client, world):
    first = factories.api_headers(client, world["officer"])
    _approve(client, first, world["a"].id)
    made = client.post("/api/v1/payment-batches", json={},
                       headers=factories.api_headers(client, world["officer2"]))
    admin = factories.api_headers(client, factories.make_user("admin"))
    paid = client.post(f"/api/v1/payment-batches/{made.get_json()['id']}/paid", headers=admin)
    assert paid.status_code == 200


def test_four_eyes_can_be_switched_off_by_policy(client, world):
    from subsidies.models import SubsidyPolicy

    policy = db.session.scalar(db.select(SubsidyPolicy))
    policy.settings = {**policy.settings, "four_eyes": False}
    db.session.commit()
    first = factories.api_headers(client, world["officer"])
    _approve(client, first, world["a"].id)
    made = client.post("/api/v1/payment-batches", json={}, headers=first)
    assert made.status_code == 201
    paid = client.post(f"/api/v1/payment-batches/{made.get_json()['id']}/paid", headers=first)
    assert paid.status_code == 200


def test_no_bank_account_no_batch(client, world):
    first = factories.api_headers(client, world["officer"])
    second = factories.api_headers(client, world["officer2"])
    db.session.delete(db.session.get(BankAccount, world["here"].id))
    db.session.commit()
    _approve(client, first, world["a"].id)
    named = client.post("/api/v1/payment-batches", json={"claim_ids": [world["a"].id]},
                        headers=second)
    assert named.status_code == 409
    error = named.get_json()["error"]
    assert error["code"] == "no_bank_account" and error["claim_ids"] == [world["a"].id]
    assert "bank account" in error["message"] or "银行账户" in error["message"]
    assert client.post("/api/v1/payment-batches", json={}, headers=second).status_code == 409
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentBatch)) == 0


def test_batch_csv_and_payroll_rows(client, world):
    first = factories.api_headers(client, world["officer"])
    second = factories.api_headers(client, world["officer2"])
    _approve(client, first, world["a"].id)
    _approve(client, first, world["b"].id)
    batch_id = client.post("/api/v1/payment-batches", json={}, headers=second).get_json()["id"]
    # a later change of account does not redirect the batch
    factories_trainee = world["here"]
    client.put("/api/v1/me/bank-account", json={"bank_name": "别的银行",
                                                 "account_number": CARDS[2]},
               headers=factories.api_headers(client, factories_trainee))
    body = client.get(f"/api/v1/payment-batches/{batch_id}.csv", headers=first)
    assert body.status_code == 200 and body.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(body.get_data().decode("utf-8-sig"))))
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == {"嘉兴人", "长沙人"}
    here = by_name["嘉兴人"]
    assert here["id_number"] == world["here"].profile.id_number
    assert (here["bank_name"], here["account_number"]) == ("中国农业银行", CARDS[0])
    assert here["amount_yuan"] == "700.00" and here["amount_fen"] == "70000"
    assert here["claim_id"] == str(world["a"].id)
    assert here["certificate_serial"] == world["a"].certificate.serial
    assert here["region"] == "浙江省 嘉兴市 平湖市"
    assert by_name["长沙人"]["account_number"] == CARDS[1]
    payroll = client.get(f"/api/v1/payment-batches/{batch_id}/payroll.csv", headers=first)
    assert payroll.status_code == 200 and "gb18030" in payroll.headers["Content-Type"]
    table = list(csv.reader(io.StringIO(payroll.get_data().decode("gb18030"))))
    assert table[0] == ["序号", "收款人账号", "收款人户名", "金额", "收款银行", "证件类型",
                        "证件号码", "用途", "备注"]
    assert [r[0] for r in table[1:]] == ["1", "2"]
    first_row = next(r for r in table[1:] if r[2] == "嘉兴人")
    assert first_row[1] == CARDS[0] and first_row[3] == "700.00"
    assert first_row[6] == world["here"].profile.id_number
    assert world["a"].certificate.serial in first_row[8]


def test_csv_cells_cannot_carry_formulas(client, world):
    first = factories.api_headers(client, world["officer"])
    world["here"].name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    _approve(client, first, world["a"].id)
    batch_id = client.post("/api/v1/payment-batches", json={"claim_ids": [world["a"].id]},
                           headers=factories.api_headers(client, world["officer2"])
                           ).get_json()["id"]
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/api/v1/payment-batches/{batch_id}.csv", headers=first).get_data().decode(
        "utf-8-sig"))))
    assert rows[0]["name"].startswith("'=")
    payroll = client.get(f"/api/v1/payment-batches/{batch_id}/payroll.csv", headers=first)
    assert "'=HYPERLINK" in payroll.get_data().decode("gb18030")


def test_region_limited_officer_pages(app, world):
    client = app.test_client()
    factories.login(client, world["local"])
    queue = client.get("/subsidies/?status=").get_data(as_text=True)
    assert "嘉兴人" in queue and "长沙人" not in queue
    assert "浙江省 嘉兴市" in queue  # region names, not codes
    assert client.get(f"/subsidies/claims/{world['a'].id}").status_code == 200
    assert client.get(f"/subsidies/claims/{world['b'].id}").status_code == 403
    token = factories.csrf_token(client, "/subsidies/")
    assert client.post(f"/subsidies/claims/{world['b'].id}/approve",
                       data={"csrf_token": token}).status_code == 403
    assert client.post("/subsidies/bulk-approve", data={
        "csrf_token": token, "claim_ids": [str(world["a"].id), str(world["b"].id)]}
    ).status_code == 403
    assert client.post(f"/subsidies/trainees/{world['there'].id}/key-groups/veteran",
                       data={"csrf_token": token, "confirmed": "0"}).status_code == 403
    db.session.expire_all()
    assert {db.session.get(SubsidyClaim, world[k].id).status for k in "ab"} == {"pending"}


def test_four_eyes_pages_including_bulk(app, world):
    first = app.test_client()
    factories.login(first, world["officer"])
    token = factories.csrf_token(first, "/subsidies/")
    bulk = first.post("/subsidies/bulk-approve", data={
        "csrf_token": token, "claim_ids": [str(world["a"].id), str(world["b"].id)]})
    assert bulk.status_code == 302
    page = first.get("/subsidies/batches").get_data(as_text=True)
    assert 'id="waiting-own"' in page
    refused = first.post("/subsidies/batches", data={"csrf_token": token},
                         follow_redirects=True)
    assert "four eyes" in refused.get_data(as_text=True) or \
        "四眼" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentBatch)) == 0
    assert len(_audits("payment_batch.create_refused")) == 1
    second = app.test_client()
    factories.login(second, world["officer2"])
    token2 = factories.csrf_token(second, "/subsidies/batches")
    made = second.post("/subsidies/batches", data={"csrf_token": token2})
    assert made.status_code == 302
    batch_url = made.headers["Location"]
    html = second.get(batch_url).get_data(as_text=True)
    assert CARDS[0] in html and "浙江省 嘉兴市 平湖市" in html
    second.post(batch_url + "/paid", data={"csrf_token": token2})
    batch = db.session.scalar(db.select(PaymentBatch))
    db.session.refresh(batch)
    assert batch.status == "open" and len(_audits("payment_batch.paid_refused")) == 1
    first.post(batch_url + "/paid", data={"csrf_token": token})
    db.session.refresh(batch)
    assert batch.status == "paid"
