"""The stored attendance summary: seconds per source for each (trainee, course), written in
the transaction that records the evidence, so the exam gate reads one row instead of
recomputing every lesson, check-in and live event (`service.summary` stays the reference).

What a row holds, and who keeps it:
- lesson: the sum over the course's lessons of watched seconds capped at the lesson's
  duration (`service.lesson_seconds`). A heartbeat adds its delta with one atomic
  `UPDATE ... SET lesson_seconds = lesson_seconds + :delta`; a changed lesson duration
  recomputes the part for the lesson's trainees.
- offline: the sum of check-in time clipped to the class hours (`service.checkin_seconds`),
  recomputed for the trainee on every check-in, check-out, undo and correction.
- live: the sum of the course's *closed* sessions' results (`live_attendance`, computed from
  the raw events when a session is closed, when a late batch arrives for it and when an
  account link re-credits its events), recomputed for the affected trainees in bulk. Open
  sessions are not stored: `read` adds them from their raw events (a course has few open).

A missing row means "not computed yet" (the migration creates the table empty): the first
read or write computes it from the evidence and stores it; `flask attendance
rebuild-summaries` fills or repairs every row.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from attendance import service
from attendance.models import (
    AttendanceSummary,
    LessonProgress,
    LiveAttendance,
    LiveSession,
    OfflineCheckin,
    OfflineSession,
)
from core.extensions import db
from core.models import conflict_insert
from core.timeutil import now_utc
from courses.models import Course, Lesson

PARTS = {"lesson": "lesson_seconds", "offline": "offline_seconds", "live": "live_seconds"}
CHUNK = 5000
T = AttendanceSummary.__table__


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


# --- computing parts from the evidence -----------------------------------------------------

def lesson_part(course_id: int, trainee_ids: list[int] | None) -> dict[int, int]:
    """Per trainee: credited lesson seconds in the course (capped per lesson)."""
    stmt = (select(LessonProgress.trainee_id, func.sum(func.min(
                LessonProgress.watched_seconds, Lesson.duration_minutes * 60)
                if db.engine.dialect.name == "sqlite" else func.least(
                LessonProgress.watched_seconds, Lesson.duration_minutes * 60)))
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(Lesson.course_id == course_id).group_by(LessonProgress.trainee_id))
    return _grouped(stmt, LessonProgress.trainee_id, trainee_ids)


def offline_part(course_id: int, trainee_ids: list[int] | None) -> dict[int, int]:
    """Per trainee: check-in seconds inside the class hours, summed over the course's classes
    (computed in Python per check-in, exactly as `service.checkin_seconds` rounds)."""
    stmt = (select(OfflineCheckin, OfflineSession)
            .join(OfflineSession, OfflineSession.id == OfflineCheckin.session_id)
            .where(OfflineSession.course_id == course_id,
                   OfflineCheckin.checked_in_at.is_not(None),
                   OfflineCheckin.checked_out_at.is_not(None)))
    out: dict[int, int] = {}
    for ids in ([None] if trainee_ids is None else _chunks(trainee_ids)):
        chunk = stmt if ids is None else stmt.where(OfflineCheckin.trainee_id.in_(ids))
        for checkin, session in db.session.execute(chunk):
            out[checkin.trainee_id] = out.get(checkin.trainee_id, 0) + \
                service.checkin_seconds(checkin, session)
    return out


def live_part(course_id: int, trainee_ids: list[int] | None) -> dict[int, int]:
    """Per trainee: seconds of the course's closed live sessions (their stored results)."""
    stmt = (select(LiveAttendance.trainee_id, func.sum(LiveAttendance.seconds))
            .join(LiveSession, LiveSession.id == LiveAttendance.session_id)
            .where(LiveSession.course_id == course_id, LiveSession.closed_at.is_not(None))
            .group_by(LiveAttendance.trainee_id))
    return _grouped(stmt, LiveAttendance.trainee_id, trainee_ids)


def _grouped(stmt, column, trainee_ids: list[int] | None) -> dict[int, int]:
    if trainee_ids is None:
        return {t: int(s or 0) for t, s in db.session.execute(stmt)}
    out = {}
    for ids in _chunks(trainee_ids):
        out.update({t: int(s or 0) for t, s in db.session.execute(stmt.where(column.in_(ids)))})
    return out


PART_FUNCTIONS = {"lesson": lesson_part, "offline": offline_part, "live": live_part}


def computed(course_id: int, trainee_ids: list[int] | None) -> dict[int, dict[str, int]]:
    """Per trainee: every stored part computed from the evidence (three queries)."""
    parts = {name: fn(course_id, trainee_ids) for name, fn in PART_FUNCTIONS.items()}
    ids = set(trainee_ids) if trainee_ids is not None else set().union(*parts.values())
    return {t: {name: parts[name].get(t, 0) for name in PARTS} for t in ids}


# --- writing ---------------------------------------------------------------------------------

def _existing(course_id: int, trainee_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for ids in _chunks(trainee_ids):
        found.update(db.session.scalars(select(T.c.trainee_id).where(
            T.c.course_id == course_id, T.c.trainee_id.in_(ids))))
    return found


def _insert_missing(course_id: int, trainee_ids: list[int], now: datetime,
                    overwrite: tuple[str, ...] = ()) -> None:
    """Rows computed from the evidence for `trainee_ids`; a row a parallel transaction made
    first is kept (its `overwrite` parts are set from ours)."""
    if not trainee_ids:
        return
    rows = [{"trainee_id": t, "course_id": course_id, "updated_at": now,
             **{PARTS[p]: v for p, v in parts.items()}}
            for t, parts in computed(course_id, trainee_ids).items()]
    stmt = conflict_insert(T)
    if overwrite:
        stmt = stmt.on_conflict_do_update(
            index_elements=["trainee_id", "course_id"],
            set_={PARTS[p]: getattr(stmt.excluded, PARTS[p]) for p in overwrite}
            | {"updated_at": stmt.excluded.updated_at})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["trainee_id", "course_id"])
    for start in range(0, len(rows), 1000):
        db.session.execute(stmt, rows[start:start + 1000])


