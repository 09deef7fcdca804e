"""Attendance summaries: minutes per source, the ratio and the exam gate.

`summary` and `trainee_detail` recompute the figures from the evidence (lesson progress,
check-ins, live events): the reference, for the attendance pages. `stored_summary` gives the
same figures from the row attendance.summary_store keeps up to date: for the exam gate.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from sqlalchemy import Float, case, func, select

from attendance import intervals
from attendance.models import LessonProgress, LiveEvent, LiveSession, OfflineCheckin, OfflineSession
from core.extensions import db
from core.timeutil import now_utc
from courses.models import Course, Lesson

SOURCES = ("lesson", "offline", "live")


def tolerance() -> float:
    return float(current_app.config["ATTENDANCE_PRESENCE_TOLERANCE_SECONDS"])


def _ts(value: datetime) -> float:
    return value.timestamp()


def live_results(sessions: Iterable[LiveSession], trainee_ids: Iterable[int] | None = None,
                 now: datetime | None = None) -> dict[tuple[int, int], dict]:
    """Per (session id, trainee id): attended seconds, the union of presence spans, first and
    last evidence and the devices seen. Unmatched events (no trainee) are left out."""
    sessions = {s.id: s for s in sessions}
    if not sessions:
        return {}
    now_ts = _ts(now or now_utc())
    if db.engine.dialect.name == "sqlite":
        def epoch(column):
            return func.cast((func.julianday(column) - 2440587.5) * 86400.0, Float)
    else:
        def epoch(column):
            return func.cast(func.extract("epoch", column), Float)
    # Epoch seconds computed by the database: no datetime objects for 100,000 rows.
    stmt = (select(LiveEvent.session_id, LiveEvent.trainee_id, epoch(LiveEvent.at),
                   LiveEvent.type, LiveEvent.source,
                   func.coalesce(LiveEvent.connection, LiveEvent.device), LiveEvent.id,
                   case((LiveEvent.source == "browser", epoch(LiveEvent.received_at))))
            .where(LiveEvent.session_id.in_(list(sessions)), LiveEvent.trainee_id.is_not(None)))
    if trainee_ids is not None:
        stmt = stmt.where(LiveEvent.trainee_id.in_(list(trainee_ids)))
    streams: dict[tuple[int, int], dict[tuple, list]] = defaultdict(lambda: defaultdict(list))
    browser_beats: dict[tuple[int, int], list[float]] = defaultdict(list)
    for session_id, trainee_id, at, kind, source, connection, row_id, received in \
            db.session.connection().execute(stmt):
        key = (session_id, trainee_id)
        # A platform stream without connection ids counts joins, so each event stays distinct.
        counted = source == "webhook" and connection is None
        streams[key][(source, connection)].append((at, kind, row_id) if counted else (at, kind))
        if received is not None and kind == "heartbeat":
            browser_beats[key].append(received)
    results = {}
    tol = tolerance()
    for key, devices in streams.items():
        session = sessions[key[0]]
        seconds, spans = intervals.attended_seconds(
            devices.values(), (_ts(session.starts_at), _ts(session.ends_at)), now_ts, tol,
            [name == ("webhook", None) for name in devices])
        browser = [intervals.presence(events, now_ts, tol) for name, events in devices.items()
                   if name[0] == "browser"]
        two = any(intervals.overlap(a, b) > 60 for i, a in enumerate(browser)
                  for b in browser[i + 1:])
        results[key] = {"seconds": seconds, "spans": spans, "devices": len(devices),
                        "regular": intervals.machine_regular(browser_beats.get(key, [])),
                        "two_networks": two}
    return results


def _course_live_sessions(course_id: int) -> list[LiveSession]:
    return db.session.scalars(select(LiveSession).where(LiveSession.course_id == course_id)
                              .order_by(LiveSession.starts_at)).all()


def _course_offline_sessions(course_id: int) -> list[OfflineSession]:
    return db.session.scalars(select(OfflineSession).where(OfflineSession.course_id == course_id)
                              .order_by(OfflineSession.starts_at)).all()


def checkin_seconds(checkin: OfflineCheckin, session: OfflineSession) -> int:
    """Time between check-in and check-out inside the class hours; 0 without a check-out."""
    if checkin.checked_in_at is None or checkin.checked_out_at is None:
        return 0
    spans = intervals.clip([(_ts(checkin.checked_in_at), _ts(checkin.checked_out_at))],
                           _ts(session.starts_at), _ts(session.ends_at))
    return int(intervals.total(spans))


def lesson_seconds(progress: LessonProgress, lesson: Lesson) -> int:
    return min(progress.watched_seconds, lesson.duration_minutes * 60)


def trainee_detail(trainee_id: int, course: Course, now: datetime | None = None) -> dict:
    """Everything the trainee's attendance page and API show: per-source seconds, one row per
    live or offline session, one per lesson."""
    now = now or now_utc()
    seconds = dict.fromkeys(SOURCES, 0)
    lessons = []
    progress = {p.lesson_id: p for p in db.session.scalars(
        select(LessonProgress).join(Lesson).where(
            Lesson.course_id == course.id, LessonProgress.trainee_id == trainee_id))}
    for lesson in course.lessons:
        row = progress.get(lesson.id)
        credited = lesson_seconds(row, lesson) if row else 0
        seconds["lesson"] += credited
        lessons.append({"lesson": lesson, "seconds": credited,
                        "completed": bool(row and row.completed_at),
                        "ratio": min(credited / (lesson.duration_minutes * 60), 1.0)
                        if lesson.duration_minutes else 0.0})
    sessions = []
    offline = _course_offline_sessions(course.id)
    checkins = {c.session_id: c for c in db.session.scalars(
        select(OfflineCheckin).where(OfflineCheckin.trainee_id == trainee_id,
                                     OfflineCheckin.session_id.in_([s.id for s in offline])))}
    for session in offline:
        checkin = checkins.get(session.id)
        credited = checkin_seconds(checkin, session) if checkin else 0
        seconds["offline"] += credited
        sessions.append({"kind": "offline", "session": session, "seconds": credited,
                         "checkin": checkin, "state": session.state(now)})
    live = _course_live_sessions(course.id)
    results = live_results(live, [trainee_id], now)
    for session in live:
        result = results.get((session.id, trainee_id))
        credited = result["seconds"] if result else 0
        seconds["live"] += credited
        sessions.append({"kind": "live", "session": session, "seconds": credited,
                         "state": session.state(now)})
    sessions.sort(key=lambda row: row["session"].starts_at)
    return {"seconds": seconds, "sessions": sessions, "lessons": lessons}


def figures(course: Course, seconds_by_source: dict) -> dict:
    """The summary shape from seconds per source (ratio on seconds, capped at 1)."""
    required = course.required_minutes
    attended = sum(seconds_by_source.values())
    ratio = min(attended / (required * 60), 1.0) if required else 0.0
    return {
        "required_minutes": required,
        "attended_minutes": attended // 60,
        "ratio": round(ratio, 4) if ratio < 1.0 else 1.0,
        "eligible_for_exam": ratio >= course.attendance_threshold,
        "threshold": course.attendance_threshold,
        "by_source": {k: seconds_by_source.get(k, 0) // 60 for k in SOURCES},
    }


def summary(trainee_id: int, course: Course) -> dict:
    """Required and attended minutes, ratio (0..1), exam eligibility and minutes by source."""
    return figures(course, trainee_detail(trainee_id, course)["seconds"])


def stored_summary(trainee_id: int, course: Course, now: datetime | None = None) -> dict:
    """`summary` from the stored row plus the course's open live sessions (a few queries
    whatever the trainee's history). A missing row is computed from the evidence and stored
    (the migration creates the table empty)."""
    from attendance import summary_store  # it builds on this module

    return figures(course, summary_store.seconds(trainee_id, course, now))
