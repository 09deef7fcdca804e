"""Payment batches: approved claims grouped for the bank, exported, then marked paid.

Officers act only on claims of their regions (accounts.scope), and with four eyes (the policy's
`four_eyes`, on by default) the approver of a claim cannot batch it and the maker of a batch
cannot mark it paid; refusals are audited although the request changes nothing else.
"""

from flask_babel import gettext as _
from sqlalchemy import exists, func, not_, select, update

from accounts import scope
from core.audit import record
from core.auth import ADMIN
from core.csvexport import csv_text, safe_cell
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.regions import full_name
from core.timeutil import now_utc, to_local
from subsidies.models import BankAccount, PaymentBatch, SubsidyClaim


class SeparationOfDuties(Forbidden):
    code = "separation_of_duties"


def four_eyes(claim: SubsidyClaim) -> bool:
    """Does the claim's policy require a second person to batch and pay it? (default yes)"""
    policy = claim.policy
    return bool((policy.settings or {}).get("four_eyes", True)) if policy else True


def _refuse(officer, action: str, target, message: str, detail: dict):
    return SeparationOfDuties(message, audit={
        "actor": officer, "action": action, "target": target,
        "after": {"refused": "separation_of_duties", **detail}})


def get_batch(batch_id: int, viewer=None) -> PaymentBatch:
    """The batch; for a region-limited officer only if all its claims are in their regions."""
    batch = db.session.get(PaymentBatch, batch_id)
    if batch is None:
        raise NotFound(_("No such payment batch."))
    if viewer is not None:
        for region, _n, _fen in totals_by_region(batch):
            scope.require(viewer, region)
    return batch


def batches_query(viewer=None):
    """Batches newest first; a region-limited officer sees those wholly inside their regions."""
    stmt = select(PaymentBatch).order_by(PaymentBatch.id.desc())
    inside = scope.clause(viewer, SubsidyClaim.region_code)
    if inside is not None:
        stmt = stmt.where(~exists().where(SubsidyClaim.batch_id == PaymentBatch.id,
                                          not_(inside)))
    return stmt


def list_batches(viewer=None) -> list[PaymentBatch]:
    return db.session.scalars(batches_query(viewer)).all()


def batchable_query(officer):
    """Approved claims not yet in a batch, in the officer's regions."""
    stmt = select(SubsidyClaim).where(SubsidyClaim.status == "approved",
                                      SubsidyClaim.batch_id.is_(None))
    return scope.restrict(stmt, officer, SubsidyClaim.region_code).order_by(SubsidyClaim.id)


def waiting_summary(officer) -> dict:
    """What "batch all" would take, and what it must leave (own approvals, no bank account)."""
    claims = db.session.scalars(batchable_query(officer)).all()
    banked = _banked({c.trainee_id for c in claims})
    own = [c.id for c in claims if four_eyes(c) and c.decided_by_id == officer.id]
    unbanked = [c.id for c in claims if c.trainee_id not in banked]
    ready = [c.id for c in claims if c.id not in own and c.id not in unbanked]
    return {"approved": len(claims), "ready": len(ready), "own": len(own),
            "no_bank_account": len(unbanked)}


def _banked(trainee_ids) -> set[int]:
    if not trainee_ids:
        return set()
    return set(db.session.scalars(select(BankAccount.user_id).where(
        BankAccount.user_id.in_(sorted(trainee_ids)))).all())


