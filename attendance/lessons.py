"""Recorded lessons: heartbeats credit watch time no faster than real time.

One clock per trainee (across lessons and tabs): a heartbeat earns at most the wall time since
the previous accepted heartbeat and at most the player's advance, so a paused, skipped-ahead or
sped-up player, a second tab or a replayed heartbeat earns nothing extra.
"""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from attendance.models import LessonProgress, LessonWatchClock
from attendance.service import summary
from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.timeutil import now_utc
from courses.models import Enrolment, Lesson

COMPLETE_AT = 0.9
KEEP_GAPS = 40


def get_lesson_for(trainee, lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.course.status != "published":
        raise NotFound(_("No such lesson."))
    enrolled = db.session.scalar(select(Enrolment.id).where(
        Enrolment.course_id == lesson.course_id, Enrolment.trainee_id == trainee.id,
        Enrolment.status == "active"))
    if not enrolled:
        raise Forbidden(_("Enrol in the course to watch its lessons."), code="not_enrolled")
    return lesson


def progress_for(trainee_id: int, lesson: Lesson) -> LessonProgress | None:
    return db.session.scalar(select(LessonProgress).where(
        LessonProgress.trainee_id == trainee_id, LessonProgress.lesson_id == lesson.id))


def _max_gap() -> float:
    # A beat later than this after the previous one starts afresh (tab closed, laptop asleep).
    return 2 * current_app.config["ATTENDANCE_HEARTBEAT_SECONDS"] + 5


def heartbeat(trainee, lesson: Lesson, position: float, now: datetime | None = None) -> dict:
    """Record a player heartbeat at media `position` (seconds); returns the credit it earned
    and the lesson's and course's progress."""
    now = now or now_utc()
    if lesson.kind != "video" or lesson.duration_minutes <= 0:
        raise Conflict(_("Only video lessons are credited by watching."), code="not_watchable")
    duration = lesson.duration_minutes * 60
    if not (0 <= position <= duration + 5):
        raise Invalid(_("Some fields are invalid."),
                      fields={"position": [_("The position is outside the lesson.")]})
    clock = db.session.get(LessonWatchClock, trainee.id)
    credit = 0
    if clock is None:
        clock = LessonWatchClock(trainee_id=trainee.id, lesson_id=lesson.id, last_beat_at=now,
                                 last_position=position, version=1, recent_gaps=[])
        db.session.add(clock)
        try:
            db.session.flush()
        except IntegrityError:  # a parallel tab made the clock first: this beat earns nothing
            db.session.rollback()
            return _result(trainee, lesson, 0)
    else:
        elapsed = (now - clock.last_beat_at).total_seconds()
        advance = position - clock.last_position
        beat_at, beat_position = now, position
        if clock.lesson_id == lesson.id and 0 < elapsed <= _max_gap() and advance > 0:
            credit = int(min(elapsed, advance))
            # The clock moves by whole credited seconds only: the fraction carries over to
            # the next beat instead of being lost (or rounded up into unearned time).
            beat_at = clock.last_beat_at + timedelta(seconds=credit)
            beat_position = clock.last_position + credit
        gaps = (list(clock.recent_gaps or []) + [round(elapsed, 4)])[-KEEP_GAPS:] \
            if 0 < elapsed <= _max_gap() else []
        # Compare-and-swap: of two tabs beating at once only one moves the clock and earns.
        moved = db.session.execute(
            update(LessonWatchClock)
            .where(LessonWatchClock.trainee_id == trainee.id,
                   LessonWatchClock.version == clock.version)
            .values(lesson_id=lesson.id, last_beat_at=beat_at, last_position=beat_position,
                    version=clock.version + 1, recent_gaps=gaps)
            .execution_options(synchronize_session=False)).rowcount
        db.session.expire(clock)
        if moved != 1:
            return _result(trainee, lesson, 0)
    progress = progress_for(trainee.id, lesson)
    if progress is None:
        progress = LessonProgress(lesson_id=lesson.id, trainee_id=trainee.id,
                                  watched_seconds=0, last_position=0.0)
        db.session.add(progress)
    progress.watched_seconds = min(progress.watched_seconds + credit, duration)
    progress.last_position = position
    progress.updated_at = now
    if progress.completed_at is None and progress.watched_seconds >= COMPLETE_AT * duration:
        progress.completed_at = now
        db.session.flush()
        audit.record(trainee, "lesson.completed", progress,
                     after={"lesson_id": lesson.id, "watched_seconds": progress.watched_seconds})
    db.session.flush()
    return _result(trainee, lesson, credit, progress)


def _result(trainee, lesson: Lesson, credit: int, progress: LessonProgress | None = None) -> dict:
    progress = progress or progress_for(trainee.id, lesson)
    watched = progress.watched_seconds if progress else 0
    duration = lesson.duration_minutes * 60
    return {"credited_seconds": credit, "watched_seconds": watched, "duration_seconds": duration,
            "ratio": min(watched / duration, 1.0) if duration else 0.0,
            "completed": bool(progress and progress.completed_at),
            "course": summary(trainee.id, lesson.course)}
