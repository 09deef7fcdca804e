"""Claims opened by certificate issuance, revocation, key-group confirmation."""

from datetime import date

import pytest

from core import signals
from core.audit import AuditLog
from core.errors import Conflict
from core.extensions import db
from core.timeutil import local_today, now_utc
from subsidies.models import SubsidyClaim
from tests import factories
from tests.subsidies.conftest import claim_of, issue, make_policy


def test_issuing_a_certificate_opens_a_pending_claim_with_reasons(policy, attendance):
    trainee = factories.make_user("trainee", confirmed_groups=["rural_migrant"])
    course = factories.make_course(required_hours=64)
    claim = claim_of(issue(trainee, course))
    assert claim.status == "pending" and claim.eligible and claim.amount_fen == 70000
    assert claim.policy_id == policy.id
    assert claim.decision["policy"]["version"] == 1
    assert {r["rule"] for r in claim.decision["reasons"]} >= {"key_group", "yearly_cap"}
    assert claim.due_at > now_utc()
    assert db.session.scalar(db.select(AuditLog).where(AuditLog.action == "claim.open"))


def test_without_a_policy_the_claim_is_ineligible_and_issuance_goes_on(attendance):
    trainee = factories.make_user("trainee", confirmed_groups=["rural_migrant"])
    certificate = issue(trainee, factories.make_course())
    claim = claim_of(certificate)
    assert claim.status == "ineligible" and claim.amount_fen == 0
    assert claim.decision["reasons"][0]["rule"] == "policy_in_force"
    assert certificate.id is not None


def test_policy_in_force_at_training_time_and_regional_override(attendance):
    make_policy()
    make_policy("33", shortage_uplift_pct=50)
    make_policy("43", effective_from=date(2099, 1, 1))
    zj = factories.make_user("trainee", confirmed_groups=["laid_off"], region_code="330482")
    hn = factories.make_user("trainee", confirmed_groups=["laid_off"], region_code="430102")
    course = factories.make_course()
    assert claim_of(issue(zj, course)).decision["policy"]["region_prefix"] == "33"
    assert claim_of(issue(hn, course)).decision["policy"]["region_prefix"] == ""


def test_unconfirmed_group_is_ineligible_until_an_officer_confirms(policy, attendance, client,
                                                                   officer):
    trainee = factories.make_user("trainee", key_groups=["laid_off"])
    claim = claim_of(issue(trainee, factories.make_course()))
    assert claim.status == "ineligible"
    response = client.post(f"/api/v1/trainees/{trainee.id}/key-groups/laid_off/confirm",
                           json={"confirmed": True},
                           headers=factories.api_headers(client, officer))
    assert response.status_code == 200, response.get_json()
    db.session.refresh(claim)
    assert claim.status == "pending" and claim.amount_fen == 70000


def test_refusing_the_group_a_claim_rested_on_withdraws_it_before_payment(
        policy, attendance, client, officer, officer2):
    from subsidies import batches, service
    from tests.subsidies.conftest import give_bank_account

    trainee = factories.make_user("trainee", key_groups=["college_graduate"])
    give_bank_account(trainee)
    headers = factories.api_headers(client, officer)
    url = f"/api/v1/trainees/{trainee.id}/key-groups/college_graduate/confirm"
    assert client.post(url, json={"confirmed": True}, headers=headers).status_code == 200
    pending = claim_of(issue(trainee, factories.make_course()))
    approved = claim_of(issue(trainee, factories.make_course()))
    service.decide_claim(officer, approved.id, True, None)
    db.session.commit()
    assert (pending.status, approved.status) == ("pending", "approved")
    # On a second look the graduation proof does not hold.
    assert client.post(url, json={"confirmed": False}, headers=headers).status_code == 200
    for claim in (pending, approved):
        db.session.refresh(claim)
        assert (claim.status, claim.eligible, claim.amount_fen) == ("ineligible", False, 0)
        reason = next(r for r in claim.decision["reasons"] if r["rule"] == "key_group")
        assert reason["passed"] is False
    decided = client.post(f"/api/v1/claims/{pending.id}/decision", json={"approve": True},
                          headers=headers)
    assert decided.status_code == 409
    with pytest.raises(Conflict):  # nothing approved is left to batch and pay
        batches.create_batch(officer2, [approved.id])
    db.session.rollback()
    assert db.session.scalar(db.select(AuditLog).where(AuditLog.action == "claim.reevaluate"))


