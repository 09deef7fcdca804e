"""Attendance spread per course for the reports, from the attendance feature's records.

Per trainee and course: credited lesson seconds (never more than the lesson), offline
check-in time clipped to the class hours, and closed live sessions' results (LiveAttendance,
computed from the live events when a session is closed: `flask live close` or the instructor).
Sessions not closed yet are left out until then, which keeps the report a few indexed
aggregates instead of replaying every live event. Trainees enrolled without any record fall
in the lowest band.
"""

from sqlalchemy import case, func, literal, select, union_all

from attendance.models import (
    LessonProgress,
    LiveAttendance,
    LiveSession,
    OfflineCheckin,
    OfflineSession,
)
from core.extensions import db
from courses.models import Course, Enrolment, Lesson

BANDS = ((0.2, "0-20"), (0.4, "20-40"), (0.6, "40-60"), (0.8, "60-80"), (None, "80-100"))


def _epoch(column):
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", column)
    return (func.julianday(column) - 2440587.5) * 86400.0


def _least(a, b):
    return func.least(a, b) if db.engine.dialect.name == "postgresql" else func.min(a, b)


def _greatest(a, b):
    return func.greatest(a, b) if db.engine.dialect.name == "postgresql" else func.max(a, b)


WHOLE_TABLE = 500  # above this many courses, scanning everything beats a long IN list


def _of(column, course_ids: list[int]):
    return column.in_(course_ids) if len(course_ids) <= WHOLE_TABLE else column.is_not(None)


def seconds_by_trainee(course_ids: list[int]):
    """A select of (course_id, trainee_id, seconds) summed over the three sources."""
    lesson_cap = Lesson.duration_minutes * 60
    lessons = (select(Lesson.course_id.label("course_id"),
                      LessonProgress.trainee_id.label("trainee_id"),
                      case((LessonProgress.watched_seconds < lesson_cap,
                            LessonProgress.watched_seconds), else_=lesson_cap).label("seconds"))
               .join(Lesson, Lesson.id == LessonProgress.lesson_id)
               .where(_of(Lesson.course_id, course_ids)))
    start = _greatest(_epoch(OfflineCheckin.checked_in_at), _epoch(OfflineSession.starts_at))
    end = _least(_epoch(OfflineCheckin.checked_out_at), _epoch(OfflineSession.ends_at))
    offline = (select(OfflineSession.course_id, OfflineCheckin.trainee_id,
                      case((end > start, end - start), else_=literal(0)))
               .join(OfflineSession, OfflineSession.id == OfflineCheckin.session_id)
               .where(_of(OfflineSession.course_id, course_ids),
                      OfflineCheckin.checked_in_at.is_not(None),
                      OfflineCheckin.checked_out_at.is_not(None)))
    live = (select(LiveSession.course_id, LiveAttendance.trainee_id, LiveAttendance.seconds)
            .join(LiveSession, LiveSession.id == LiveAttendance.session_id)
            .where(_of(LiveSession.course_id, course_ids)))
    rows = union_all(lessons, offline, live).subquery()
    return (select(rows.c.course_id, rows.c.trainee_id, func.sum(rows.c.seconds))
            .group_by(rows.c.course_id, rows.c.trainee_id))


def band(ratio: float) -> str:
    for limit, name in BANDS:
        if limit is None or ratio < limit:
            return name
    return BANDS[-1][1]


def distribution(course_ids: list[int]) -> dict[int, dict]:
    """{course_id: {"0-20": n, ..., "80-100": n}} over the course's enrolled trainees."""
    required = dict(db.session.execute(select(Course.id, Course.required_hours)
                                       .where(_of(Course.id, course_ids))).all())
    enrolled = {(c, t) for c, t in db.session.execute(
        select(Enrolment.course_id, Enrolment.trainee_id).where(
            _of(Enrolment.course_id, course_ids), Enrolment.status != "withdrawn"))}
    result = {c: dict.fromkeys((name for _limit, name in BANDS), 0) for c in course_ids}
    seen = set()
    totals: dict[tuple[int, int], float] = {}
    for course_id, trainee_id, seconds in db.session.execute(seconds_by_trainee(course_ids)):
        totals[(course_id, trainee_id)] = float(seconds or 0)
    for (course_id, trainee_id), seconds in totals.items():
        if (course_id, trainee_id) not in enrolled or course_id not in result:
            continue
        seen.add((course_id, trainee_id))
        result[course_id][band(seconds / (required[course_id] * 3600))] += 1
    for course_id, _trainee_id in enrolled - seen:
        result[course_id][BANDS[0][1]] += 1
    return result
