"""Parallel requests: the same webhook batch delivered twice at once is stored once; two tabs
beating at once earn no more than the wall clock. On PostgreSQL these are real parallel
transactions; on SQLite the writes serialise (same assertions)."""

import json
import threading
from datetime import timedelta

from sqlalchemy import func, select

from attendance import webhook_keys
from attendance.models import LessonProgress, LiveEvent
from core.extensions import db
from courses.models import Lesson
from tests.attendance.helpers import event, link, live_session, set_secret
from tests.factories import api_headers, enrol, make_platform


def _parallel(app, calls):
    results, barrier = [None] * len(calls), threading.Barrier(len(calls))

    def run(i, call):
        client = app.test_client()
        barrier.wait()
        results[i] = call(client)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_the_same_batch_twice_at_once_is_stored_once(app, trainee, make_course):
    platform = make_platform()
    course = make_course(mode="live")
    enrol(trainee, course)
    link(trainee, platform, "u-1")
    session = live_session(course, platform, minutes=60, starts_in=-50)
    secret = set_secret(platform)
    events = [event(f"p{i}", "heartbeat", session.starts_at + timedelta(seconds=10 * i))
              for i in range(300)]
    body = json.dumps({"events": events}).encode()
    platform_id = str(platform.id)

    def send(client):
        return client.post("/api/v1/live/events", data=body, headers={
            "Content-Type": "application/json",
            "X-SkillBridge-Signature": webhook_keys.sign(secret, body),
            "X-SkillBridge-Platform": platform_id})

    db.session.commit()
    responses = _parallel(app, [send, send, send])
    ok = [r.get_json() for r in responses if r.status_code == 200]
    # A loser of the race may get 409 (nothing stored by it) on PostgreSQL; never a double.
    assert all(r.status_code in (200, 409) for r in responses)
    assert sum(r["accepted"] for r in ok) == 300
    assert db.session.scalar(select(func.count()).select_from(LiveEvent)) == 300


def test_two_tabs_beating_at_once_earn_one_clock(app, client, trainee, make_course):
    course = make_course(required_hours=1)
    enrol(trainee, course)
    lesson = Lesson(course_id=course.id, title="并发", kind="video", duration_minutes=10,
                    position=1)
    db.session.add(lesson)
    db.session.commit()
    headers = api_headers(client, trainee)
    url = f"/api/v1/lessons/{lesson.id}/heartbeat"
    assert client.post(url, json={"position": 0}, headers=headers).status_code == 200
    responses = _parallel(app, [lambda c: c.post(url, json={"position": 500}, headers=headers)
                                for _ in range(4)])
    assert all(r.status_code == 200 for r in responses)
    db.session.expire_all()
    watched = db.session.scalar(select(LessonProgress.watched_seconds))
    assert watched <= 5  # a few seconds of wall time passed, not 4 x 500
