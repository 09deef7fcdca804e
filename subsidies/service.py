"""Claims: opened by certificate issuance, decided by the rules, reviewed by officers."""

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from accounts import scope
from accounts.models import KeyGroupDeclaration, User
from core import regions
from core.audit import record
from core.errors import Conflict, Invalid, NotFound, recoverable
from core.extensions import db
from core.models import conflict_insert
from core.timeutil import now_utc, to_local
from courses.models import Course, Enrolment
from subsidies import rules
from subsidies.models import (
    LIVE_STATES,
    PaymentBatch,
    SubsidyClaim,
    SubsidyPolicy,
    SubsidyYearLock,
)
from subsidies.policies import policy_in_force
from subsidies.training_time import attendance_for, training_time

REVIEW_WORKING_DAYS = 10


def add_working_days(start: datetime, days: int) -> datetime:
    """`days` working days (Monday to Friday, Asia/Shanghai) after `start`."""
    local = to_local(start)
    while days > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            days -= 1
    return local.astimezone(start.tzinfo)


def confirmed_groups(trainee_id: int) -> frozenset[str]:
    return frozenset(db.session.scalars(select(KeyGroupDeclaration.group).where(
        KeyGroupDeclaration.user_id == trainee_id,
        KeyGroupDeclaration.status == "confirmed")).all())


def declared_groups(trainee_id: int) -> frozenset[str]:
    return frozenset(db.session.scalars(select(KeyGroupDeclaration.group).where(
        KeyGroupDeclaration.user_id == trainee_id,
        KeyGroupDeclaration.status != "refused")).all())


def lock_year(trainee_id: int, year: int) -> None:
    """Take the person's per-year lock row (created on first use): parallel decisions for the
    same person and year wait here, so the cap is counted by one transaction at a time."""
    values = {"trainee_id": trainee_id, "year": year, "touches": 0}
    db.session.execute(conflict_insert(SubsidyYearLock).values(**values).on_conflict_do_nothing())
    # An UPDATE takes the row lock on PostgreSQL and the write lock on SQLite.
    db.session.execute(update(SubsidyYearLock).where(
        SubsidyYearLock.trainee_id == trainee_id, SubsidyYearLock.year == year)
        .values(touches=SubsidyYearLock.touches + 1))


def earlier_claims(trainee_id: int, exclude_id: int | None = None) -> tuple:
    stmt = select(SubsidyClaim).where(
        SubsidyClaim.trainee_id == trainee_id, SubsidyClaim.kind == "certificate",
        SubsidyClaim.status.in_(LIVE_STATES))
    if exclude_id is not None:
        stmt = stmt.where(SubsidyClaim.id != exclude_id)
    return tuple(rules.EarlierClaim(c.occupation_id, c.level, c.claim_year,
                                    to_local(c.created_at).date())
                 for c in db.session.scalars(stmt).all())


def _training_date(enrolment: Enrolment | None, certificate) -> date:
    if enrolment is not None:
        return to_local(enrolment.created_at).date()
    return to_local(certificate.issued_at).date()


def _no_policy_decision(training_on: date) -> dict:
    result = rules.RuleResult("policy_in_force", None, training_on.isoformat(), False)
    return {"policy": None, "reasons": [result.as_dict()], "computed_fen": 0}


def _policy_ref(policy: SubsidyPolicy) -> dict:
    return {"id": policy.id, "name": policy.name, "version": policy.version,
            "region_prefix": policy.region_prefix}


