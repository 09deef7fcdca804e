"""Recorded lessons: heartbeats credit watch time no faster than real time.

One clock per trainee (across lessons and tabs): a heartbeat earns the server time since the
previous accepted heartbeat only when that beat said playing in a visible page, at most the
player's continuous advance (attendance.study_rules), within the policy's daily cap, idle
cut-off and attention checks. A paused, hidden, skipped-ahead or sped-up player, a second tab
or a replayed heartbeat earns nothing.
"""

import hmac
import random
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from attendance import study_rules, summary_store
from attendance.models import LessonProgress, LessonWatchClock, StudyDay
from attendance.service import stored_summary
from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.timeutil import local_today, now_utc, to_local
from courses.lifecycle import on_roll
from courses.models import Enrolment, Lesson

COMPLETE_AT = 0.9
KEEP_GAPS = 40
# When attention prompts fall and their codes: not guessable from earlier prompts.
_random = random.SystemRandom()


def get_lesson_for(trainee, lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.course.status != "published":
        raise NotFound(_("No such lesson."))
    enrolled = db.session.scalar(select(Enrolment.id).where(
        Enrolment.course_id == lesson.course_id, Enrolment.trainee_id == trainee.id,
        on_roll(Enrolment.status)))
    if not enrolled:
        raise Forbidden(_("Enrol in the course to watch its lessons."), code="not_enrolled")
    return lesson


def progress_for(trainee_id: int, lesson: Lesson) -> LessonProgress | None:
    return db.session.scalar(select(LessonProgress).where(
        LessonProgress.trainee_id == trainee_id, LessonProgress.lesson_id == lesson.id))


def _max_gap() -> float:
    # A beat later than this after the previous one starts afresh (tab closed, laptop asleep).
    return 2 * current_app.config["ATTENDANCE_HEARTBEAT_SECONDS"] + 5


def study_settings(trainee, now: datetime) -> dict:
    """The study-hour rules of the subsidy policy in force for the trainee's region."""
    from subsidies import policies

    profile = getattr(trainee, "profile", None)
    region = profile.region_code if profile is not None else ""
    return policies.study_hours_for(region, to_local(now).date())


def course_class_hour(course) -> int:
    """Minutes in one class hour (学时) under the policy of the course's region."""
    from subsidies import policies

    return policies.study_hours_for(course.region_code or "", local_today())[
        "class_hour_minutes"]


def study_day(trainee_id: int, day) -> StudyDay:
    row = db.session.get(StudyDay, (trainee_id, day))
    if row is None:
        row = StudyDay(trainee_id=trainee_id, day=day, credited_seconds=0, lost_seconds={})
        db.session.add(row)
    return row


def today_figures(trainee, now: datetime | None = None, study: dict | None = None) -> dict:
    """Today's credited online study against the daily cap, and what was not credited."""
    now = now or now_utc()
    study = study or study_settings(trainee, now)
    row = db.session.get(StudyDay, (trainee.id, to_local(now).date()))
    credited = row.credited_seconds if row else 0
    cap = study["daily_online_hours"] * 3600
    return {"credited_seconds": credited, "cap_seconds": cap,
            "hours": int(credited / 360) / 10, "cap_hours": study["daily_online_hours"],
            "class_hours": study_rules.class_hours(credited, study),
            "class_hour_minutes": study["class_hour_minutes"],
            "idle_minutes": study["idle_minutes"],
            "lost_seconds": dict(row.lost_seconds or {}) if row else {}}


def reason_labels() -> dict[str, str]:
    """Why a span was not credited, as the trainee reads it."""
    return {"paused": _("paused"), "hidden": _("page hidden"), "idle": _("no activity"),
            "attention_missed": _("attention check missed"),
            "cap_reached": _("daily limit reached"), "skipped": _("skipped ahead"),
            "rewound": _("rewound"), "gap": _("connection gap"),
            "lesson_complete": _("lesson already fully credited")}


def _next_prompt(study: dict, now: datetime) -> datetime | None:
    check = study["attention_check"]
    if not check["enabled"]:
        return None
    mean = check["mean_minutes"] * 60
    return now + timedelta(seconds=_random.uniform(0.5 * mean, 1.5 * mean))


def heartbeat(trainee, lesson: Lesson, position: float, now: datetime | None = None, *,
              state: str = "playing", active: bool = False, answer: str | None = None) -> dict:
    """Record a player heartbeat: media `position` (seconds), what the page says it is doing
    (`state`), whether the trainee interacted since the last beat (`active`, also the answer to
    the idle prompt) and an attention-check `answer`. Returns the credit, why anything was not
    credited, any prompt due, and the lesson's, today's and the course's figures."""
    now = now or now_utc()
    if lesson.kind not in ("video", "document") or lesson.duration_minutes <= 0:
        raise Conflict(_("Only video and document lessons are credited by watching."),
                       code="not_watchable")
    duration = lesson.duration_minutes * 60
    if lesson.kind == "document":
        position = 0.0
        state = "playing" if state in ("visible", "playing") else "hidden"
    elif state == "visible":
        raise Invalid(_("Some fields are invalid."),
                      fields={"state": [_("A video is playing, paused, hidden or ended.")]})
    if not (0 <= position <= duration + 5):
        raise Invalid(_("Some fields are invalid."),
                      fields={"position": [_("The position is outside the lesson.")]})
    study = study_settings(trainee, now)
    check = study["attention_check"]
    clock = db.session.get(LessonWatchClock, trainee.id)
    if clock is None:
        clock = LessonWatchClock(trainee_id=trainee.id, lesson_id=lesson.id, last_beat_at=now,
                                 last_position=position, version=1, recent_gaps=[],
                                 state=state, last_active_at=now,
                                 prompt_due_at=_next_prompt(study, now))
        db.session.add(clock)
        try:
            db.session.flush()
        except IntegrityError:  # a parallel tab made the clock first: this beat earns nothing
            db.session.rollback()
            return _result(trainee, lesson, 0)
        return _result(trainee, lesson, 0, study=study, now=now)
    answered_in_time = False
    prompt_at, prompt_answer, prompt_due_at = clock.prompt_at, clock.prompt_answer, \
        clock.prompt_due_at
    if prompt_at is not None:
        late = (now - prompt_at).total_seconds() > check["answer_seconds"]
        if answer is not None and hmac.compare_digest(str(answer).strip(), prompt_answer or ""):
            answered_in_time = not late
            prompt_at = prompt_answer = None
            prompt_due_at = _next_prompt(study, now)
        elif not late:
            # Waiting for the answer: hold the clock; an answer in time credits the span.
            return _result(trainee, lesson, 0, study=study, now=now, clock=clock)
    progress = progress_for(trainee.id, lesson)
    watched = progress.watched_seconds if progress else 0
    today = db.session.get(StudyDay, (trainee.id, to_local(now).date()))
    cap_left = study["daily_online_hours"] * 3600 - (today.credited_seconds if today else 0)
    if clock.lesson_id == lesson.id:
        # Beats were held while a prompt waited for its answer.
        max_gap = _max_gap() + (check["answer_seconds"] if clock.prompt_at else 0)
        prev = study_rules.Beat(clock.last_beat_at, clock.last_position, clock.state,
                                clock.last_active_at, clock.prompt_at)
        earned = study_rules.credit_for(
            prev, now, position, kind=lesson.kind, max_gap=max_gap,
            idle=timedelta(minutes=study["idle_minutes"]), cap_left=cap_left,
            lesson_left=max(duration - watched, 0), prompt_answered_in_time=answered_in_time)
    else:  # another lesson's tab had the clock: this beat only takes it over
        earned = study_rules.Credit(0, None, 0.0, False)
    credit = earned.seconds
    beat_at, beat_position = now, position
    if earned.continuous:
        # The clock moves by whole credited seconds only: the fraction carries over to
        # the next beat instead of being lost (or rounded up into unearned time).
        beat_at = clock.last_beat_at + timedelta(seconds=credit)
        beat_position = clock.last_position + credit if lesson.kind == "video" else 0.0
    elapsed = (now - clock.last_beat_at).total_seconds()
    gaps = (list(clock.recent_gaps or []) + [round(elapsed, 4)])[-KEEP_GAPS:] \
        if 0 < elapsed <= _max_gap() else []
    idle_since = clock.last_active_at
    if active or idle_since is None or earned.reason == "gap" or clock.lesson_id != lesson.id:
        idle_since = now
    if check["enabled"] and prompt_at is None and prompt_due_at is None:
        prompt_due_at = _next_prompt(study, now)
    if check["enabled"] and prompt_at is None and prompt_due_at is not None \
            and now >= prompt_due_at and state == "playing":
        prompt_at, prompt_answer, prompt_due_at = now, f"{_random.randint(10, 99)}", None
    # Compare-and-swap: of two tabs beating at once only one moves the clock and earns.
    moved = db.session.execute(
        update(LessonWatchClock)
        .where(LessonWatchClock.trainee_id == trainee.id,
               LessonWatchClock.version == clock.version)
        .values(lesson_id=lesson.id, last_beat_at=beat_at, last_position=beat_position,
                version=clock.version + 1, recent_gaps=gaps, state=state,
                last_active_at=idle_since, prompt_at=prompt_at, prompt_answer=prompt_answer,
                prompt_due_at=prompt_due_at)
        .execution_options(synchronize_session=False)).rowcount
    db.session.expire(clock)
    if moved != 1:
        return _result(trainee, lesson, 0)
    # Only the beat that moved the clock gets here, so the day row has one writer.
    day = study_day(trainee.id, to_local(now).date())
    if earned.reason and earned.lost_seconds >= 1:
        lost = dict(day.lost_seconds or {})
        lost[earned.reason] = lost.get(earned.reason, 0) + int(earned.lost_seconds)
        day.lost_seconds = lost
    day.credited_seconds += credit
    # The stored summary moves by the same capped delta, before the progress row changes
    # (a missing summary row is computed from the progress as it was).
    old = min(progress.watched_seconds if progress else 0, duration)
    summary_store.add_lesson_seconds(trainee.id, lesson.course_id,
                                     min(old + credit, duration) - old, now)
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
    return _result(trainee, lesson, credit, progress, study=study, now=now,
                   reason=earned.reason)


def _prompt(clock: LessonWatchClock | None, study: dict, now: datetime) -> dict | None:
    if clock is None:
        return None
    if clock.prompt_at is not None:
        left = study["attention_check"]["answer_seconds"] - (now - clock.prompt_at).total_seconds()
        return {"kind": "attention", "code": clock.prompt_answer,
                "expires_in": max(int(left), 0)}
    if clock.last_active_at is not None and \
            now - clock.last_active_at >= timedelta(minutes=study["idle_minutes"]):
        return {"kind": "presence"}
    return None


def _result(trainee, lesson: Lesson, credit: int, progress: LessonProgress | None = None, *,
            study: dict | None = None, now: datetime | None = None, reason: str | None = None,
            clock: LessonWatchClock | None = None) -> dict:
    now = now or now_utc()
    study = study or study_settings(trainee, now)
    progress = progress or progress_for(trainee.id, lesson)
    clock = clock or db.session.get(LessonWatchClock, trainee.id)
    watched = progress.watched_seconds if progress else 0
    duration = lesson.duration_minutes * 60
    return {"credited_seconds": credit, "watched_seconds": watched, "duration_seconds": duration,
            "ratio": min(watched / duration, 1.0) if duration else 0.0,
            "completed": bool(progress and progress.completed_at),
            "reason": reason, "prompt": _prompt(clock, study, now),
            "today": today_figures(trainee, now, study),
            "course": stored_summary(trainee.id, lesson.course)}
