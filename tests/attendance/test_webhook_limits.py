"""Bad webhook signatures are rate-limited per platform (429), without locking out another
platform; a huge platform id is a 401 like any unknown one."""

import json

import pytest
from sqlalchemy import func, select

from attendance import webhook_keys
from attendance.models import LiveEvent
from core.extensions import db, limiter
from tests.attendance.helpers import event, link, live_session, post_events, set_secret
from tests.conftest import make_app
from tests.factories import enrol, make_platform


@pytest.fixture
def limited(database_url, instance_dir):
    app = make_app(database_url, instance_dir, RATELIMIT_ENABLED=True,
                   ATTENDANCE_WEBHOOK_BAD_SIGNATURES_PER_MINUTE=5)
    limiter.reset()
    yield app.test_client()
    limiter.reset()
    limiter.enabled = False  # the limiter object is shared with the session's app
    with app.app_context():
        db.engine.dispose()


def _bad(client, platform_id, body=b'{"events": []}'):
    return client.post("/api/v1/live/events", data=body, headers={
        "Content-Type": "application/json", "X-SkillBridge-Platform": str(platform_id),
        "X-SkillBridge-Signature": "t=1700000000,v1=" + "0" * 64})


def test_bad_signatures_are_limited_per_platform(limited, trainee, make_course):
    first, second = make_platform("抖音"), make_platform("快手")
    course = make_course(mode="live")
    enrol(trainee, course)
    session = live_session(course, first)
    link(trainee, first, "douyin-lch")
    secret = set_secret(first)
    db.session.commit()
    for _ in range(5):
        assert _bad(limited, first.id).status_code == 401
    blocked = _bad(limited, first.id)
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"
    # a correctly signed batch from the same sender waits too (the limit is checked first) ...
    signed = post_events(limited, first, secret,
                         [event("e1", "join", session.starts_at, "douyin-lch")])
    assert signed.status_code == 429
    assert db.session.scalar(select(func.count()).select_from(LiveEvent)) == 0
    # ... but another platform's webhook is not locked out by someone guessing this one's
    assert _bad(limited, second.id).status_code == 401


def test_good_signatures_do_not_count(limited, trainee, make_course):
    platform = make_platform("抖音")
    course = make_course(mode="live")
    enrol(trainee, course)
    session = live_session(course, platform)
    secret = set_secret(platform)
    db.session.commit()
    for number in range(8):
        response = post_events(limited, platform, secret,
                               [event(f"e{number}", "join", session.starts_at, "nobody")])
        assert response.status_code == 200


@pytest.mark.parametrize("platform_id", ["99999999999999999999", str(2**31), "-1", "x"])
def test_huge_or_bad_platform_id_is_401(client, platform_id):
    body = json.dumps({"events": []}).encode()
    response = client.post("/api/v1/live/events", data=body, headers={
        "Content-Type": "application/json", "X-SkillBridge-Platform": platform_id,
        "X-SkillBridge-Signature": webhook_keys.sign("s" * 32, body)})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_signature"
