"""Attendance spread per course for the reports, from the attendance feature's records.

Per trainee and course: credited lesson seconds (never more than the lesson), offline
check-in time clipped to the class hours, and closed live sessions' results (LiveAttendance,
computed from the live events when a session is closed: `flask live close` or the instructor).
Sessions not closed yet are left out until then, which keeps the report a few indexed
aggregates instead of replaying every live event. Trainees enrolled without any record fall
in the lowest band.
"""

from sqlalchemy import Float, String, and_, case, cast, func, literal, select, union_all

from attendance.models import (
    LessonProgress,
    LiveAttendance,
    LiveSession,
    OfflineCheckin,
    OfflineSession,
)
from core.extensions import db
from courses.models import Course, Enrolment, Lesson
from reports.sources import group_key, ids_clause

BANDS = ((0.2, "0-20"), (0.4, "20-40"), (0.6, "40-60"), (0.8, "60-80"), (None, "80-100"))


def _epoch(column):
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", column)
    return (func.julianday(column) - 2440587.5) * 86400.0


def _least(a, b):
    return func.least(a, b) if db.engine.dialect.name == "postgresql" else func.min(a, b)


def _greatest(a, b):
    return func.greatest(a, b) if db.engine.dialect.name == "postgresql" else func.max(a, b)


def seconds_by_trainee(course_ids: list[int]):
    """A select of (course_id, trainee_id, seconds) summed over the three sources."""
    lesson_cap = Lesson.duration_minutes * 60
    lessons = (select(Lesson.course_id.label("course_id"),
                      LessonProgress.trainee_id.label("trainee_id"),
                      case((LessonProgress.watched_seconds < lesson_cap,
                            LessonProgress.watched_seconds), else_=lesson_cap).label("seconds"))
               .join(Lesson, Lesson.id == LessonProgress.lesson_id)
               .where(ids_clause(Lesson.course_id, course_ids)))
    start = _greatest(_epoch(OfflineCheckin.checked_in_at), _epoch(OfflineSession.starts_at))
    end = _least(_epoch(OfflineCheckin.checked_out_at), _epoch(OfflineSession.ends_at))
    offline = (select(OfflineSession.course_id, OfflineCheckin.trainee_id,
                      case((end > start, end - start), else_=literal(0)))
               .join(OfflineSession, OfflineSession.id == OfflineCheckin.session_id)
               .where(ids_clause(OfflineSession.course_id, course_ids),
                      OfflineCheckin.checked_in_at.is_not(None),
                      OfflineCheckin.checked_out_at.is_not(None)))
    live = (select(LiveSession.course_id, LiveAttendance.trainee_id, LiveAttendance.seconds)
            .join(LiveSession, LiveSession.id == LiveAttendance.session_id)
            .where(ids_clause(LiveSession.course_id, course_ids)))
    rows = union_all(lessons, offline, live).subquery()
    return (select(rows.c.course_id, rows.c.trainee_id, func.sum(rows.c.seconds).label("seconds"))
            .group_by(rows.c.course_id, rows.c.trainee_id))


def _band(ratio):
    """The band's name of a share of the required hours (SQL)."""
    edges = [(ratio < literal(limit, Float), name) for limit, name in BANDS if limit is not None]
    return case(*edges, else_=literal(BANDS[-1][1]))


def distribution(course_ids: list[int]) -> dict[int, dict]:
    """{course_id: {"0-20": n, ..., "80-100": n}} over the course's enrolled trainees.

    Counted in the database, in one statement of two parts: the trainees with attendance
    records per course and band, and everyone enrolled per course; those without records
    make up the rest of the lowest band. (Fetching every enrolment and every total to band
    them here was most of the full CSV export's time; joining every enrolment to the totals
    made SQLite look up 140,000 rows one by one.)"""
    totals = seconds_by_trainee(course_ids).subquery()
    # Cast after summing, then divide as floats, so a band edge falls where a float division
    # puts it (SQLite would divide integers; PostgreSQL sums the offline epochs as numeric).
    seconds = func.coalesce(cast(totals.c.seconds, Float), literal(0.0, Float))
    band = _band(seconds / (Course.required_hours * 3600)).label("band")
    with_records = (select(totals.c.course_id, band, func.count())
                    .join(Enrolment, and_(Enrolment.course_id == totals.c.course_id,
                                          Enrolment.trainee_id == totals.c.trainee_id))
                    .join(Course, Course.id == totals.c.course_id)
                    .where(Enrolment.status != "withdrawn")
                    .group_by(totals.c.course_id, band))
    course_id = group_key(Enrolment.course_id)
    enrolled = (select(course_id, literal(None, String), func.count())
                .where(ids_clause(Enrolment.course_id, course_ids),
                       Enrolment.status != "withdrawn")
                .group_by(course_id))
    lowest = BANDS[0][1]
    result = {c: dict.fromkeys((name for _limit, name in BANDS), 0) for c in course_ids}
    without_records = {}
    for course_id, name, n in db.session.connection().execute(union_all(with_records,
                                                                        enrolled)):
        if course_id not in result:
            continue
        if name is None:
            without_records[course_id] = without_records.get(course_id, 0) + n
        else:
            result[course_id][name] += n
            without_records[course_id] = without_records.get(course_id, 0) - n
    for course_id, n in without_records.items():
        result[course_id][lowest] += n
    return result
