"""Subsidy API: the contract in API.md, bad input, and who may see what."""

import csv
import io

import pytest

from core.audit import AuditLog
from core.extensions import db
from subsidies.models import PaymentBatch, SubsidyClaim
from tests import factories
from tests.subsidies.conftest import claim_of, give_bank_account, issue


@pytest.fixture
def setup(policy, attendance, officer, officer2):
    alice = factories.make_user("trainee", name="张三", confirmed_groups=["rural_migrant"])
    bob = factories.make_user("trainee", name="李四", confirmed_groups=["laid_off"])
    give_bank_account(alice)
    give_bank_account(bob, "6205500000000000004", "中国工商银行")
    course = factories.make_course(required_hours=64)
    a = claim_of(issue(alice, course))
    b = claim_of(issue(bob, course))
    return {"alice": alice, "bob": bob, "a": a, "b": b, "officer": officer,
            "officer2": officer2}


def test_officer_lists_claims_by_status(client, setup):
    headers = factories.api_headers(client, setup["officer"])
    body = client.get("/api/v1/claims?status=pending", headers=headers).get_json()
    assert body["total"] == 2 and body["page"] == 1
    item = body["items"][0]
    assert set(item) >= {"id", "trainee", "certificate", "amount_fen", "status", "decision"}
    assert item["status"] == "pending" and item["amount_fen"] == 70000
    assert item["decision"]["eligible"] is True
    reason = item["decision"]["reasons"][0]
    assert set(reason) >= {"rule", "value", "limit", "passed", "message"}
    # Officers see the full ID number.
    assert len(item["trainee"]["id_number"]) == 18
    assert client.get("/api/v1/claims?status=paid", headers=headers).get_json()["total"] == 0
    bad = client.get("/api/v1/claims?status=bogus", headers=headers)
    assert bad.status_code == 422 and "status" in bad.get_json()["error"]["fields"]


def test_trainee_sees_only_own_claims(client, setup):
    headers = factories.api_headers(client, setup["alice"])
    body = client.get("/api/v1/me/claims", headers=headers).get_json()
    assert [c["id"] for c in body["items"]] == [setup["a"].id]
    assert body["items"][0]["trainee"]["id_number"] == setup["alice"].profile.id_number
    assert client.get(f"/api/v1/claims/{setup['b'].id}", headers=headers).status_code == 404
    assert client.get("/api/v1/claims", headers=headers).status_code == 403


def test_approve_and_reject(client, setup):
    headers = factories.api_headers(client, setup["officer"])
    ok = client.post(f"/api/v1/claims/{setup['a'].id}/decision", json={"approve": True},
                     headers=headers)
    assert ok.status_code == 200 and ok.get_json()["status"] == "approved"
    no_reason = client.post(f"/api/v1/claims/{setup['b'].id}/decision",
                            json={"approve": False, "reason": "  "}, headers=headers)
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    assert db.session.get(SubsidyClaim, setup["b"].id).status == "pending"
    rejected = client.post(f"/api/v1/claims/{setup['b'].id}/decision",
                           json={"approve": False, "reason": "证书信息不符"}, headers=headers)
    assert rejected.status_code == 200
    assert rejected.get_json()["review"]["reason"] == "证书信息不符"
    again = client.post(f"/api/v1/claims/{setup['b'].id}/decision", json={"approve": True},
                        headers=headers)
    assert again.status_code == 409
    mine = client.get("/api/v1/me/claims",
                      headers=factories.api_headers(client, setup["bob"])).get_json()
    assert mine["items"][0]["status"] == "rejected"
    assert mine["items"][0]["review"]["reason"] == "证书信息不符"
    actions = db.session.scalars(db.select(AuditLog.action).where(
        AuditLog.action.in_(["claim.approve", "claim.reject"]))).all()
    assert sorted(actions) == ["claim.approve", "claim.reject"]


@pytest.mark.parametrize("body", [{}, {"approve": "maybe"}, {"approve": True, "extra": 1},
                                  {"approve": False, "reason": "x" * 501}])
def test_bad_decision_bodies_are_422(client, setup, body):
    response = client.post(f"/api/v1/claims/{setup['a'].id}/decision", json=body,
                           headers=factories.api_headers(client, setup["officer"]))
    assert response.status_code == 422
    assert db.session.get(SubsidyClaim, setup["a"].id).status == "pending"


def test_unknown_claim_is_404(client, setup):
    response = client.post("/api/v1/claims/99999/decision", json={"approve": True},
                           headers=factories.api_headers(client, setup["officer"]))
    assert response.status_code == 404


