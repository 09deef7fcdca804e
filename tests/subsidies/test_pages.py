"""Officer workspace and My subsidies pages."""

import csv
import hashlib
import io

import pytest
from sqlalchemy import func, select

from core.extensions import db
from subsidies import evidence
from subsidies.models import KeyGroupEvidence, SubsidyClaim, SubsidyPolicy
from tests import factories
from tests.subsidies.conftest import claim_of, give_bank_account, issue, make_due


@pytest.fixture
def claims(policy, attendance):
    alice = factories.make_user("trainee", name="王小红", confirmed_groups=["veteran"])
    bob = factories.make_user("trainee", name="刘大壮", key_groups=["laid_off"])
    course = factories.make_course()
    return {"alice": alice, "bob": bob, "ok": claim_of(issue(alice, course)),
            "ineligible": claim_of(issue(bob, course))}


def officer_client(app, officer):
    client = app.test_client()
    factories.login(client, officer)
    return client


def test_queue_shows_pending_with_unmasked_id_and_filters(app, officer, claims):
    client = officer_client(app, officer)
    html = client.get("/subsidies/").get_data(as_text=True)
    assert "王小红" in html and claims["alice"].profile.id_number in html
    assert "刘大壮" not in html  # ineligible claims are not in the pending queue
    rejected = client.get("/subsidies/?status=rejected").get_data(as_text=True)
    assert "刘大壮" in rejected
    assert "王小红" not in client.get("/subsidies/?status=pending&overdue=y").get_data(
        as_text=True)
    make_due(claims["ok"])
    assert "王小红" in client.get("/subsidies/?status=pending&overdue=y").get_data(as_text=True)
    assert "王小红" not in client.get("/subsidies/?region=43").get_data(as_text=True)


def test_claim_page_reject_needs_reason_then_approve_flow(app, officer, claims):
    client = officer_client(app, officer)
    claim_id = claims["ok"].id
    page = client.get(f"/subsidies/claims/{claim_id}").get_data(as_text=True)
    assert claims["ok"].certificate.serial in page
    token = factories.csrf_token(client, f"/subsidies/claims/{claim_id}")
    empty = client.post(f"/subsidies/claims/{claim_id}/reject",
                        data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 422
    assert db.session.get(SubsidyClaim, claim_id).status == "pending"
    ok = client.post(f"/subsidies/claims/{claim_id}/approve", data={"csrf_token": token})
    assert ok.status_code == 302
    assert db.session.get(SubsidyClaim, claim_id).status == "approved"


def test_bulk_approve_and_batch_pages(app, officer, officer2, claims, attendance):
    extra = factories.make_user("trainee", confirmed_groups=["veteran"])
    give_bank_account(extra)
    give_bank_account(claims["alice"], "6250941006528599")
    second = claim_of(issue(extra, factories.make_course()))
    client = officer_client(app, officer)
    token = factories.csrf_token(client, "/subsidies/")
    response = client.post("/subsidies/bulk-approve", data={
        "csrf_token": token, "claim_ids": [str(claims["ok"].id), str(second.id)]})
    assert response.status_code == 302
    assert {db.session.get(SubsidyClaim, i).status for i in (claims["ok"].id, second.id)} == {
        "approved"}
    # four eyes: the second officer batches what the first approved
    second_client = officer_client(app, officer2)
    token2 = factories.csrf_token(second_client, "/subsidies/batches")
    created = second_client.post("/subsidies/batches", data={"csrf_token": token2})
    assert created.status_code == 302
    batch_url = created.headers["Location"]
    token = factories.csrf_token(client, "/subsidies/batches")
    html = client.get(batch_url).get_data(as_text=True)
    assert "¥1,400.00" in html
    download = client.get(batch_url + ".csv")
    rows = list(csv.DictReader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert len(rows) == 2
    paid = client.post(batch_url + "/paid", data={"csrf_token": token})
    assert paid.status_code == 302
    assert db.session.get(SubsidyClaim, second.id).status == "paid"


def test_my_subsidies_shows_reasons_and_history(app, claims):
    client = app.test_client()
    factories.login(client, claims["bob"])
    html = client.get("/my/subsidies").get_data(as_text=True)
    assert "尚无经工作人员确认的重点群体身份" in html or \
        "No key group has been confirmed by an officer yet." in html
    assert "王小红" not in html


def test_trainee_uploads_evidence_on_the_page(app, claims):
    client = app.test_client()
    factories.login(client, claims["bob"])
    token = factories.csrf_token(client, "/my/subsidies")
    bad = client.post("/my/subsidies", data={
        "csrf_token": token, "group": "laid_off",
        "file": (io.BytesIO(b"plain text"), "a.txt")}, content_type="multipart/form-data")
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count(KeyGroupEvidence.id))) == 0  # nothing stored
    good = client.post("/my/subsidies", data={
        "csrf_token": token, "group": "laid_off",
        "file": (io.BytesIO(b"%PDF-1.4 proof"), "a.pdf")}, content_type="multipart/form-data")
    assert good.status_code == 302
    # the row and the file are stored, the file byte for byte, under the trainee's declaration
    row = db.session.scalar(select(KeyGroupEvidence))
    assert row.user_id == claims["bob"].id and row.declaration.group == "laid_off"
    assert row.content_type == "application/pdf" and row.size_bytes == len(b"%PDF-1.4 proof")
    assert row.sha256 == hashlib.sha256(b"%PDF-1.4 proof").hexdigest()
    assert (evidence.evidence_dir() / row.stored_name).read_bytes() == b"%PDF-1.4 proof"
    # and the trainee's page lists it
    assert "a.pdf" in client.get("/my/subsidies").get_data(as_text=True)