def test_second_certificate_same_occupation_level_is_ineligible(policy, attendance):
    trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
    occupation = factories.make_occupation()
    first = factories.make_course(occupation=occupation)
    # another certificate type: one live certificate per person, occupation, level and type
    second = factories.make_course(occupation=occupation, certificate_type="special_ability")
    issue(trainee, first)
    claim = claim_of(issue(trainee, second))
    assert claim.status == "ineligible"
    reason = next(r for r in claim.decision["reasons"] if r["rule"] == "same_occupation_level")
    assert reason["passed"] is False
    assert date.fromisoformat(reason["value"]) <= local_today()


def test_fourth_claim_in_a_year_is_refused(policy, attendance):
    trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
    claims = [claim_of(issue(trainee, factories.make_course())) for _ in range(4)]
    assert [c.status for c in claims] == ["pending"] * 3 + ["ineligible"]
    cap = next(r for r in claims[3].decision["reasons"] if r["rule"] == "yearly_cap")
    assert (cap["value"], cap["limit"]) == (4, 3)


def test_rejected_claim_frees_the_occupation_level(policy, attendance, officer):
    from subsidies import service

    trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
    occupation = factories.make_occupation()
    claim = claim_of(issue(trainee, factories.make_course(occupation=occupation)))
    service.decide_claim(officer, claim.id, False, "Fake attendance")
    db.session.commit()
    again = claim_of(issue(trainee, factories.make_course(
        occupation=occupation, certificate_type="special_ability")))
    assert again.status == "pending"


def test_low_attendance_is_explained(policy, attendance):
    trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
    course = factories.make_course(required_hours=60)
    enrolment = factories.enrol(trainee, course)
    attendance[enrolment.id] = 60 * 60 // 2
    claim = claim_of(issue(trainee, course))
    assert claim.status == "ineligible"
    assert [r["rule"] for r in claim.decision["reasons"] if not r["passed"]] == ["attendance"]


def test_living_allowance_claim_from_attendance_records(policy, attendance):
    trainee = factories.make_user("trainee", confirmed_groups=["poverty_registered"])
    course = factories.make_course(mode="blended", required_hours=60)
    factories.grant_attendance(trainee, course, 300, source="offline")
    factories.grant_attendance(trainee, course, 120, source="lesson")
    factories.grant_attendance(trainee, course, 60, source="live")
    living = claim_of(issue(trainee, course), "living_allowance")
    # One offline class day at 50 yuan, three online class hours at 5 yuan.
    assert living.status == "pending" and living.amount_fen == 5000 + 3 * 500
    time = next(r for r in living.decision["reasons"] if r["rule"] == "training_time")
    assert time["value"] == {"offline_days": 1, "online_hours": 3}
    other = factories.make_user("trainee", confirmed_groups=["veteran"])
    assert claim_of(issue(other, course), "living_allowance") is None


def test_living_allowance_without_attendance_is_ineligible(policy, attendance):
    trainee = factories.make_user("trainee", confirmed_groups=["disabled"])
    living = claim_of(issue(trainee, factories.make_course()), "living_allowance")
    assert living.status == "ineligible" and living.amount_fen == 0


def test_signal_twice_opens_one_claim(policy, attendance):
    from flask import current_app

    trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
    certificate = issue(trainee, factories.make_course())
    signals.certificate_issued.send(current_app._get_current_object(),
                                    certificate=certificate, actor=None)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(SubsidyClaim)) == 1


def _revoke(certificate):
    from flask import current_app

    certificate.status, certificate.revoked_reason = "revoked", "Exam fraud"
    certificate.revoked_at = now_utc()
    signals.certificate_revoked.send(current_app._get_current_object(),
                                     certificate=certificate, actor=None)
    db.session.commit()


