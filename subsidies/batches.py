"""Payment batches: approved claims grouped for the bank, exported, then marked paid."""


from flask_babel import gettext as _
from sqlalchemy import func, select, update

from core.audit import record
from core.csvexport import csv_text
from core.errors import Conflict, Invalid, NotFound
from core.extensions import db
from core.timeutil import now_utc, to_local
from subsidies.models import PaymentBatch, SubsidyClaim


def get_batch(batch_id: int) -> PaymentBatch:
    batch = db.session.get(PaymentBatch, batch_id)
    if batch is None:
        raise NotFound(_("No such payment batch."))
    return batch


def list_batches() -> list[PaymentBatch]:
    return db.session.scalars(select(PaymentBatch).order_by(PaymentBatch.id.desc())).all()


def create_batch(officer, claim_ids: list[int] | None = None) -> PaymentBatch:
    """Group approved claims not yet in a batch (all of them, or those named) into a batch.

    Claims are moved with one guarded UPDATE, so a claim lands in one batch only even when
    two officers batch at the same moment; a batch that lost claims to another is refused.
    """
    stmt = select(SubsidyClaim.id).where(SubsidyClaim.status == "approved",
                                         SubsidyClaim.batch_id.is_(None))
    if claim_ids is not None:
        wanted = sorted(set(claim_ids))
        if not wanted:
            raise Invalid(_("Name at least one claim."), fields={"claim_ids": [_("Empty list.")]})
        known = set(db.session.scalars(select(SubsidyClaim.id).where(
            SubsidyClaim.id.in_(wanted))).all())
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise Invalid(_("Unknown claims."), fields={"claim_ids": [f"No claim {i}." for i in
                                                                    unknown]})
        ready = set(db.session.scalars(stmt.where(SubsidyClaim.id.in_(wanted))).all())
        blocked = [i for i in wanted if i not in ready]
        if blocked:
            raise Conflict(_("Only approved claims that are not yet in a batch can be batched."),
                           code="claim_not_batchable", extra={"claim_ids": blocked})
        ids = wanted
    else:
        ids = sorted(db.session.scalars(stmt).all())
    if not ids:
        raise Conflict(_("There are no approved claims waiting for payment."),
                       code="nothing_to_batch")
    batch = PaymentBatch(status="open", created_by_id=officer.id, total_fen=0, claim_count=0)
    db.session.add(batch)
    db.session.flush()
    moved = db.session.execute(
        update(SubsidyClaim).where(SubsidyClaim.id.in_(ids), SubsidyClaim.status == "approved",
                                   SubsidyClaim.batch_id.is_(None))
        .values(status="in_batch", batch_id=batch.id)
        .execution_options(synchronize_session=False))
    if moved.rowcount != len(ids):
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
    """The bank paid the batch: every claim in it becomes paid, once."""
    batch = get_batch(batch_id)
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
        .values(status="paid", paid_at=now).execution_options(synchronize_session=False))
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


CSV_HEADER = ["batch_id", "claim_id", "name", "id_number", "phone", "region_code", "kind",
              "occupation_code", "occupation", "level", "certificate_serial", "amount_fen",
              "amount_yuan", "approved_at"]


def csv_bytes(batch: PaymentBatch) -> bytes:
    """One row per claim for the bank (UTF-8 with BOM so spreadsheet programs read Chinese)."""
    rows = []
    for claim in live_claims(batch):
        trainee, occupation = claim.trainee, claim.occupation
        yuan, fen = divmod(claim.amount_fen, 100)
        rows.append([
            batch.id, claim.id, trainee.name,
            trainee.profile.id_number if trainee.profile else "", trainee.phone or "",
            claim.region_code, claim.kind, occupation.code, occupation.name_zh,
            claim.level, claim.certificate.serial, claim.amount_fen, f"{yuan}.{fen:02d}",
            to_local(claim.decided_at).isoformat() if claim.decided_at else ""])
    return csv_text(CSV_HEADER, rows).encode("utf-8")
