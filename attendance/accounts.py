"""Platform accounts: a trainee links a viewer id, which credits nothing until proven theirs.

Proof is one of: an event from that viewer whose display name or chat text carries the
one-time code shown on the trainee's link page; an instructor of the trainee's live course or
an officer checking it on the session sheet; the platform confirming it in a signed callback.
Once verified, the account's earlier events count too.
"""

import secrets
from datetime import datetime
from difflib import SequenceMatcher

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from accounts import scope
from accounts.models import User
from attendance.models import LiveEvent, LiveSession, PlatformAccount
from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.timeutil import now_utc
from courses.lifecycle import on_roll
from courses.models import CourseInstructor, Enrolment, Platform

VERIFY_HOW = ("code", "staff", "platform")


def new_code() -> str:
    """A code a trainee can type into a live room's name or chat on a cheap phone."""
    return "SB" + "".join(secrets.choice("0123456789") for _i in range(6))


def _taken() -> Conflict:
    return Conflict(_("That platform account is linked to another trainee."),
                    code="already_linked")


def link_account(trainee, platform_id: int, user_ref: str) -> tuple[PlatformAccount, bool]:
    """Link (or change) the trainee's account on a platform. A new or changed link is pending
    with a fresh code. Returns the account and whether a new row was made."""
    if db.session.get(Platform, platform_id) is None:
        raise NotFound(_("No such platform."))
    user_ref = (user_ref or "").strip()
    if not user_ref or len(user_ref) > 128:
        raise Invalid(_("Some fields are invalid."), fields={"user_ref": [_(
            "Give your user id on that platform (at most 128 characters).")]})
    taken = db.session.scalar(select(PlatformAccount).where(
        PlatformAccount.platform_id == platform_id, PlatformAccount.user_ref == user_ref))
    if taken is not None and taken.trainee_id != trainee.id:
        if taken.status == "pending":  # an unproven claim: staff can give it to its owner
            raise Conflict(_("Another trainee has claimed this platform account without proving "
                             "it. If it is yours, ask your instructor to assign it to you from "
                             "the live class's viewer list."), code="already_linked")
        raise _taken()
    account = db.session.scalar(select(PlatformAccount).where(
        PlatformAccount.platform_id == platform_id, PlatformAccount.trainee_id == trainee.id))
    if account is not None and account.user_ref == user_ref:
        return account, False  # the same link again: nothing changes, the code stays
    before = {"user_ref": account.user_ref, "status": account.status} if account else None
    created = account is None
    if created:
        account = PlatformAccount(platform_id=platform_id, trainee_id=trainee.id)
        db.session.add(account)
    account.user_ref, account.status, account.verification_code = user_ref, "pending", new_code()
    account.verified_at = account.verified_by_id = account.verified_how = None
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise _taken() from exc
    audit.record(trainee, "platform_account.linked", account, before=before,
                 after={"platform_id": platform_id, "user_ref": user_ref, "status": "pending"})
    return account, created


def accounts_of(trainee) -> dict[int, PlatformAccount]:
    return {a.platform_id: a for a in db.session.scalars(
        select(PlatformAccount).where(PlatformAccount.trainee_id == trainee.id))}


def get_account(account_id: int) -> PlatformAccount:
    account = db.session.get(PlatformAccount, account_id)
    if account is None:
        raise NotFound(_("No such platform account."))
    return account


def can_verify(user, account: PlatformAccount) -> bool:
    """Officers (their region is checked by verify_by_staff); instructors of a course the
    trainee is enrolled in that has a live session on the account's platform (another
    instructor cannot vouch for a stranger)."""
    if user.role in ("officer", "admin"):
        return True
    if user.role != "instructor":
        return False
    return db.session.scalar(
        select(LiveSession.id)
        .join(CourseInstructor, CourseInstructor.course_id == LiveSession.course_id)
        .join(Enrolment, Enrolment.course_id == LiveSession.course_id)
        .where(CourseInstructor.user_id == user.id, LiveSession.platform_id == account.platform_id,
               Enrolment.trainee_id == account.trainee_id).limit(1)) is not None