def evaluate(certificate, course: Course, trainee: User, policy: SubsidyPolicy,
             exclude_id: int | None = None, today: date | None = None) -> rules.Decision:
    """Gather the facts for `certificate` and run the certificate rules."""
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.course_id == course.id, Enrolment.trainee_id == trainee.id))
    attended, required = attendance_for(enrolment, course)
    region = trainee.profile.region_code if trainee.profile else course.region_code
    occupation = course.occupation
    facts = rules.Facts(
        certificate_type=certificate.certificate_type, level=certificate.level,
        occupation_id=certificate.occupation_id,
        issued_on=to_local(certificate.issued_at).date(),
        claim_on=today or to_local(now_utc()).date(),
        course_hours=course.required_hours, course_mode=course.mode,
        course_subsidised=course.subsidised, course_threshold=course.attendance_threshold,
        attended_minutes=attended, required_minutes=required,
        shortage=occupation.shortage_in(region) if occupation else False,
        confirmed_groups=confirmed_groups(trainee.id),
        earlier=earlier_claims(trainee.id, exclude_id))
    return rules.decide(facts, policy.settings)


def open_claims(certificate, actor=None) -> list[SubsidyClaim]:
    """Open the claims a new certificate gives rise to, in the issuing transaction.

    Never raises for business reasons: without a policy the claim is recorded as ineligible.
    """
    existing = db.session.scalars(select(SubsidyClaim).where(
        SubsidyClaim.certificate_id == certificate.id)).all()
    if existing:
        return list(existing)
    trainee = db.session.get(User, certificate.trainee_id)
    course = db.session.get(Course, certificate.course_id)
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.course_id == course.id, Enrolment.trainee_id == trainee.id))
    training_on = _training_date(enrolment, certificate)
    region = trainee.profile.region_code if trainee.profile else course.region_code
    policy = policy_in_force(region, training_on)
    year = to_local(certificate.issued_at).year
    lock_year(trainee.id, year)
    base = {"trainee_id": trainee.id, "certificate_id": certificate.id, "course_id": course.id,
            "occupation_id": certificate.occupation_id, "level": certificate.level,
            "region_code": region, "claim_year": year}
    claims = [_open_certificate_claim(certificate, course, trainee, policy, training_on, base)]
    if policy is not None:
        living = _open_living_allowance(course, trainee, enrolment, policy, base)
        if living is not None:
            claims.append(living)
    for claim in claims:
        record(actor, "claim.open", claim, after=_snapshot(claim))
    return claims


def open_claims_safely(certificate, actor=None) -> list[SubsidyClaim]:
    """The signal receiver: a failure here must never undo the certificate. The claim work runs
    in a savepoint; if it fails, the error is logged and audited, and `flask subsidies
    reconcile` opens the missing claim later."""
    from flask import current_app

    try:
        with recoverable():
            return open_claims(certificate, actor)
    except Exception as error:  # noqa: BLE001 - issuance goes on; reconcile repairs
        current_app.logger.exception("opening the subsidy claim for certificate %s failed",
                                     certificate.id)
        record(actor, "claim.open_failed", ("Certificate", certificate.id),
               after={"error": type(error).__name__})
        return []


def open_missing_claims(actor=None) -> int:
    """Open claims for valid certificates that have none (after a failed receiver)."""
    from certificates.models import Certificate

    missing = db.session.scalars(select(Certificate).where(
        Certificate.status == "valid",
        ~Certificate.id.in_(select(SubsidyClaim.certificate_id))).order_by(Certificate.id)).all()
    for certificate in missing:
        open_claims(certificate, actor)
    return len(missing)


def _open_certificate_claim(certificate, course, trainee, policy, training_on, base):
    if policy is None:
        claim = SubsidyClaim(kind="certificate", status="ineligible", eligible=False,
                             amount_fen=0, decision=_no_policy_decision(training_on), **base)
        db.session.add(claim)
        db.session.flush()
        return claim
    for _attempt in range(2):
        decision = evaluate(certificate, course, trainee, policy)
        claim = _claim_from(decision, policy, "certificate", base)
        try:
            with db.session.begin_nested():
                db.session.add(claim)
        except IntegrityError:
            # A parallel transaction took this occupation and level first: decide again, now
            # seeing its claim, which records this one as ineligible with the reason.
            continue
        return claim
    raise Conflict(_("The claim could not be recorded; try again."))


