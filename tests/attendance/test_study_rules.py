"""Study-hour rules: the daily cap, the idle cut-off, attention checks, the class hour, and
properties of the credit rule (never more than wall time or media advance; seeking never earns)."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from attendance import lessons, study_rules
from attendance.models import LessonProgress, LessonWatchClock, StudyDay
from core.extensions import db
from core.timeutil import now_utc
from courses.models import Lesson
from subsidies import policies, rules
from tests.factories import api_headers, enrol

T0 = P0 = datetime(2026, 6, 15, 2, tzinfo=UTC)  # tests reset T0 to the fixed clock's now


@pytest.fixture(autouse=True)
def _fixed_now():
    global T0
    T0 = now_utc()


@pytest.fixture
def lesson(trainee, make_course):
    course = make_course(required_hours=20)
    enrol(trainee, course)
    row = Lesson(course_id=course.id, title="视频课", kind="video", duration_minutes=600,
                 position=1)
    db.session.add(row)
    db.session.commit()
    return row


def set_study(officer, **study):
    settings_ = policies.default_settings()
    settings_["study_hours"] = {**settings_["study_hours"], **study}
    policies.create_policy(officer, {"name": "学时规则", "region_prefix": "",
                                     "effective_from": T0.date() - timedelta(days=30),
                                     "settings": settings_})
    db.session.commit()


def beat(trainee, lesson, position, at, **kw):
    kw.setdefault("active", True)
    result = lessons.heartbeat(trainee, lesson, position, now=at, **kw)
    db.session.commit()
    return result


def play(trainee, lesson, start, seconds, step=30, start_pos=0, **kw):
    total, result = 0, None
    for i in range(0, seconds // step + 1):
        result = beat(trainee, lesson, start_pos + i * step, start + timedelta(seconds=i * step),
                      **kw)
        total += result["credited_seconds"]
    return total, result


def test_defaults_are_in_the_policy_and_validated():
    assert rules.study_hours(None) == {"daily_online_hours": 8, "idle_minutes": 5,
                                       "class_hour_minutes": 45, "attention_check": {
                                           "enabled": False, "mean_minutes": 20,
                                           "answer_seconds": 60}}
    bad = policies.default_settings()
    bad["study_hours"]["daily_online_hours"] = 30
    bad["study_hours"]["attention_check"] = {"enabled": "yes"}
    problems = rules.validate_settings(bad)
    assert set(problems) == {"study_hours.daily_online_hours", "study_hours.attention_check"}
    assert rules.validate_settings(policies.default_settings()) == {}


def test_the_daily_cap_stops_credit_and_says_why(trainee, officer, lesson):
    set_study(officer, daily_online_hours=1)
    total, result = play(trainee, lesson, T0, 3900)
    assert total == 3600
    assert result["reason"] == "cap_reached" and result["today"]["hours"] == 1.0
    assert result["today"]["cap_hours"] == 1
    day = db.session.scalar(select(StudyDay))
    assert day.credited_seconds == 3600 and day.lost_seconds["cap_reached"] >= 270


def test_the_cap_is_per_beijing_calendar_day(trainee, officer, lesson):
    set_study(officer, daily_online_hours=1)
    # 23:30 to 00:30 Beijing: 30 minutes fall on each day
    start = T0.replace(hour=15, minute=30, second=0, microsecond=0)
    total, _ = play(trainee, lesson, start, 3600)
    assert total == 3600
    days = {d.day.isoformat(): d.credited_seconds for d in db.session.scalars(select(StudyDay))}
    assert sorted(days) == ["2026-06-15", "2026-06-16"]
    assert sum(days.values()) == 3600


def test_idle_cut_off_pauses_the_clock_until_presence_is_confirmed(trainee, lesson):
    beat(trainee, lesson, 0, T0)
    total, result = play(trainee, lesson, T0 + timedelta(seconds=30), 600, start_pos=30,
                         active=False)
    assert total == 300  # five minutes after the last interaction, then nothing
    assert result["reason"] == "idle" and result["prompt"] == {"kind": "presence"}
    at = T0 + timedelta(seconds=660)
    assert beat(trainee, lesson, 660, at)["credited_seconds"] == 0  # the confirming beat
    result = beat(trainee, lesson, 690, at + timedelta(seconds=30), active=False)
    assert result["credited_seconds"] == 30 and result["prompt"] is None


def test_attention_check_answered_in_time_keeps_credit(trainee, officer, lesson):
    set_study(officer, attention_check={"enabled": True, "mean_minutes": 1,
                                        "answer_seconds": 60})
    total, result = play(trainee, lesson, T0, 120)
    prompt = result["prompt"]
    assert prompt["kind"] == "attention" and len(prompt["code"]) == 2
    prompt_at = db.session.get(LessonWatchClock, lesson_trainee(lesson)).prompt_at
    since = int((prompt_at - T0).total_seconds())
    at = prompt_at + timedelta(seconds=40)
    held = beat(trainee, lesson, since + 40, at)  # not answered yet: held, nothing lost
    assert held["credited_seconds"] == 0 and held["prompt"]["code"] == prompt["code"]
    wrong = beat(trainee, lesson, since + 45, at + timedelta(seconds=5), answer="00" if
                 prompt["code"] != "00" else "11")
    assert wrong["credited_seconds"] == 0 and wrong["prompt"]["kind"] == "attention"
    answered = beat(trainee, lesson, since + 50, at + timedelta(seconds=10),
                    answer=prompt["code"])
    assert answered["prompt"] is None
    assert total + answered["credited_seconds"] == since + 50


class _LatestPrompt:
    """Prompts at the latest moment the schedule allows, so the test does not depend on luck."""

    def uniform(self, low, high):
        return high

    def randint(self, low, high):
        return low


def test_a_missed_attention_check_credits_nothing_from_the_prompt_on(trainee, officer,
                                                                     lesson, monkeypatch):
    monkeypatch.setattr(lessons, "_random", _LatestPrompt())
    set_study(officer, attention_check={"enabled": True, "mean_minutes": 1,
                                        "answer_seconds": 60})
    total, result = play(trainee, lesson, T0, 120)
    code = result["prompt"]["code"]
    prompt_at = db.session.get(LessonWatchClock, lesson_trainee(lesson)).prompt_at
    late = beat(trainee, lesson, 200, T0 + timedelta(seconds=200), answer=code)
    assert late["credited_seconds"] == 0 and late["reason"] == "attention_missed"
    watched = db.session.scalar(select(LessonProgress)).watched_seconds
    assert watched == int((prompt_at - T0).total_seconds()) == total
    # answering (late) resumes the clock from then on
    assert beat(trainee, lesson, 230, T0 + timedelta(seconds=230))["credited_seconds"] == 30


def lesson_trainee(lesson):
    return db.session.scalar(select(LessonWatchClock.trainee_id))


def test_document_lessons_earn_visible_active_time_up_to_their_duration(trainee, make_course):
    course = make_course(required_hours=1)
    enrol(trainee, course)
    doc = Lesson(course_id=course.id, title="讲义", kind="document", duration_minutes=2,
                 position=1)
    db.session.add(doc)
    db.session.commit()
    beat(trainee, doc, 0, T0, state="visible")
    assert beat(trainee, doc, 0, T0 + timedelta(seconds=30), state="hidden")[
        "credited_seconds"] == 30
    result = beat(trainee, doc, 0, T0 + timedelta(seconds=60), state="visible")
    assert result["credited_seconds"] == 0 and result["reason"] == "hidden"
    total, result = play(trainee, doc, T0 + timedelta(seconds=90), 300, state="visible")
    assert result["watched_seconds"] == 120 and result["reason"] == "lesson_complete"


def test_heartbeat_api_reports_today_and_rejects_unknown_states(client, trainee, lesson):
    headers = api_headers(client, trainee)
    body = client.post(f"/api/v1/lessons/{lesson.id}/heartbeat",
                       json={"position": 0, "state": "playing", "active": True},
                       headers=headers).get_json()
    assert body["today"]["cap_hours"] == 8 and body["today"]["class_hour_minutes"] == 45
    response = client.post(f"/api/v1/lessons/{lesson.id}/heartbeat",
                           json={"position": 1, "state": "sleeping"}, headers=headers)
    assert response.status_code == 422 and "state" in response.get_json()["error"]["fields"]
    response = client.post(f"/api/v1/lessons/{lesson.id}/heartbeat",
                           json={"position": 1, "state": "visible"}, headers=headers)
    assert response.status_code == 422


def test_class_hours_are_45_minutes_rounded_down():
    assert study_rules.class_hours(45 * 60) == 1.0
    assert study_rules.class_hours(45 * 60 - 1) == 0.9
    assert study_rules.class_hours(3600, {"class_hour_minutes": 60}) == 1.0


# --- properties of the credit rule -------------------------------------------------------

STATES = st.sampled_from(["playing", "paused", "hidden", "ended"])


@settings(max_examples=300, deadline=None)
@given(beats=st.lists(st.tuples(st.floats(0.01, 90), st.floats(-60, 200), STATES,
                                st.booleans()), min_size=1, max_size=40),
       duration=st.integers(60, 3600), cap=st.integers(0, 7200))
def test_credit_never_exceeds_wall_clock_advance_duration_or_cap(beats, duration, cap):
    prev = study_rules.Beat(P0, 0.0, "playing", P0)
    wall = played = 0.0
    total = 0
    for gap, move, state, active in beats:
        now = prev.at + timedelta(seconds=gap)
        position = min(max(prev.position + move, 0.0), duration)
        credit = study_rules.credit_for(prev, now, position, kind="video", max_gap=65,
                                        idle=timedelta(minutes=5), cap_left=cap - total,
                                        lesson_left=duration - total)
        assert 0 <= credit.seconds <= max(gap, 0)
        if credit.seconds:
            assert credit.seconds <= position - prev.position
            assert prev.state == "playing"
        total += credit.seconds
        wall += gap
        played += max(position - prev.position, 0)
        prev = study_rules.Beat(now, position, state, now if active else prev.last_active_at)
    assert total <= min(wall, played, duration, max(cap, 0))


@settings(max_examples=300, deadline=None)
@given(gap=st.floats(1, 60), jump=st.floats(10, 3000))
def test_seeking_ahead_never_earns(gap, jump):
    prev = study_rules.Beat(P0, 100.0, "playing", P0)
    credit = study_rules.credit_for(prev, P0 + timedelta(seconds=gap), 100 + gap + jump,
                                    kind="video", max_gap=65, idle=timedelta(minutes=5),
                                    cap_left=10**6, lesson_left=10**6)
    assert credit.seconds == 0 and credit.reason == "skipped"
