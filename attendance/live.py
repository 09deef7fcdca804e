"""Live sessions: scheduling, browser heartbeats, closing. Webhook ingest lives in
attendance/ingest.py."""

from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, insert, select, update

from accounts import scope
from attendance import intervals, summary_store
from attendance.models import (
    LIVE_KINDS,
    LiveAttendance,
    LiveEvent,
    LiveSession,
)
from attendance.service import live_results
from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.timeutil import now_utc
from courses.lifecycle import on_roll
from courses.models import Course, Enrolment, Platform
from courses.service import require_instructor

# Events this long before a session starts or after it ends still belong to it (early joiners,
# a platform that reports the leave late); they are clipped to the session window anyway.
MATCH_MARGIN = timedelta(minutes=30)


# --- scheduling ---------------------------------------------------------------------------

def schedule_session(user, course: Course, data: dict) -> LiveSession:
    """A live session of `course` (instructors of the course only)."""
    require_instructor(course, user)
    errors: dict[str, list[str]] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("A title is required.")]
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts and ends and ends <= starts:
        errors["ends_at"] = [_("The session must end after it starts.")]
    elif starts and ends and ends - starts > timedelta(hours=12):
        errors["ends_at"] = [_("A live session lasts at most 12 hours.")]
    if data.get("kind", "lecture") not in LIVE_KINDS:
        errors["kind"] = [_("Unknown kind.")]
    platform_id, room = data.get("platform_id"), (data.get("room") or "").strip() or None
    if platform_id is not None and db.session.get(Platform, platform_id) is None:
        errors["platform_id"] = [_("Unknown platform.")]
    if platform_id is not None and not room:
        errors["room"] = [_("Give the platform's room id.")]
    url = data.get("stream_url") or None
    if url and not url.startswith(("https://", "http://")):
        errors["stream_url"] = [_("Links must start with https://.")]
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    if platform_id is not None and db.session.scalar(select(LiveSession.id).where(
            LiveSession.platform_id == platform_id, LiveSession.room == room,
            LiveSession.starts_at < ends + MATCH_MARGIN,
            LiveSession.ends_at > starts - MATCH_MARGIN)):
        raise Conflict(_("Another session uses this room at that time."), code="room_busy")
    session = LiveSession(course_id=course.id, title=title, kind=data.get("kind", "lecture"),
                          platform_id=platform_id, room=room, stream_url=url, starts_at=starts,
                          ends_at=ends, created_by_id=user.id)
    db.session.add(session)
    db.session.flush()
    audit.record(user, "live_session.created", session, after={
        "course_id": course.id, "title": title, "kind": session.kind, "starts_at": starts,
        "ends_at": ends, "platform_id": platform_id, "room": room})
    if platform_id is not None:  # events that arrived before the session was scheduled
        db.session.execute(update(LiveEvent).where(
            LiveEvent.platform_id == platform_id, LiveEvent.room == room,
            LiveEvent.session_id.is_(None), LiveEvent.at >= starts - MATCH_MARGIN,
            LiveEvent.at <= ends + MATCH_MARGIN).values(session_id=session.id))
    return session


def get_platform(platform_id: int) -> Platform:
    platform = db.session.get(Platform, platform_id) if 0 < platform_id < 2**31 else None
    if platform is None:
        raise NotFound(_("No such platform."))
    return platform


def get_session(session_id: int) -> LiveSession:
    session = db.session.get(LiveSession, session_id)
    if session is None:
        raise NotFound(_("No such live session."))
    return session


def require_viewer(session_or_course, user) -> None:
    """Instructors of the course and officers see sheets; enrolled trainees their own rows."""
    course = getattr(session_or_course, "course", session_or_course)
    if user.role == "officer":
        scope.require(user, course.region_code)  # region-limited officers: their courses only
        return
    if user.role == "admin" or (user.role == "instructor" and course.is_instructor(user)):
        return
    raise Forbidden(_("Only the course's instructors and officers may see this."))


def upcoming_for_trainee(trainee, now: datetime | None = None, limit: int = 20):
    now = now or now_utc()
    return db.session.scalars(
        select(LiveSession).join(Enrolment, and_(Enrolment.course_id == LiveSession.course_id,
                                                 Enrolment.trainee_id == trainee.id))
        .where(LiveSession.ends_at > now, on_roll(Enrolment.status))
        .order_by(LiveSession.starts_at).limit(limit)).all()


# --- browser heartbeats -------------------------------------------------------------------------

def browser_heartbeat(trainee, session: LiveSession, client: str | None,
                      now: datetime | None = None) -> dict:
    """The session page's heartbeat: presence evidence timed by the server, not the browser."""
    now = now or now_utc()
    enrolled = db.session.scalar(select(Enrolment.id).where(
        Enrolment.course_id == session.course_id, Enrolment.trainee_id == trainee.id,
        on_roll(Enrolment.status)))
    if not enrolled:
        raise Forbidden(_("You are not enrolled in this course."), code="not_enrolled")
    if not (session.starts_at - MATCH_MARGIN <= now <= session.ends_at):
        raise Conflict(_("This session is not live now."), code="session_not_live")
    db.session.add(LiveEvent(source="browser", type="heartbeat", at=now, received_at=now,
                             session_id=session.id, trainee_id=trainee.id,
                             device=(client or "")[:64] or None, platform_id=None))
    db.session.flush()
    result = live_results([session], [trainee.id], now).get((session.id, trainee.id))
    return {"attended_minutes": (result["seconds"] if result else 0) // 60,
            "session_minutes": session.minutes, "state": session.state(now)}


