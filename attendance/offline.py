"""Offline classes: rotating check-in codes and corrections by the instructor."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from attendance import summary_store
from attendance.models import OfflineCheckin, OfflineSession
from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.timeutil import now_utc, to_local
from courses.lifecycle import on_roll
from courses.models import Course, Enrolment
from courses.service import require_instructor

CODE_SECONDS = 30
EARLY = timedelta(minutes=30)  # check-in opens this long before the class
LATE = timedelta(minutes=30)  # check-out stays open this long after it
UNDO = timedelta(minutes=5)  # a trainee may take back a mistaken check-out this long


def schedule(user, course: Course, data: dict) -> OfflineSession:
    require_instructor(course, user)
    errors: dict[str, list[str]] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("A title is required.")]
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts and ends and ends <= starts:
        errors["ends_at"] = [_("The session must end after it starts.")]
    elif starts and ends and ends - starts > timedelta(hours=12):
        errors["ends_at"] = [_("A class lasts at most 12 hours.")]
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    session = OfflineSession(course_id=course.id, title=title,
                             location=(data.get("location") or "").strip() or None,
                             starts_at=starts, ends_at=ends, code_key=secrets.token_hex(32),
                             created_by_id=user.id)
    db.session.add(session)
    db.session.flush()
    audit.record(user, "offline_session.created", session, after={
        "course_id": course.id, "title": title, "starts_at": starts, "ends_at": ends,
        "location": session.location})
    return session


def get_session(session_id: int) -> OfflineSession:
    session = db.session.get(OfflineSession, session_id)
    if session is None:
        raise NotFound(_("No such class."))
    return session


def code_at(session: OfflineSession, when: datetime) -> str:
    window = int(when.timestamp()) // CODE_SECONDS
    mac = hmac.new(session.code_key.encode(), f"{session.id}:{window}".encode(), hashlib.sha256)
    return f"{int(mac.hexdigest()[:12], 16) % 1_000_000:06d}"


def current_code(session: OfflineSession, now: datetime | None = None) -> dict:
    """The code shown on the instructor's screen now, and seconds until it changes."""
    now = now or now_utc()
    left = CODE_SECONDS - int(now.timestamp()) % CODE_SECONDS
    return {"code": code_at(session, now), "expires_in": left}


def code_valid(session: OfflineSession, code: str, now: datetime) -> bool:
    """The current code, or the previous one (someone typing as the screen changes)."""
    code = (code or "").strip()
    return any(hmac.compare_digest(code, code_at(session, now - timedelta(seconds=back)))
               for back in (0, CODE_SECONDS))


def check(trainee, session: OfflineSession, code: str, direction: str, client: str | None,
          now: datetime | None = None) -> OfflineCheckin:
    """Check in or out with the code on the instructor's screen."""
    now = now or now_utc()
    enrolled = db.session.scalar(select(Enrolment.id).where(
        Enrolment.course_id == session.course_id, Enrolment.trainee_id == trainee.id,
        on_roll(Enrolment.status)))
    if not enrolled:
        raise Forbidden(_("You are not enrolled in this course."), code="not_enrolled")
    if not (session.starts_at - EARLY <= now <= session.ends_at + LATE):
        raise Conflict(_("Check-in is open from 30 minutes before the class until 30 minutes "
                         "after it."), code="checkin_closed")
    if not code_valid(session, code, now):
        raise Invalid(_("That code is wrong or has expired: use the code on the screen now."),
                      code="invalid_code", fields={"code": [_("Wrong or expired code.")]})
    row = db.session.scalar(select(OfflineCheckin).where(
        OfflineCheckin.session_id == session.id, OfflineCheckin.trainee_id == trainee.id))
    if direction == "in":
        if row is not None and row.checked_in_at is not None:
            raise Conflict(_("Already checked in at %(t)s.", t=local_time(row.checked_in_at)),
                           code="already_checked_in")
        if now > session.ends_at:
            raise Conflict(_("The class is over: check-in is closed."), code="checkin_closed")
        row = row or OfflineCheckin(session_id=session.id, trainee_id=trainee.id)
        row.checked_in_at, row.in_client = now, (client or "")[:64] or None
    else:
        if row is None or row.checked_in_at is None:
            raise Conflict(_("Check in first."), code="not_checked_in")
        if row.checked_out_at is not None:
            raise Conflict(_("Already checked out at %(t)s.", t=local_time(row.checked_out_at)),
                           code="already_checked_out")
        row.checked_out_at, row.out_client = now, (client or "")[:64] or None
    row.updated_at = now
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a double tap: the twin request recorded it first
        db.session.rollback()
        raise Conflict(_("You have already checked in."), code="already_checked_in") from exc
    summary_store.refresh(session.course_id, [trainee.id], ["offline"])
    audit.record(trainee, f"offline.checked_{direction}", row,
                 after={"session_id": session.id, "at": now})
    return row