def mark_verified(account: PlatformAccount, how: str, actor=None,
                  now: datetime | None = None) -> bool:
    """Verify `account` (idempotent) and credit its events received so far. Returns whether
    it changed."""
    if account.status == "verified":
        return False
    account.status, account.verified_how = "verified", how
    account.verified_at = now or now_utc()
    account.verified_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "platform_account.verified", account,
                 before={"status": "pending"},
                 after={"status": "verified", "how": how, "user_ref": account.user_ref})
    claim_events(account)
    return True


def claim_events(account: PlatformAccount) -> None:
    """Attach the verified account's unclaimed events to its trainee; closed sessions they
    belong to get their stored results recomputed."""
    from attendance.live import store_results  # live imports this module

    where = (LiveEvent.platform_id == account.platform_id,
             LiveEvent.user_ref == account.user_ref, LiveEvent.trainee_id.is_(None))
    session_ids = set(db.session.scalars(select(LiveEvent.session_id).distinct().where(
        *where, LiveEvent.session_id.is_not(None))))
    db.session.execute(update(LiveEvent).where(*where).values(trainee_id=account.trainee_id)
                       .execution_options(synchronize_session=False))
    for session in db.session.scalars(select(LiveSession).where(
            LiveSession.id.in_(session_ids), LiveSession.closed_at.is_not(None))):
        store_results(session, [account.trainee_id])


def verify_by_staff(user, account: PlatformAccount) -> PlatformAccount:
    """403 `region_forbidden` for an officer outside the trainee's home region, as everywhere
    officers act on a trainee."""
    scope.require(user, scope.trainee_region(db.session.get(User, account.trainee_id)))
    if not can_verify(user, account):
        raise Forbidden(_("Only an officer or an instructor of this trainee's live course may "
                          "verify this account."))
    mark_verified(account, "staff", user)
    return account


def verify_by_code(platform_id: int, events: list[dict]) -> dict[str, int]:
    """Pending accounts of `platform_id` proven by events carrying their code in `user_name`
    or `text`; verifies them and returns {user_ref: trainee_id} for those."""
    refs = {e["user_ref"] for e in events if e.get("user_name") or e.get("text")}
    if not refs:
        return {}
    pending = {a.user_ref: a for a in db.session.scalars(select(PlatformAccount).where(
        PlatformAccount.platform_id == platform_id, PlatformAccount.status == "pending",
        PlatformAccount.user_ref.in_(refs)))}
    proven = {}
    for event in events:
        account = pending.get(event["user_ref"])
        if account is None or not account.verification_code:
            continue
        said = f"{event.get('user_name') or ''} {event.get('text') or ''}".upper()
        if account.verification_code.upper() in said:
            mark_verified(account, "code")
            proven[account.user_ref] = account.trainee_id
    return proven


def verify_by_platform(platform_id: int, items: list[dict]) -> dict:
    """The platform's signed word: each item `{"user_ref", "verification_code"}` verifies the
    pending account with that id and code."""
    verified, unknown = [], []
    for item in items:
        account = db.session.scalar(select(PlatformAccount).where(
            PlatformAccount.platform_id == platform_id,
            PlatformAccount.user_ref == item["user_ref"]))
        if account is None or (account.status == "pending" and not secrets.compare_digest(
                (account.verification_code or "").upper(),
                item["verification_code"].strip().upper())):
            unknown.append(item["user_ref"])
            continue
        mark_verified(account, "platform")
        verified.append(item["user_ref"])
    return {"verified": verified, "unknown": unknown}


def verified_trainees(platform_id: int, refs: set[str]) -> dict[str, int]:
    """{user_ref: trainee_id} of the verified accounts among `refs` (how events find people)."""
    if not refs:
        return {}
    return dict(db.session.execute(select(PlatformAccount.user_ref, PlatformAccount.trainee_id)
                                   .where(PlatformAccount.platform_id == platform_id,
                                          PlatformAccount.status == "verified",
                                          PlatformAccount.user_ref.in_(refs))).all())


# --- the instructor's viewers page -------------------------------------------------------------