def create_batch(officer, claim_ids: list[int] | None = None) -> PaymentBatch:
    """Group approved claims not yet in a batch (all the officer may batch, or those named).

    Named claims must all be batchable: in the officer's regions (403 region_forbidden), not
    approved by this officer under four eyes (403 separation_of_duties, audited) and with the
    trainee's bank account on file (409 no_bank_account). Without names, claims this officer
    may not batch wait for another officer. Claims are moved with one guarded UPDATE, so a
    claim lands in one batch only even when two officers batch at the same moment.
    """
    if claim_ids is not None:
        wanted = sorted(set(claim_ids))
        if not wanted:
            raise Invalid(_("Name at least one claim."), fields={"claim_ids": [_("Empty list.")]})
        named = {c.id: c for c in db.session.scalars(select(SubsidyClaim).where(
            SubsidyClaim.id.in_(wanted))).all()}
        unknown = [i for i in wanted if i not in named]
        if unknown:
            raise Invalid(_("Unknown claims."), fields={"claim_ids": [f"No claim {i}." for i in
                                                                    unknown]})
        for claim in named.values():
            scope.require(officer, claim.region_code)
        blocked = [i for i in wanted if named[i].status != "approved"
                   or named[i].batch_id is not None]
        if blocked:
            raise Conflict(_("Only approved claims that are not yet in a batch can be batched."),
                           code="claim_not_batchable", extra={"claim_ids": blocked})
        candidates = [named[i] for i in wanted]
        strict = True
    else:
        candidates = db.session.scalars(batchable_query(officer)).all()
        strict = False
    own = [c.id for c in candidates if four_eyes(c) and c.decided_by_id == officer.id]
    banked = _banked({c.trainee_id for c in candidates})
    unbanked = [c.id for c in candidates if c.trainee_id not in banked]
    if own and (strict or len(own) == len(candidates)):
        raise _refuse(officer, "payment_batch.create_refused", ("PaymentBatch", "new"),
                      _("You approved these claims yourself: another officer must batch them "
                        "(four eyes)."), {"claim_ids": own})
    if unbanked and (strict or not [c for c in candidates if c.id not in own
                                    and c.id not in unbanked]):
        raise Conflict(_("These trainees have not given a bank account for the payment yet: "
                         "they add it under My subsidies."), code="no_bank_account",
                       extra={"claim_ids": unbanked})
    ids = sorted(c.id for c in candidates if c.id not in own and c.id not in unbanked)
    if not ids:
        raise Conflict(_("There are no approved claims waiting for payment."),
                       code="nothing_to_batch")
    accounts = {a.user_id: a for a in db.session.scalars(select(BankAccount).where(
        BankAccount.user_id.in_(sorted(banked)))).all()}
    batch = PaymentBatch(status="open", created_by_id=officer.id, total_fen=0, claim_count=0)
    db.session.add(batch)
    db.session.flush()
    moved = 0
    for claim in sorted(candidates, key=lambda c: c.id):
        if claim.id not in ids:
            continue
        account = accounts[claim.trainee_id]
        moved += db.session.execute(
            update(SubsidyClaim).where(SubsidyClaim.id == claim.id,
                                       SubsidyClaim.status == "approved",
                                       SubsidyClaim.batch_id.is_(None))
            .values(status="in_batch", batch_id=batch.id, batched_by_id=officer.id,
                    payee_bank=account.bank_name, payee_account=account.account_number)
            .execution_options(synchronize_session=False)).rowcount
    if moved != len(ids):
        raise Conflict(_("Some of these claims were just batched by someone else; reload."),
                       code="claim_not_batchable")
    total = db.session.scalar(select(func.coalesce(func.sum(SubsidyClaim.amount_fen), 0))
                              .where(SubsidyClaim.batch_id == batch.id))
    batch.total_fen, batch.claim_count = int(total), len(ids)
    db.session.flush()
    db.session.expire_all()
    record(officer, "payment_batch.create", batch,
           after={"claims": ids, "total_fen": batch.total_fen})
    for claim_id in ids:
        record(officer, "claim.batch", ("SubsidyClaim", claim_id),
               before={"status": "approved"}, after={"status": "in_batch", "batch_id": batch.id})
    return batch