def test_payment_batch_csv_and_paid(client, setup):
    headers = factories.api_headers(client, setup["officer"])
    assert client.post("/api/v1/payment-batches", json={}, headers=headers).status_code == 409
    for key in ("a", "b"):
        client.post(f"/api/v1/claims/{setup[key].id}/decision", json={"approve": True},
                    headers=headers)
    # four eyes: the approver does not batch; the second officer does, the first pays
    second = factories.api_headers(client, setup["officer2"])
    created = client.post("/api/v1/payment-batches", json={}, headers=second)
    assert created.status_code == 201
    batch = created.get_json()
    assert sorted(batch["claims"]) == sorted([setup["a"].id, setup["b"].id])
    assert batch["total_fen"] == 140000
    listed = client.get("/api/v1/claims?status=approved", headers=headers).get_json()
    assert {c["batch_id"] for c in listed["items"]} == {batch["id"]}
    assert client.post("/api/v1/payment-batches", json={}, headers=second).status_code == 409
    response = client.get(f"/api/v1/payment-batches/{batch['id']}.csv", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert {r["name"] for r in rows} == {"张三", "李四"}
    assert {r["id_number"] for r in rows} == {setup["alice"].profile.id_number,
                                              setup["bob"].profile.id_number}
    assert sum(int(r["amount_fen"]) for r in rows) == 140000
    paid = client.post(f"/api/v1/payment-batches/{batch['id']}/paid", headers=headers)
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    assert client.post(f"/api/v1/payment-batches/{batch['id']}/paid",
                       headers=headers).status_code == 409
    statuses = client.get("/api/v1/me/claims", headers=factories.api_headers(
        client, setup["alice"])).get_json()["items"]
    assert statuses[0]["status"] == "paid"
    decided = client.post(f"/api/v1/claims/{setup['a'].id}/decision",
                          json={"approve": False, "reason": "late"}, headers=headers)
    assert decided.status_code == 409


def test_batch_with_named_claims(client, setup):
    headers = factories.api_headers(client, setup["officer"])
    client.post(f"/api/v1/claims/{setup['a'].id}/decision", json={"approve": True},
                headers=headers)
    pending = client.post("/api/v1/payment-batches", json={"claim_ids": [setup["b"].id]},
                          headers=headers)
    assert pending.status_code == 409
    unknown = client.post("/api/v1/payment-batches", json={"claim_ids": [424242]},
                          headers=headers)
    assert unknown.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentBatch)) == 0
    ok = client.post("/api/v1/payment-batches", json={"claim_ids": [setup["a"].id]},
                     headers=factories.api_headers(client, setup["officer2"]))
    assert ok.status_code == 201 and ok.get_json()["claims"] == [setup["a"].id]
    twice = client.post("/api/v1/payment-batches", json={"claim_ids": [setup["a"].id]},
                        headers=factories.api_headers(client, setup["officer2"]))
    assert twice.status_code == 409


ENDPOINTS = [
    ("get", "/api/v1/claims", None),
    ("get", "/api/v1/me/claims", None),
    ("post", "/api/v1/claims/{a}/decision", {"approve": True}),
    ("post", "/api/v1/payment-batches", {}),
    ("post", "/api/v1/trainees/{alice}/key-groups/rural_migrant/confirm", {"confirmed": True}),
    ("get", "/api/v1/subsidy-policies", None),
]
EXPECTED = {  # role -> statuses per endpoint above (201/409 only matter as "allowed")
    "trainee": [403, 200, 403, 403, 403, 403],
    "instructor": [403, 403, 403, 403, 403, 403],
    "enterprise": [403, 403, 403, 403, 403, 403],
    "admin": [403, 403, 403, 403, 403, 403],
    # the officer approved claim a just before: four eyes refuses them batching it
    "officer": [200, 403, 200, 403, 200, 200],
    None: [401, 401, 401, 401, 401, 401],
}


@pytest.mark.parametrize("role", list(EXPECTED), ids=str)
def test_access_matrix(client, setup, role):
    headers = {}
    if role == "officer":
        headers = factories.api_headers(client, setup["officer"])
    elif role == "trainee":
        headers = factories.api_headers(client, setup["bob"])
    elif role:
        headers = factories.api_headers(client, factories.make_user(role))
    statuses = []
    for method, url, body in ENDPOINTS:
        url = url.format(a=setup["a"].id, alice=setup["alice"].id)
        response = getattr(client, method)(url, json=body, headers=headers) if body is not None \
            else getattr(client, method)(url, headers=headers)
        statuses.append(response.status_code)
    assert statuses == EXPECTED[role]


def test_openapi_lists_subsidy_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/claims", "/api/v1/me/claims", "/api/v1/payment-batches",
            "/api/v1/payment-batches/{batch_id}.csv"} <= set(paths)