def _similar(a: str, b: str) -> float:
    a, b = (a or "").strip().casefold(), (b or "").strip().casefold()
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def session_viewers(session: LiveSession, limit: int = 200) -> list[dict]:
    """Viewers of a platform session whose events credit nobody yet (no link, or a pending
    link), each with up to three suggested enrolled trainees: name similarity, the phone's
    last four digits in the display name, first seen."""
    if session.platform_id is None:
        return []
    rows = db.session.execute(
        select(LiveEvent.user_ref, func.max(LiveEvent.user_name), func.min(LiveEvent.at),
               func.max(LiveEvent.at), func.count())
        .where(LiveEvent.session_id == session.id, LiveEvent.trainee_id.is_(None),
               LiveEvent.source == "webhook")
        .group_by(LiveEvent.user_ref).order_by(func.min(LiveEvent.at)).limit(limit)).all()
    if not rows:
        return []
    from accounts.models import User

    accounts = {a.user_ref: a for a in db.session.scalars(select(PlatformAccount).where(
        PlatformAccount.platform_id == session.platform_id,
        PlatformAccount.user_ref.in_([r[0] for r in rows])))}
    linked = set(db.session.scalars(select(PlatformAccount.trainee_id).where(
        PlatformAccount.platform_id == session.platform_id,
        PlatformAccount.status == "verified")))
    enrolled = db.session.execute(select(User.id, User.name, User.phone).join(
        Enrolment, Enrolment.trainee_id == User.id).where(
        Enrolment.course_id == session.course_id, on_roll(Enrolment.status))).all()
    names = {t.id: t.name for t in enrolled}
    out = []
    for user_ref, user_name, first, last, events in rows:
        account = accounts.get(user_ref)
        shown = f"{user_name or ''} {user_ref}"
        scored = []
        for trainee in enrolled:
            if trainee.id in linked:
                continue
            reasons, score = [], _similar(user_name or "", trainee.name)
            if score >= 0.5:
                reasons.append("name")
            tail = (trainee.phone or "")[-4:]
            if len(tail) == 4 and tail in shown:
                score += 1.0
                reasons.append("phone")
            if reasons:
                scored.append((score, trainee.id, reasons))
        scored.sort(key=lambda s: (-s[0], s[1]))
        out.append({
            "user_ref": user_ref, "user_name": user_name, "first_seen": first,
            "last_seen": last, "events": events,
            "status": account.status if account else "unlinked",
            "account_id": account.id if account else None,
            "trainee": ({"id": account.trainee_id, "name": names.get(account.trainee_id)
                         or db.session.get(User, account.trainee_id).name}
                        if account else None),
            "suggestions": [{"trainee_id": tid, "name": names[tid], "reasons": why}
                            for _s, tid, why in scored[:3]]})
    return out


def assign_viewer(user, session: LiveSession, user_ref: str, trainee_id: int) -> PlatformAccount:
    """Staff link a session's viewer to an enrolled trainee, verified at once (audited)."""
    from attendance.live import require_viewer

    require_viewer(session, user)
    if session.platform_id is None:
        raise Conflict(_("This session has no platform."), code="no_platform")
    enrolled = db.session.scalar(select(Enrolment.id).where(
        Enrolment.course_id == session.course_id, Enrolment.trainee_id == trainee_id,
        on_roll(Enrolment.status)))
    if not enrolled:
        raise Invalid(_("Some fields are invalid."), fields={"trainee_id": [_(
            "Choose a trainee enrolled in this course.")]})
    seen = db.session.scalar(select(LiveEvent.id).where(
        LiveEvent.session_id == session.id, LiveEvent.user_ref == user_ref).limit(1))
    if seen is None:
        raise NotFound(_("No such viewer in this session."))
    from accounts.models import User

    trainee = db.session.get(User, trainee_id)
    squatter = db.session.scalar(select(PlatformAccount).where(
        PlatformAccount.platform_id == session.platform_id, PlatformAccount.user_ref == user_ref,
        PlatformAccount.trainee_id != trainee_id))
    if squatter is not None and squatter.status == "verified":
        raise _taken()
    if squatter is not None:  # an unproven claim on someone else's id gives way to staff
        audit.record(user, "platform_account.unlinked", squatter, before={
            "trainee_id": squatter.trainee_id, "user_ref": user_ref, "status": "pending"})
        db.session.delete(squatter)
        db.session.flush()
    account, _created = link_account(trainee, session.platform_id, user_ref)
    audit.record(user, "platform_account.assigned", account,
                 after={"session_id": session.id, "user_ref": user_ref, "trainee_id": trainee_id})
    mark_verified(account, "staff", user)
    return account
