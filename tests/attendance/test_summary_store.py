"""The stored attendance summary (attendance.summary_store): after any sequence of lesson
beats, check-ins, corrections, live events and closes it gives exactly `summary()`; parallel
writers lose no seconds; another trainee's evidence never counts; the rebuild command repairs
a tampered row."""

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from attendance import lessons, live, offline, service, summary_store
from attendance.models import (
    AttendanceSummary,
    LiveEvent,
    LiveSession,
    OfflineSession,
)
from core.extensions import db
from core.timeutil import now_utc
from courses import service as courses_service
from courses.models import Lesson
from tests.factories import enrol, make_user


def _row(trainee, course) -> AttendanceSummary | None:
    db.session.expire_all()
    return db.session.scalar(select(AttendanceSummary).where(
        AttendanceSummary.trainee_id == trainee.id, AttendanceSummary.course_id == course.id))


def _same(trainee, course):
    db.session.expire_all()
    assert service.stored_summary(trainee.id, course) == service.summary(trainee.id, course)
    assert _row(trainee, course) is not None


@pytest.fixture
def world(instructor, make_course):
    """A course with two video lessons, three past offline classes, three past live sessions
    (closable) and one running now, and two enrolled trainees."""
    course = make_course(instructor, mode="blended", required_hours=3)
    people = [make_user("trainee"), make_user("trainee")]
    for person in people:
        enrol(person, course)
    now = now_utc().replace(microsecond=0)
    videos = [Lesson(course_id=course.id, title=f"第{n}课", kind="video", duration_minutes=m,
                     position=n) for n, m in ((1, 3), (2, 5))]
    classes = [OfflineSession(course_id=course.id, title=f"实操{n}", code_key=f"{n}" * 64,
                              starts_at=now - timedelta(hours=10 - n * 2),
                              ends_at=now - timedelta(hours=9 - n * 2)) for n in range(3)]
    past = [LiveSession(course_id=course.id, title=f"直播{n}", kind="lecture",
                        starts_at=now - timedelta(hours=20 - n * 2),
                        ends_at=now - timedelta(hours=19 - n * 2)) for n in range(3)]
    running = LiveSession(course_id=course.id, title="直播中", kind="lecture",
                          starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=1))
    db.session.add_all(videos + classes + past + [running])
    db.session.commit()
    return {"course": course, "people": people, "videos": videos, "classes": classes,
            "past": past, "running": running, "instructor": instructor}


def _live_events(session, trainee, rng, tag):
    start = session.starts_at + timedelta(seconds=rng.randint(0, 1200))
    end = min(start + timedelta(seconds=rng.randint(60, 2400)), now_utc())
    for kind, at in (("join", start), ("leave", end)):
        db.session.add(LiveEvent(source="webhook", type=kind, at=at, received_at=at,
                                 session_id=session.id, trainee_id=trainee.id,
                                 connection=f"c-{tag}", event_ref=f"{tag}-{kind}"))
    db.session.flush()
    if session.closed_at is not None:  # what ingest.store_events does for a late batch
        live.store_results(session, [trainee.id])


@pytest.mark.parametrize("seed", range(8))
def test_after_random_evidence_the_stored_summary_equals_the_recomputed_one(world, seed):
    rng = random.Random(seed)
    course, people = world["course"], world["people"]
    clocks = {p.id: now_utc() - timedelta(hours=2) for p in people}
    positions: dict[int, tuple[int, float]] = {}
    if rng.random() < 0.5:  # sometimes the row exists before any evidence, sometimes not
        service.stored_summary(people[0].id, course)
    for step in range(40):
        trainee = rng.choice(people)
        action = rng.choice(["beat"] * 5 + ["in", "out", "correct", "live", "close", "duration"])
        if action == "beat":
            lesson = rng.choice(world["videos"])
            last_lesson, last_position = positions.get(trainee.id, (None, 0.0))
            gap = rng.choice([30, 30, 30, 20, 90])
            position = last_position + gap if last_lesson == lesson.id else 0.0
            position = min(position, lesson.duration_minutes * 60)
            clocks[trainee.id] += timedelta(seconds=gap)
            lessons.heartbeat(trainee, lesson, position, now=clocks[trainee.id], active=True)
            positions[trainee.id] = (lesson.id, position)
        elif action in ("in", "out"):
            klass = rng.choice(world["classes"])
            at = klass.starts_at + timedelta(minutes=rng.randint(-20, 80))
            try:
                offline.check(trainee, klass, offline.code_at(klass, at), action, "t", now=at)
            except Exception:  # noqa: BLE001 (closed, twice, not checked in: nothing changes)
                db.session.rollback()
                continue
        elif action == "correct":
            klass = rng.choice(world["classes"])
            start = klass.starts_at + timedelta(minutes=rng.randint(-10, 30))
            offline.correct(world["instructor"], klass, trainee.id, start,
                            start + timedelta(minutes=rng.randint(0, 90)), "手机没电了")
        elif action == "live":
            session = rng.choice(world["past"] + [world["running"]])
            _live_events(session, trainee, rng, f"s{seed}-{step}")
        elif action == "close":
            live.close_session(rng.choice(world["past"]))
        else:
            lesson = rng.choice(world["videos"])
            courses_service.save_lesson(world["instructor"], course,
                                        {"duration_minutes": rng.randint(1, 6)}, lesson)
        db.session.commit()
        if step % 5 == 4:
            for person in people:
                _same(person, course)
    for person in people:
        _same(person, course)


