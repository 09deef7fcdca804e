"""Lesson watching: credit no faster than real time; paused, skipped, sped-up players,
parallel tabs and replayed heartbeats earn nothing extra; complete at 90 %."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from attendance import lessons
from attendance.models import LessonProgress
from core.audit import AuditLog
from core.extensions import db
from core.timeutil import now_utc
from courses.models import Lesson
from tests.factories import api_headers, enrol


@pytest.fixture
def lesson(trainee, make_course):
    course = make_course(required_hours=1)
    enrol(trainee, course)
    row = Lesson(course_id=course.id, title="商品讲解", kind="video", duration_minutes=10,
                 position=1)
    db.session.add(row)
    db.session.commit()
    return row


def beat(trainee, lesson, position, at, state="playing", active=True, answer=None):
    result = lessons.heartbeat(trainee, lesson, position, now=at, state=state, active=active,
                               answer=answer)
    db.session.commit()
    return result


def test_real_time_playback_is_credited(trainee, lesson):
    t0 = now_utc()
    assert beat(trainee, lesson, 0, t0)["credited_seconds"] == 0
    assert beat(trainee, lesson, 30, t0 + timedelta(seconds=30))["credited_seconds"] == 30
    result = beat(trainee, lesson, 60, t0 + timedelta(seconds=60))
    assert result["watched_seconds"] == 60
    assert result["course"]["by_source"]["lesson"] == 1


def test_skipping_ahead_or_speeding_up_earns_nothing(trainee, lesson):
    t0 = now_utc()
    beat(trainee, lesson, 0, t0)
    result = beat(trainee, lesson, 400, t0 + timedelta(seconds=30))  # seeked ahead
    assert result["credited_seconds"] == 0 and result["reason"] == "skipped"
    result = beat(trainee, lesson, 460, t0 + timedelta(seconds=60))  # 2x speed
    assert result["credited_seconds"] == 0 and result["reason"] == "skipped"
    # playing on at 1x from the new position earns again
    assert beat(trainee, lesson, 490, t0 + timedelta(seconds=90))["credited_seconds"] == 30
    assert result["today"]["lost_seconds"]["skipped"] == 60


def test_paused_or_hidden_spans_earn_nothing_even_if_the_position_moves(trainee, lesson):
    t0 = now_utc()
    beat(trainee, lesson, 0, t0)
    assert beat(trainee, lesson, 20, t0 + timedelta(seconds=20), state="paused")[
        "credited_seconds"] == 20  # the span before the pause played
    result = beat(trainee, lesson, 50, t0 + timedelta(seconds=50), state="hidden")
    assert result["credited_seconds"] == 0 and result["reason"] == "paused"
    result = beat(trainee, lesson, 80, t0 + timedelta(seconds=80))
    assert result["credited_seconds"] == 0 and result["reason"] == "hidden"
    assert beat(trainee, lesson, 110, t0 + timedelta(seconds=110))["credited_seconds"] == 30
    assert result["today"]["lost_seconds"] == {"paused": 30, "hidden": 30}


def test_paused_player_and_replayed_heartbeats_earn_nothing(trainee, lesson):
    t0 = now_utc()
    beat(trainee, lesson, 0, t0)
    beat(trainee, lesson, 30, t0 + timedelta(seconds=30))
    assert beat(trainee, lesson, 30, t0 + timedelta(seconds=60))["credited_seconds"] == 0
    assert beat(trainee, lesson, 30, t0 + timedelta(seconds=61))["credited_seconds"] == 0


def test_a_long_gap_starts_afresh(trainee, lesson):
    t0 = now_utc()
    beat(trainee, lesson, 0, t0)
    assert beat(trainee, lesson, 300, t0 + timedelta(seconds=300))["credited_seconds"] == 0


def test_parallel_tabs_share_one_clock(trainee, lesson, make_course):
    other = Lesson(course_id=lesson.course_id, title="第二课", kind="video", duration_minutes=10,
                   position=2)
    db.session.add(other)
    db.session.commit()
    t0 = now_utc()
    total = 0
    for i in range(11):  # two tabs both playing, beating alternately, for 150 s of wall time
        at = t0 + timedelta(seconds=15 * i)
        target = lesson if i % 2 == 0 else other
        total += beat(trainee, target, 15 * i, at)["credited_seconds"]
    # every beat takes the clock from the other tab: playing two lessons at once earns nothing
    assert total == 0
    assert sum(p.watched_seconds for p in db.session.scalars(select(LessonProgress))) == 0
    t1 = t0 + timedelta(seconds=300)
    for i in range(6):  # lesson 1 for 75 s, then lesson 2 for the next 75 s
        total += beat(trainee, lesson, 200 + 15 * i, t1 + timedelta(seconds=15 * i))[
            "credited_seconds"]
    for i in range(6):  # the first beat of the second lesson only takes the clock over
        total += beat(trainee, other, 15 * i, t1 + timedelta(seconds=75 + 15 * i))[
            "credited_seconds"]
    assert total == 75 + 75
    watched = {p.lesson_id: p.watched_seconds for p in db.session.scalars(select(LessonProgress))}
    assert watched == {lesson.id: 75, other.id: 75}


def test_credit_never_exceeds_the_lesson_and_completes_at_90_percent(trainee, lesson):
    t0 = now_utc()
    beat(trainee, lesson, 0, t0)
    result = None
    for i in range(1, 19):  # 540 s of 600 = 90 %
        result = beat(trainee, lesson, 30 * i, t0 + timedelta(seconds=30 * i))
    assert result["completed"] is True and result["watched_seconds"] == 540
    for i in range(19, 30):  # rewatching earns nothing past the duration
        result = beat(trainee, lesson, min(30 * i - 540, 600),
                      t0 + timedelta(seconds=30 * i))
    assert result["watched_seconds"] <= 600
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "lesson.completed"))


def test_heartbeat_api(client, trainee, lesson):
    headers = api_headers(client, trainee)
    response = client.post(f"/api/v1/lessons/{lesson.id}/heartbeat", json={"position": 0},
                           headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["credited_seconds"] == 0 and body["duration_seconds"] == 600
    assert set(body["course"]) >= {"required_minutes", "attended_minutes", "ratio",
                                   "eligible_for_exam"}


@pytest.mark.parametrize("payload", [{"position": -1}, {"position": 601 + 5}, {},
                                     {"position": "x"}, {"position": 1, "speed": 2}])
def test_heartbeat_bad_input_is_422(client, trainee, lesson, payload):
    response = client.post(f"/api/v1/lessons/{lesson.id}/heartbeat", json=payload,
                           headers=api_headers(client, trainee))
    assert response.status_code == 422
    assert db.session.scalar(select(LessonProgress)) is None


def test_heartbeat_access(client, make_user, lesson):
    stranger = make_user("trainee")
    response = client.post(f"/api/v1/lessons/{lesson.id}/heartbeat", json={"position": 0},
                           headers=api_headers(client, stranger))
    assert response.status_code == 403
    instructor = make_user("instructor")
    response = client.post(f"/api/v1/lessons/{lesson.id}/heartbeat", json={"position": 0},
                           headers=api_headers(client, instructor))
    assert response.status_code == 403
    assert client.post(f"/api/v1/lessons/{lesson.id}/heartbeat",
                       json={"position": 0}).status_code == 401
    assert client.post("/api/v1/lessons/99999/heartbeat", json={"position": 0},
                       headers=api_headers(client, stranger)).status_code == 404


def test_lesson_page_renders_the_player(client, trainee, lesson):
    from tests.factories import login

    login(client, trainee)
    html = client.get(f"/attendance/lessons/{lesson.id}").get_data(as_text=True)
    assert 'id="lesson-player"' in html and "商品讲解" in html


def test_fractions_of_a_second_carry_over_instead_of_being_lost(trainee, lesson):
    t0 = now_utc()
    beat(trainee, lesson, 0, t0)
    total = sum(beat(trainee, lesson, 0.9 * i, t0 + timedelta(seconds=0.9 * i))
                ["credited_seconds"] for i in range(1, 21))
    assert 17 <= total <= 18  # 18 s of wall time and of playback