def local_time(value: datetime) -> str:
    return to_local(value).strftime("%H:%M")


def undo_checkout(trainee, session: OfflineSession, now: datetime | None = None) -> OfflineCheckin:
    """Take back the trainee's own check-out within five minutes (a mistaken tap); audited.
    Later, only the instructor corrects it."""
    now = now or now_utc()
    row = db.session.scalar(select(OfflineCheckin).where(
        OfflineCheckin.session_id == session.id, OfflineCheckin.trainee_id == trainee.id))
    if row is None or row.checked_out_at is None:
        raise Conflict(_("You have not checked out."), code="not_checked_out")
    if now - row.checked_out_at > UNDO or row.corrected_by_id is not None:
        raise Conflict(_("A check-out can be undone within 5 minutes; ask the instructor to "
                         "correct it."), code="undo_expired")
    before = {"checked_out_at": row.checked_out_at}
    row.checked_out_at, row.out_client, row.updated_at = None, None, now
    db.session.flush()
    summary_store.refresh(session.course_id, [trainee.id], ["offline"])
    audit.record(trainee, "offline.checkout_undone", row, before=before,
                 after={"checked_out_at": None, "session_id": session.id})
    return row


def can_undo(row: OfflineCheckin | None, now: datetime | None = None) -> bool:
    now = now or now_utc()
    return bool(row and row.checked_out_at and row.corrected_by_id is None
                and now - row.checked_out_at <= UNDO)


def correct(user, session: OfflineSession, trainee_id: int, checked_in_at, checked_out_at,
            reason: str) -> OfflineCheckin:
    """An instructor's correction (forgotten check-out, phone out of battery): reason required,
    audited with before and after."""
    require_instructor(session.course, user)
    reason = (reason or "").strip()
    errors = {}
    if len(reason) < 4:
        errors["reason"] = [_("Give the reason for the correction.")]
    if checked_in_at and checked_out_at and checked_out_at < checked_in_at:
        errors["checked_out_at"] = [_("Check-out cannot be before check-in.")]
    enrolled = db.session.scalar(select(Enrolment.id).where(
        Enrolment.course_id == session.course_id, Enrolment.trainee_id == trainee_id))
    if not enrolled:
        errors["trainee_id"] = [_("This trainee is not enrolled in the course.")]
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    row = db.session.scalar(select(OfflineCheckin).where(
        OfflineCheckin.session_id == session.id, OfflineCheckin.trainee_id == trainee_id))
    if row is None:
        row = OfflineCheckin(session_id=session.id, trainee_id=trainee_id)
        db.session.add(row)
    before = {"checked_in_at": row.checked_in_at, "checked_out_at": row.checked_out_at}
    row.checked_in_at, row.checked_out_at = checked_in_at, checked_out_at
    row.corrected_by_id, row.correction_reason, row.updated_at = user.id, reason, now_utc()
    db.session.flush()
    summary_store.refresh(session.course_id, [trainee_id], ["offline"])
    audit.record(user, "offline.corrected", row, before=before, after={
        "checked_in_at": checked_in_at, "checked_out_at": checked_out_at, "reason": reason})
    return row


def checkins(session: OfflineSession) -> dict[int, OfflineCheckin]:
    return {c.trainee_id: c for c in db.session.scalars(
        select(OfflineCheckin).where(OfflineCheckin.session_id == session.id))}