def mark_paid(officer, batch_id: int) -> PaymentBatch:
    """The bank paid the batch: every claim in it becomes paid, once. Under four eyes the
    officer who made the batch may not (an admin or another officer in scope may)."""
    batch = get_batch(batch_id, officer)
    if officer.role != ADMIN and batch.created_by_id == officer.id and any(
            four_eyes(c) for c in live_claims(batch)):
        raise _refuse(officer, "payment_batch.paid_refused", ("PaymentBatch", batch.id),
                      _("You made this batch: another officer or an admin must mark it paid "
                        "(four eyes)."), {"batch_id": batch.id})
    if batch.status == "open" and not db.session.scalar(select(SubsidyClaim.id).where(
            SubsidyClaim.batch_id == batch.id, SubsidyClaim.status == "in_batch").limit(1)):
        # Every claim left it (a revoked certificate rejects its claim): nothing to pay.
        raise Conflict(_("No claim is left in this batch: there is nothing to mark paid."),
                       code="batch_empty")
    done = db.session.execute(
        update(PaymentBatch).where(PaymentBatch.id == batch.id, PaymentBatch.status == "open")
        .values(status="paid", paid_at=now_utc(), paid_by_id=officer.id)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict(_("This batch is already paid."), code="batch_paid")
    now = now_utc()
    ids = db.session.scalars(select(SubsidyClaim.id).where(
        SubsidyClaim.batch_id == batch.id, SubsidyClaim.status == "in_batch")).all()
    db.session.execute(
        update(SubsidyClaim).where(SubsidyClaim.batch_id == batch.id,
                                   SubsidyClaim.status == "in_batch")
        .values(status="paid", paid_at=now, paid_by_id=officer.id)
        .execution_options(synchronize_session=False))
    db.session.expire_all()
    record(officer, "payment_batch.paid", batch, before={"status": "open"},
           after={"status": "paid", "claims": list(ids)})
    for claim_id in ids:
        record(officer, "claim.paid", ("SubsidyClaim", claim_id),
               before={"status": "in_batch"}, after={"status": "paid", "batch_id": batch.id})
    return db.session.get(PaymentBatch, batch.id)


def live_claims(batch: PaymentBatch) -> list[SubsidyClaim]:
    """The batch's claims with what the CSV and pages print, loaded in a few queries."""
    from sqlalchemy.orm import selectinload

    from accounts.models import User

    return db.session.scalars(
        select(SubsidyClaim).where(SubsidyClaim.batch_id == batch.id,
                                   SubsidyClaim.status.in_(("in_batch", "paid")))
        .order_by(SubsidyClaim.id)
        .options(selectinload(SubsidyClaim.trainee).selectinload(User.profile),
                 selectinload(SubsidyClaim.occupation),
                 selectinload(SubsidyClaim.certificate))).all()


def totals_by_region(batch: PaymentBatch) -> list[tuple[str, int, int]]:
    """(region code, claims, fen) per region, for the batch summary."""
    rows = db.session.execute(
        select(SubsidyClaim.region_code, func.count(), func.sum(SubsidyClaim.amount_fen))
        .where(SubsidyClaim.batch_id == batch.id).group_by(SubsidyClaim.region_code)
        .order_by(SubsidyClaim.region_code)).all()
    return [(region, int(n), int(fen or 0)) for region, n, fen in rows]


CSV_HEADER = ["batch_id", "claim_id", "name", "id_number", "bank_name", "account_number",
              "amount_yuan", "amount_fen", "certificate_serial", "phone", "region_code",
              "region", "kind", "occupation_code", "occupation", "level", "approved_at",
              "approved_by", "batched_by"]


def export_file(actor, batch: PaymentBatch, kind: str) -> bytes:
    """The batch's file for the bank: "csv" (csv_bytes) or "payroll" (payroll_bytes). Every
    download is audited (the file holds full ID and account numbers); the first one marks the
    batch exported, before the file is made, so a revocation from then on flags its claim for
    recovery instead of taking it out (service.on_certificate_revoked)."""
    if batch.exported_at is None:
        db.session.execute(
            update(PaymentBatch).where(PaymentBatch.id == batch.id,
                                       PaymentBatch.exported_at.is_(None))
            .values(exported_at=now_utc(), exported_by_id=actor.id)
            .execution_options(synchronize_session=False))
        db.session.refresh(batch)
    body = csv_bytes(batch) if kind == "csv" else payroll_bytes(batch)
    record(actor, "payment_batch.exported", batch,
           after={"file": kind, "claims": batch.claim_count, "total_fen": batch.total_fen})
    return body


def csv_bytes(batch: PaymentBatch) -> bytes:
    """One row per claim for the bank (UTF-8 with BOM so spreadsheet programs read Chinese).
    The account is the one on file when the claim was batched."""
    rows = []
    for claim in live_claims(batch):
        trainee, occupation = claim.trainee, claim.occupation
        rows.append([_cell(v) for v in (
            batch.id, claim.id, trainee.name,
            trainee.profile.id_number if trainee.profile else "", claim.payee_bank or "",
            claim.payee_account or "", yuan(claim.amount_fen), claim.amount_fen,
            claim.certificate.serial, trainee.phone or "", claim.region_code,
            full_name(claim.region_code), claim.kind, occupation.code, occupation.name_zh,
            claim.level, to_local(claim.decided_at).isoformat() if claim.decided_at else "",
            claim.decided_by.name if claim.decided_by else "",
            batch.created_by.name if batch.created_by else "")])
    return csv_text(CSV_HEADER, rows).encode("utf-8")


# Payroll upload (代发) layout: the columns Chinese banks' corporate online banking takes for a
# batch transfer to personal accounts, GB18030-encoded (the encoding those systems read; a
# superset of GBK that still encodes every name). README "Payment files" documents it.
PAYROLL_HEADER = ["序号", "收款人账号", "收款人户名", "金额", "收款银行", "证件类型", "证件号码",
                  "用途", "备注"]


def payroll_bytes(batch: PaymentBatch) -> bytes:
    rows = []
    for n, claim in enumerate(live_claims(batch), start=1):
        trainee = claim.trainee
        rows.append([_cell(v) for v in (
            n, claim.payee_account or "", trainee.name, yuan(claim.amount_fen),
            claim.payee_bank or "", "身份证",
            trainee.profile.id_number if trainee.profile else "", "职业技能培训补贴",
            f"SB-{batch.id}-{claim.id} {claim.certificate.serial}")])
    return csv_text(PAYROLL_HEADER, rows, bom=False).encode("gb18030")


def yuan(fen: int) -> str:
    whole, rest = divmod(fen, 100)
    return f"{whole}.{rest:02d}"


def _cell(value) -> str:
    # The shared spreadsheet formula guard, on text (bank systems read every column as text).
    return safe_cell("" if value is None else str(value))