def add_lesson_seconds(trainee_id: int, course_id: int, delta: int,
                       now: datetime | None = None) -> None:
    """Add a heartbeat's credited seconds. Call it *before* the lesson progress changes: a
    missing row is computed from the evidence as it was, then the delta is added to it."""
    if delta == 0:
        return
    now = now or now_utc()
    stmt = (update(T).where(T.c.trainee_id == trainee_id, T.c.course_id == course_id)
            .values(lesson_seconds=T.c.lesson_seconds + delta, updated_at=now))
    if db.session.execute(stmt).rowcount == 0:
        _insert_missing(course_id, [trainee_id], now)
        db.session.execute(stmt)


def refresh(course_id: int, trainee_ids: Iterable[int], parts: Iterable[str],
            now: datetime | None = None) -> None:
    """Recompute `parts` of the trainees' rows from the evidence as it is now (after it
    changed); missing rows are computed whole."""
    trainee_ids = sorted(set(trainee_ids))
    parts = tuple(parts)
    if not trainee_ids or not parts:
        return
    now = now or now_utc()
    existing = _existing(course_id, trainee_ids)
    present = [t for t in trainee_ids if t in existing]
    if present:
        values = {p: PART_FUNCTIONS[p](course_id, present) for p in parts}
        stmt = (update(T).where(T.c.trainee_id == bindparam("b_trainee"),
                                T.c.course_id == course_id)
                .values(updated_at=now, **{PARTS[p]: bindparam(f"b_{p}") for p in parts}))
        db.session.connection().execute(stmt, [
            {"b_trainee": t, **{f"b_{p}": values[p].get(t, 0) for p in parts}}
            for t in present])
    _insert_missing(course_id, [t for t in trainee_ids if t not in existing], now,
                    overwrite=parts)


def lesson_changed(lesson: Lesson) -> None:
    """A lesson's duration changed: its cap moves for everyone who watched it."""
    trainee_ids = db.session.scalars(select(LessonProgress.trainee_id).where(
        LessonProgress.lesson_id == lesson.id)).all()
    refresh(lesson.course_id, trainee_ids, ["lesson"])


def rebuild(course_ids: Iterable[int] | None = None) -> dict:
    """Recompute every row (of `course_ids`, default all courses) from the evidence: rows for
    trainees with evidence or an existing row. Returns rows written and rows that changed."""
    if course_ids is None:
        course_ids = db.session.scalars(select(Course.id).order_by(Course.id)).all()
    now, written, changed = now_utc(), 0, 0
    for course_id in course_ids:
        stored = {r.trainee_id: r for r in db.session.execute(
            select(T).where(T.c.course_id == course_id))}
        fresh = computed(course_id, None)
        for trainee_id in stored:
            fresh.setdefault(trainee_id, dict.fromkeys(PARTS, 0))
        rows = []
        for trainee_id, parts in fresh.items():
            old = stored.get(trainee_id)
            if old is None or any(getattr(old, PARTS[p]) != v for p, v in parts.items()):
                changed += 1
            rows.append({"trainee_id": trainee_id, "course_id": course_id, "updated_at": now,
                         **{PARTS[p]: v for p, v in parts.items()}})
        stmt = conflict_insert(T)
        stmt = stmt.on_conflict_do_update(
            index_elements=["trainee_id", "course_id"],
            set_={c: getattr(stmt.excluded, c) for c in (*PARTS.values(), "updated_at")})
        for start in range(0, len(rows), 1000):
            db.session.execute(stmt, rows[start:start + 1000])
        written += len(rows)
    return {"courses": len(course_ids), "rows": written, "changed": changed}


# --- reading ---------------------------------------------------------------------------------

# The exam gate's read (every exam start), built once with bound values: the stored parts and
# whether the course has an open live session. Sessions not yet started count nothing; closed
# ones are in the row.
# Table columns, not the mapped class: plain SQL skips the ORM's compile and result layers.
_LIVE = LiveSession.__table__
_OPEN_LIVE = (_LIVE.c.course_id == bindparam("course"), _LIVE.c.closed_at.is_(None),
              _LIVE.c.starts_at < bindparam("now"))
_STORED = (select(*(T.c[column] for column in PARTS.values()),
                  select(_LIVE.c.id).where(*_OPEN_LIVE).exists().label("live_open"))
           .where(T.c.trainee_id == bindparam("trainee"), T.c.course_id == bindparam("course")))
_OPEN_SESSIONS = select(LiveSession).where(*_OPEN_LIVE)


def seconds(trainee_id: int, course: Course, now: datetime | None = None) -> dict[str, int]:
    """Seconds per source as `service.trainee_detail` counts them: the stored row (computed
    and stored when missing) plus the course's open live sessions from their raw events."""
    now = now or now_utc()
    keys = {"trainee": trainee_id, "course": course.id, "now": now}
    row = db.session.execute(_STORED, keys).first()
    if row is None:
        _insert_missing(course.id, [trainee_id], now)
        row = db.session.execute(_STORED, keys).first()
    out = {name: getattr(row, column) for name, column in PARTS.items()}
    if row.live_open:
        open_sessions = db.session.scalars(_OPEN_SESSIONS, keys).all()
        for (_s, _t), result in service.live_results(open_sessions, [trainee_id], now).items():
            out["live"] += result["seconds"]
    return out