def _claim_from(decision: rules.Decision, policy, kind: str, base: dict) -> SubsidyClaim:
    now = now_utc()
    return SubsidyClaim(
        kind=kind, status="pending" if decision.eligible else "ineligible",
        eligible=decision.eligible, amount_fen=decision.amount_fen, policy_id=policy.id,
        decision={"policy": _policy_ref(policy), "reasons": decision.reasons(),
                  "computed_fen": decision.amount_fen},
        due_at=add_working_days(now, REVIEW_WORKING_DAYS) if decision.eligible else None,
        **base)


def _open_living_allowance(course, trainee, enrolment, policy, base) -> SubsidyClaim | None:
    listed = set(policy.settings["living_allowance"]["groups"])
    if not declared_groups(trainee.id) & listed:
        return None  # not someone the allowance is for: no claim to explain
    time = training_time(enrolment, course)
    decision = rules.decide_living_allowance(confirmed_groups(trainee.id), time,
                                             policy.settings, course.subsidised)
    claim = _claim_from(decision, policy, "living_allowance", base)
    db.session.add(claim)
    db.session.flush()
    return claim


def _snapshot(claim: SubsidyClaim) -> dict:
    return {"status": claim.status, "amount_fen": claim.amount_fen, "eligible": claim.eligible,
            "batch_id": claim.batch_id, "reason": claim.review_reason}


def get_claim(claim_id: int, viewer=None) -> SubsidyClaim:
    """The claim; with `viewer`, 403 region_forbidden outside a region-limited officer's."""
    claim = db.session.get(SubsidyClaim, claim_id)
    if claim is None:
        raise NotFound(_("No such claim."))
    if viewer is not None:
        scope.require(viewer, claim.region_code)
    return claim


def decide_claim(officer, claim_id: int, approve: bool, reason: str | None) -> SubsidyClaim:
    """Approve or reject a pending claim; a rejection needs a reason. Compare-and-set, so two
    officers deciding at once cannot both win."""
    reason = (reason or "").strip() or None
    if not approve and not reason:
        raise Invalid(_("A rejection needs a reason the trainee can read."),
                      fields={"reason": [_("Give the reason for the rejection.")]})
    if reason and len(reason) > 500:
        raise Invalid(_("The reason is too long."),
                      fields={"reason": [_("At most 500 characters.")]})
    claim = get_claim(claim_id, officer)
    if claim.status != "pending":
        raise Conflict(_("Only a pending claim can be decided; this one is %(status)s.",
                         status=claim.api_status),
                       code="claim_not_pending")
    before = _snapshot(claim)
    new_status = "approved" if approve else "rejected"
    now = now_utc()
    result = db.session.execute(
        update(SubsidyClaim).where(SubsidyClaim.id == claim.id,
                                   SubsidyClaim.status == "pending")
        .values(status=new_status, decided_by_id=officer.id, decided_at=now,
                review_reason=reason)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(_("Another officer decided this claim first."), code="claim_not_pending")
    db.session.refresh(claim)
    record(officer, "claim.approve" if approve else "claim.reject", claim, before=before,
           after=_snapshot(claim))
    return claim


def bulk_approve(officer, claim_ids: list[int]) -> list[SubsidyClaim]:
    """Approve several pending claims at once (all or nothing)."""
    if not claim_ids:
        raise Invalid(_("Choose at least one claim."), fields={"claim_ids": [_("Nothing chosen.")]})
    return [decide_claim(officer, cid, True, None) for cid in sorted(set(claim_ids))]


def _decide_again(claim: SubsidyClaim) -> rules.Decision:
    """The claim's decision with its own policy on what is known now (key groups, hours)."""
    if claim.kind == "certificate":
        return evaluate(claim.certificate, claim.course, claim.trainee, claim.policy,
                        exclude_id=claim.id, today=to_local(claim.created_at).date())
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.course_id == claim.course_id, Enrolment.trainee_id == claim.trainee_id))
    return rules.decide_living_allowance(
        confirmed_groups(claim.trainee_id), training_time(enrolment, claim.course),
        claim.policy.settings, claim.course.subsidised)