def test_a_missing_row_is_computed_from_the_evidence_and_stored(world):
    course, trainee = world["course"], world["people"][0]
    klass = world["classes"][0]
    offline.correct(world["instructor"], klass, trainee.id, klass.starts_at, klass.ends_at,
                    "补签到记录")
    db.session.commit()
    db.session.execute(AttendanceSummary.__table__.delete())  # as right after the migration
    db.session.commit()
    assert _row(trainee, course) is None
    assert service.stored_summary(trainee.id, course)["by_source"]["offline"] == 60
    db.session.commit()
    assert _row(trainee, course).offline_seconds == 3600


def test_an_open_live_session_counts_on_the_fly_and_moves_into_the_row_when_closed(world):
    course, trainee = world["course"], world["people"][0]
    session = world["past"][0]
    _live_events(session, trainee, random.Random(1), "open")
    db.session.commit()
    figures = service.stored_summary(trainee.id, course)
    assert figures == service.summary(trainee.id, course) and figures["by_source"]["live"] > 0
    assert _row(trainee, course).live_seconds == 0  # still open: not stored
    live.close_session(session)
    db.session.commit()
    assert _row(trainee, course).live_seconds > 0
    _same(trainee, course)


def test_another_trainees_evidence_never_counts(world):
    course, (mine, other) = world["course"], world["people"]
    service.stored_summary(mine.id, course)
    klass, lesson, session = world["classes"][1], world["videos"][0], world["past"][1]
    offline.correct(world["instructor"], klass, other.id, klass.starts_at, klass.ends_at,
                    "补签到记录")
    t0 = now_utc()
    for n in range(5):
        lessons.heartbeat(other, lesson, 30.0 * n, now=t0 + timedelta(seconds=30 * n),
                          active=True)
    _live_events(session, other, random.Random(2), "other")
    live.close_session(session)
    db.session.commit()
    row = _row(mine, course)
    assert (row.lesson_seconds, row.offline_seconds, row.live_seconds) == (0, 0, 0)
    assert service.stored_summary(mine.id, course)["attended_minutes"] == 0
    assert service.stored_summary(other.id, course)["attended_minutes"] > 60
    _same(other, course)


def test_parallel_lesson_credits_lose_no_seconds(app, world):
    """Two sessions adding to the same row at once (row missing at first): every delta lands,
    and the race to create the row is no error. SQLite file: the writes serialise; on
    PostgreSQL they are real parallel transactions."""
    course, trainee = world["course"], world["people"][0]
    course_id, trainee_id = course.id, trainee.id
    barrier, errors = threading.Barrier(2), []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(15):
                    summary_store.add_lesson_seconds(trainee_id, course_id, 7)
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert _row(trainee, course).lesson_seconds == 2 * 15 * 7


def test_rebuild_command_repairs_a_tampered_row(runner, world):
    course, trainee = world["course"], world["people"][0]
    klass = world["classes"][2]
    offline.correct(world["instructor"], klass, trainee.id, klass.starts_at, klass.ends_at,
                    "补签到记录")
    db.session.commit()
    expected = service.summary(trainee.id, course)
    db.session.execute(update(AttendanceSummary).where(
        AttendanceSummary.trainee_id == trainee.id)
        .values(offline_seconds=99999, lesson_seconds=5))
    db.session.commit()
    assert service.stored_summary(trainee.id, course) != expected
    db.session.commit()
    result = runner.invoke(args=["attendance", "rebuild-summaries"])
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output
    _same(trainee, course)
    assert service.stored_summary(trainee.id, course) == expected