def test_revocation_rejects_unpaid_and_flags_paid(policy, attendance, officer, officer2):
    from subsidies import batches, service
    from tests.subsidies.conftest import give_bank_account

    trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
    give_bank_account(trainee)
    unpaid = issue(trainee, factories.make_course())
    paid = issue(trainee, factories.make_course())
    in_batch = issue(trainee, factories.make_course())
    for cert in (paid, in_batch):
        service.decide_claim(officer, claim_of(cert).id, True, None)
    batches.mark_paid(officer, batches.create_batch(officer2, [claim_of(paid).id]).id)
    batch = batches.create_batch(officer2, [claim_of(in_batch).id])
    db.session.commit()
    for cert in (unpaid, paid, in_batch):
        _revoke(cert)
    assert claim_of(unpaid).status == "rejected"
    assert "Exam fraud" in claim_of(unpaid).review_reason
    assert claim_of(paid).status == "paid" and claim_of(paid).flagged
    assert claim_of(in_batch).status == "rejected" and claim_of(in_batch).batch_id is None
    db.session.refresh(batch)
    assert batch.total_fen == 0 and batch.claim_count == 0
    with pytest.raises(Conflict) as empty:  # nothing left to pay: not "paid" with 0 yuan
        batches.mark_paid(officer, batch.id)
    assert empty.value.code == "batch_empty"
    db.session.rollback()
    assert db.session.get(type(batch), batch.id).status == "open"


def test_a_revocation_after_the_file_went_to_the_bank_flags_instead_of_removing(
        policy, attendance, client, officer, officer2, make_user):
    from subsidies import batches, service
    from subsidies.models import PaymentBatch
    from tests.subsidies.conftest import give_bank_account

    trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
    give_bank_account(trainee)
    kept, revoked = (issue(trainee, factories.make_course()) for _ in range(2))
    for cert in (kept, revoked):
        service.decide_claim(officer, claim_of(cert).id, True, None)
    batch = batches.create_batch(officer2, [claim_of(kept).id, claim_of(revoked).id])
    db.session.commit()
    headers = factories.api_headers(client, officer2)
    csv_file = client.get(f"/api/v1/payment-batches/{batch.id}.csv", headers=headers)
    assert csv_file.status_code == 200 and claim_of(revoked).certificate.serial in csv_file.text
    db.session.expire_all()
    batch = db.session.get(PaymentBatch, batch.id)
    assert batch.exported_at is not None and batch.exported_by_id == officer2.id
    exports = db.session.scalars(db.select(AuditLog).where(
        AuditLog.action == "payment_batch.exported")).all()
    assert len(exports) == 1  # who took the bank details, and when
    total = batch.total_fen
    _revoke(revoked)  # the bank may already be paying it
    claim = claim_of(revoked)
    assert claim.status == "in_batch" and claim.batch_id == batch.id and claim.flagged
    assert "after the payment file was exported" in claim.flag_reason
    db.session.refresh(batch)
    assert (batch.total_fen, batch.claim_count) == (total, 2)  # the file and the batch agree
    batches.mark_paid(make_user("officer"), batch.id)
    db.session.commit()
    claim = claim_of(revoked)
    assert claim.status == "paid" and claim.flagged  # on the recovery list, not forgotten
    assert claim_of(kept).status == "paid" and not claim_of(kept).flagged


def test_a_failing_receiver_never_undoes_the_certificate(policy, attendance, monkeypatch,
                                                         runner):
    from certificates.models import Certificate
    from subsidies import service

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
    with monkeypatch.context() as patch:
        patch.setattr(service, "open_claims", broken)
        certificate = issue(trainee, factories.make_course())
    assert db.session.get(Certificate, certificate.id) is not None
    assert claim_of(certificate) is None
    assert db.session.scalar(db.select(AuditLog).where(AuditLog.action == "claim.open_failed"))
    result = runner.invoke(args=["subsidies", "reconcile"])
    assert "1 certificate" in result.output
    assert claim_of(certificate).status == "pending"


def test_cli_policy_export_import_and_overdue(policy, runner, tmp_path):
    exported = runner.invoke(args=["subsidies", "export-policy", str(policy.id)])
    path = tmp_path / "policy.json"
    path.write_text(exported.output, encoding="utf-8")
    imported = runner.invoke(args=["subsidies", "import-policy", str(path)])
    assert "v2" in imported.output
    assert "0 overdue" in runner.invoke(args=["subsidies", "overdue"]).output