def recheck(actor, claim: SubsidyClaim) -> SubsidyClaim:
    """A pending or approved (not yet batched) claim after what it rested on was withdrawn (a
    key group refused): no longer eligible, it becomes ineligible with the new reasons, so it
    can be neither approved nor paid on a decision that is no longer true. One UPDATE guarded
    by the status it was read with: a claim batched meanwhile is left to the officers (409)."""
    if claim.status not in ("pending", "approved") or claim.policy is None:
        return claim
    lock_year(claim.trainee_id, claim.claim_year)
    decision = _decide_again(claim)
    if decision.eligible:
        return claim
    before = _snapshot(claim)
    done = db.session.execute(
        update(SubsidyClaim).where(SubsidyClaim.id == claim.id,
                                   SubsidyClaim.status == claim.status)
        .values(status="ineligible", eligible=False, amount_fen=0,
                decision={"policy": _policy_ref(claim.policy), "reasons": decision.reasons(),
                          "computed_fen": decision.amount_fen},
                decided_by_id=None, decided_at=None, due_at=None)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict(_("The claim changed meanwhile; check it again."),
                       code="claim_not_pending")
    db.session.refresh(claim)
    record(actor, "claim.reevaluate", claim, before=before, after=_snapshot(claim))
    return claim


def reevaluate(actor, claim: SubsidyClaim) -> SubsidyClaim:
    """Decide an ineligible claim again with its policy (e.g. after a key group was confirmed)."""
    if claim.status != "ineligible" or claim.policy is None:
        return claim
    lock_year(claim.trainee_id, claim.claim_year)
    decision = _decide_again(claim)
    if not decision.eligible or claim.certificate.status != "valid":
        return claim
    before = _snapshot(claim)
    claim.status, claim.eligible, claim.amount_fen = "pending", True, decision.amount_fen
    claim.decision = {"policy": _policy_ref(claim.policy), "reasons": decision.reasons(),
                      "computed_fen": decision.amount_fen}
    claim.due_at = add_working_days(now_utc(), REVIEW_WORKING_DAYS)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("This occupation and level is already subsidised.")) from None
    record(actor, "claim.reevaluate", claim, before=before, after=_snapshot(claim))
    return claim


def on_certificate_revoked(certificate, actor=None) -> None:
    """Unpaid claims of a revoked certificate are rejected with the reason; paid ones stay paid
    but are flagged for recovery."""
    claims = db.session.scalars(select(SubsidyClaim).where(
        SubsidyClaim.certificate_id == certificate.id)).all()
    reason = "Certificate revoked" + (f": {certificate.revoked_reason}"
                                      if certificate.revoked_reason else "")
    for claim in claims:
        before = _snapshot(claim)
        if claim.status == "paid":
            claim.flagged, claim.flag_reason = True, reason[:500]
            record(actor, "claim.flag", claim, before=before, after={"flag_reason": reason})
            continue
        if claim.status in ("rejected", "ineligible"):
            continue
        batch = claim.batch
        if batch is not None and batch.status == "open":
            # Locked: an export running now either finishes first (then this flags) or waits
            # and writes the file without the claim.
            batch = db.session.get(PaymentBatch, batch.id, with_for_update=True,
                                   populate_existing=True)
            if batch.exported_at is not None:  # the bank may hold the file: pay, then recover
                claim.flagged = True
                claim.flag_reason = ("Certificate revoked after the payment file was exported"
                                     + reason[len("Certificate revoked"):])[:500]
                record(actor, "claim.flag", claim, before=before,
                       after={"flag_reason": claim.flag_reason})
                continue
        claim.status, claim.batch_id, claim.review_reason = "rejected", None, reason[:500]
        claim.decided_at, claim.decided_by_id = now_utc(), getattr(actor, "id", None)
        if batch is not None and batch.status == "open":
            batch.total_fen -= claim.amount_fen
            batch.claim_count -= 1
        record(actor, "claim.revoked_certificate", claim, before=before, after=_snapshot(claim))
    db.session.flush()