def test_policy_page_saves_a_new_version_and_rejects_bad_json(app, officer, policy):
    client = officer_client(app, officer)
    token = factories.csrf_token(client, "/subsidies/policies")
    bad = client.post("/subsidies/policies", data={
        "csrf_token": token, "name": "浙江", "province": "330000",
        "effective_from": "2026-01-01", "settings": "{not json"})
    assert bad.status_code == 422
    wrong = client.post("/subsidies/policies", data={
        "csrf_token": token, "name": "浙江", "province": "330000",
        "effective_from": "2026-01-01", "settings": '{"yearly_cap": -1}'})
    assert wrong.status_code == 422
    assert "yearly_cap: 必须是 0 到 20 之间的整数" in wrong.get_data(as_text=True)  # in Chinese
    assert db.session.scalar(db.select(db.func.count()).select_from(SubsidyPolicy)) == 1
    export = client.get(f"/subsidies/policies/{policy.id}.json").get_data(as_text=True)
    ok = client.post("/subsidies/policies", data={
        "csrf_token": token, "name": "浙江", "province": "330000",
        "effective_from": "2026-01-01",
        "settings": export.split('"settings": ', 1)[1].rsplit("}", 1)[0]})
    assert ok.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(SubsidyPolicy)) == 2
    assert db.session.scalar(db.select(SubsidyPolicy.region_prefix).order_by(
        SubsidyPolicy.id.desc()).limit(1)) == "33"  # the province picked, as a prefix


@pytest.mark.parametrize("role,url,status", [
    ("trainee", "/subsidies/", 403), ("instructor", "/subsidies/", 403),
    ("enterprise", "/subsidies/batches", 403), ("officer", "/my/subsidies", 403),
    ("trainee", "/subsidies/policies", 403), (None, "/subsidies/", 302),
    (None, "/my/subsidies", 302), ("officer", "/subsidies/policies", 200),
    ("trainee", "/my/subsidies", 200), ("officer", "/subsidies/batches", 200),
])
def test_page_access(app, role, url, status):
    client = app.test_client()
    if role:
        factories.login(client, factories.make_user(role))
    assert client.get(url).status_code == status