# --- closing sessions ---------------------------------------------------------------------------

def _status(seconds: int, session: LiveSession) -> str:
    if seconds <= 0:
        return "absent"
    return "present" if seconds >= 0.8 * (session.ends_at - session.starts_at).total_seconds() \
        else "partial"


def store_results(session: LiveSession, trainee_ids: list[int] | None = None) -> dict:
    results = live_results([session], trainee_ids, max(now_utc(), session.ends_at))
    if trainee_ids is None:
        trainee_ids = sorted(set(db.session.scalars(select(Enrolment.trainee_id).where(
            Enrolment.course_id == session.course_id, on_roll(Enrolment.status))))
            | {t for (_s, t) in results})
    counts = dict.fromkeys(("present", "partial", "absent"), 0)
    flags = signals(session, results)
    now, rows = now_utc(), []
    for trainee_id in trainee_ids:
        result = results.get((session.id, trainee_id))
        seconds = result["seconds"] if result else 0
        spans = result["spans"] if result else []
        status = _status(seconds, session)
        counts[status] += 1
        rows.append({
            "session_id": session.id, "trainee_id": trainee_id, "seconds": seconds,
            "status": status, "flags": flags.get(trainee_id, []), "computed_at": now,
            "first_seen": datetime.fromtimestamp(spans[0][0], UTC) if spans else None,
            "last_seen": datetime.fromtimestamp(spans[-1][1], UTC) if spans else None})
    # Replace the rows in bulk (thousands of viewers): no ORM objects, no row-by-row upsert.
    for start in range(0, len(trainee_ids), 5000):
        db.session.execute(delete(LiveAttendance).where(
            LiveAttendance.session_id == session.id,
            LiveAttendance.trainee_id.in_(trainee_ids[start:start + 5000]))
            .execution_options(synchronize_session=False))
    if rows:
        db.session.execute(insert(LiveAttendance.__table__), rows)
    if session.closed_at is not None:  # closed sessions' results are in the stored summary
        summary_store.refresh(session.course_id, trainee_ids, ["live"])
    return counts


def signals(session: LiveSession, results: dict) -> dict[int, list[str]]:
    """What an officer would want to look at, per trainee of `results` (live_results of the
    session): present in another live session at the same time, browser heartbeats from two
    networks at once, machine-regular heartbeats. Two queries whatever the audience size."""
    trainee_ids = [t for (s, t) in results if s == session.id]
    elsewhere: dict[int, list] = {}
    if trainee_ids:
        others = db.session.scalars(select(LiveSession).where(
            LiveSession.id != session.id, LiveSession.starts_at < session.ends_at,
            LiveSession.ends_at > session.starts_at)).all()
        for (_s, trainee_id), result in live_results(others, trainee_ids,
                                                     session.ends_at).items():
            elsewhere.setdefault(trainee_id, []).extend(result["spans"])
    flags = {}
    for trainee_id in trainee_ids:
        result = results[(session.id, trainee_id)]
        found = []
        if result["regular"]:
            found.append("machine_regular")
        if result["two_networks"] or intervals.overlap(result["spans"],
                                                       elsewhere.get(trainee_id, [])) > 60:
            found.append("two_places")
        flags[trainee_id] = found
    return flags


def close_session(session: LiveSession, actor=None) -> dict:
    """End open intervals at the session end and mark absentees (idempotent)."""
    first = session.closed_at is None
    session.closed_at = now_utc()  # first: store_results then moves it into the summaries
    counts = store_results(session)
    if first:
        audit.record(actor, "live_session.closed", session, after=counts)
    return counts


def close_due_sessions(now: datetime | None = None) -> int:
    now = now or now_utc()
    due = db.session.scalars(select(LiveSession).where(LiveSession.ends_at <= now,
                                                       LiveSession.closed_at.is_(None))).all()
    for session in due:
        close_session(session)
    return len(due)


def unmatched_groups(limit: int = 200, viewer=None):
    """Unmatched events grouped by platform, room and user_ref, for an officer to reconcile.
    A region-limited officer sees those of their regions' sessions, and the rooms no session
    claims yet (their region is unknown until one is scheduled)."""
    stmt = (select(LiveEvent.platform_id, LiveEvent.room, LiveEvent.user_ref,
                   func.count().label("events"), func.min(LiveEvent.at).label("first"),
                   func.max(LiveEvent.at).label("last"),
                   func.max(LiveEvent.session_id).label("session_id"),
                   func.max(LiveEvent.trainee_id).label("trainee_id"))
            .where((LiveEvent.session_id.is_(None)) | (LiveEvent.trainee_id.is_(None)))
            .group_by(LiveEvent.platform_id, LiveEvent.room, LiveEvent.user_ref)
            .order_by(func.max(LiveEvent.at).desc()).limit(limit))
    inside = scope.clause(viewer, Course.region_code)
    if inside is not None:
        stmt = stmt.where(LiveEvent.session_id.is_(None) | LiveEvent.session_id.in_(
            select(LiveSession.id).join(Course, Course.id == LiveSession.course_id)
            .where(inside)))
    return db.session.execute(stmt).all()