def claims_query(status: str | None = None, region: str | None = None,
                 occupation: str | None = None, key_group: str | None = None,
                 overdue: bool = False, kind: str | None = None, trainee_id: int | None = None,
                 viewer=None):
    """Claims oldest first, filtered; with `viewer`, only those in the officer's regions."""
    from sqlalchemy.orm import selectinload

    from courses.models import Occupation

    # Lists show trainee, certificate and occupation for every row: load them in 4 queries.
    stmt = select(SubsidyClaim).order_by(SubsidyClaim.created_at.asc(), SubsidyClaim.id.asc()) \
        .options(selectinload(SubsidyClaim.trainee).selectinload(User.profile),
                 selectinload(SubsidyClaim.certificate), selectinload(SubsidyClaim.occupation),
                 selectinload(SubsidyClaim.decided_by))
    states = {"pending": ["pending"], "approved": ["approved", "in_batch"],
              "rejected": ["rejected", "ineligible"], "paid": ["paid"]}
    if status:
        stmt = stmt.where(SubsidyClaim.status.in_(states.get(status, [status])))
    if region:  # a code of any level (330000 is the province) or a prefix (33)
        stmt = stmt.where(SubsidyClaim.region_code.startswith(regions.prefix(region)))
    if occupation:
        stmt = stmt.where(SubsidyClaim.occupation_id.in_(
            select(Occupation.id).where(Occupation.code == occupation)))
    if key_group:
        stmt = stmt.where(SubsidyClaim.trainee_id.in_(select(KeyGroupDeclaration.user_id).where(
            KeyGroupDeclaration.group == key_group)))
    if overdue:
        stmt = stmt.where(SubsidyClaim.status == "pending", SubsidyClaim.due_at < now_utc())
    if kind:
        stmt = stmt.where(SubsidyClaim.kind == kind)
    if trainee_id is not None:
        stmt = stmt.where(SubsidyClaim.trainee_id == trainee_id)
    return scope.restrict(stmt, viewer, SubsidyClaim.region_code)


def claims_of(trainee_id: int) -> list[SubsidyClaim]:
    return db.session.scalars(select(SubsidyClaim).where(SubsidyClaim.trainee_id == trainee_id)
                              .order_by(SubsidyClaim.created_at.desc(),
                                        SubsidyClaim.id.desc())).all()


def history(claim: SubsidyClaim) -> list:
    from core.audit import AuditLog

    return db.session.scalars(select(AuditLog).where(
        AuditLog.target_type == "SubsidyClaim", AuditLog.target_id == str(claim.id))
        .order_by(AuditLog.at, AuditLog.id)).all()


def queue_counts(viewer=None) -> dict:
    rows = db.session.execute(scope.restrict(
        select(SubsidyClaim.status, func.count()), viewer, SubsidyClaim.region_code)
        .group_by(SubsidyClaim.status)).all()
    counts = dict(rows)
    overdue = db.session.scalar(scope.restrict(
        select(func.count()).select_from(SubsidyClaim), viewer, SubsidyClaim.region_code).where(
        SubsidyClaim.status == "pending", SubsidyClaim.due_at < now_utc()))
    return {"pending": counts.get("pending", 0),
            "approved": counts.get("approved", 0) + counts.get("in_batch", 0),
            "rejected": counts.get("rejected", 0) + counts.get("ineligible", 0),
            "paid": counts.get("paid", 0), "overdue": overdue}


def is_overdue(claim: SubsidyClaim) -> bool:
    return claim.status == "pending" and claim.due_at is not None and claim.due_at < now_utc()

