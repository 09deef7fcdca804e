"""The live-stream webhook with real signatures: good, bad, stale, replayed, oversized,
unknown user or room; secrets set and rotated by officers."""

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts import scope
from attendance import service
from attendance.models import LiveEvent
from core.audit import AuditLog
from core.extensions import db
from tests.attendance.helpers import event, link, live_session, post_events, set_secret
from tests.factories import api_headers, enrol, make_platform, make_user


@pytest.fixture
def setup(trainee, make_course):
    platform = make_platform("直播电商学院")
    course = make_course(mode="live", required_hours=1)
    enrol(trainee, course)
    link(trainee, platform, "douyin-lch")
    session = live_session(course, platform, minutes=60, starts_in=-50)
    return platform, course, session, set_secret(platform)


def _count():
    return db.session.scalar(select(func.count()).select_from(LiveEvent))


def test_signed_batch_is_stored_and_counts_towards_attendance(client, trainee, setup):
    platform, course, session, secret = setup
    start = session.starts_at
    events = [event("e1", "join", start + timedelta(minutes=5), "douyin-lch"),
              event("e2", "heartbeat", start + timedelta(minutes=10), "douyin-lch"),
              event("e3", "leave", start + timedelta(minutes=35), "douyin-lch")]
    response = post_events(client, platform, secret, events)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["accepted"] == 3
    assert response.get_json()["duplicates"] == 0
    assert response.get_json()["unmatched"] == []
    assert service.summary(trainee.id, course)["by_source"]["live"] == 30


def test_replayed_batch_changes_nothing_and_says_so(client, trainee, setup):
    platform, course, session, secret = setup
    events = [event("e1", "join", session.starts_at, "douyin-lch"),
              event("e2", "leave", session.starts_at + timedelta(minutes=20), "douyin-lch")]
    post_events(client, platform, secret, events)
    again = post_events(client, platform, secret, events)
    assert again.status_code == 200
    assert again.get_json() == {"accepted": 0, "duplicates": 2, "unmatched": [],
                                "unmatched_reasons": {}}
    assert _count() == 2
    assert service.summary(trainee.id, course)["by_source"]["live"] == 20


def test_duplicate_ids_inside_one_batch_count_once(client, setup):
    platform, _course, session, secret = setup
    e = event("same", "join", session.starts_at, "douyin-lch")
    body = post_events(client, platform, secret, [e, e]).get_json()
    assert (body["accepted"], body["duplicates"]) == (1, 1)


def test_unknown_user_and_room_are_kept_as_unmatched(client, officer, setup):
    platform, _course, session, secret = setup
    at = session.starts_at + timedelta(minutes=1)
    body = post_events(client, platform, secret, [
        event("a", "join", at, "stranger"), event("b", "join", at, "douyin-lch", room="nope"),
        event("c", "join", at, "douyin-lch")]).get_json()
    assert body["accepted"] == 3
    assert sorted(body["unmatched"]) == ["a", "b"]
    assert body["unmatched_reasons"] == {"a": "unknown_user", "b": "unknown_room"}
    assert _count() == 3
    listed = client.get("/api/v1/live/unmatched", headers=api_headers(client, officer))
    refs = {(g["room"], g["user_ref"]) for g in listed.get_json()["items"]}
    assert refs == {("room-1", "stranger"), ("nope", "douyin-lch")}
    # An officer of another region sees the unclaimed room, not the viewers of this
    # region's session (the course is in 平湖市).
    for region, expected in (("430100", {("nope", "douyin-lch")}),
                             ("330400", {("room-1", "stranger"), ("nope", "douyin-lch")})):
        limited = make_user("officer")
        scope.set_regions(None, limited, [region])
        db.session.commit()
        listed = client.get("/api/v1/live/unmatched", headers=api_headers(client, limited))
        assert {(g["room"], g["user_ref"]) for g in listed.get_json()["items"]} == expected


def test_linking_the_account_later_matches_earlier_events_once_verified(client, make_user,
                                                                         setup):
    platform, course, session, secret = setup
    late = make_user("trainee")
    enrol(late, course)
    post_events(client, platform, secret, [
        event("x1", "join", session.starts_at, "late-user"),
        event("x2", "leave", session.starts_at + timedelta(minutes=15), "late-user")])
    assert service.summary(late.id, course)["attended_minutes"] == 0
    response = client.put(f"/api/v1/me/platform-accounts/{platform.id}",
                          json={"user_ref": "late-user"}, headers=api_headers(client, late))
    assert response.status_code == 201
    assert response.json["status"] == "pending"
    assert service.summary(late.id, course)["attended_minutes"] == 0  # a claim is no proof
    officer = make_user("officer")
    verified = client.post(f"/api/v1/platform-accounts/{response.json['id']}/verify",
                           headers=api_headers(client, officer))
    assert verified.status_code == 200 and verified.json == {"status": "verified"}
    assert service.summary(late.id, course)["attended_minutes"] == 15


@pytest.mark.parametrize("mutate, code", [
    (lambda h, s: h | {"X-SkillBridge-Signature": "t=1,v1=00"}, "stale_signature"),
    (lambda h, s: h | {"X-SkillBridge-Signature": f"t={int(time.time())},v1={'0' * 64}"},
     "bad_signature"),
    (lambda h, s: {k: v for k, v in h.items() if k != "X-SkillBridge-Signature"},
     "bad_signature"),
    (lambda h, s: h | {"X-SkillBridge-Platform": "999999"}, "bad_signature"),
])
def test_bad_signatures_are_401_and_store_nothing(client, setup, mutate, code):
    platform, _course, session, secret = setup
    from attendance import webhook_keys

    body = json.dumps({"events": [event("e1", "join", session.starts_at, "douyin-lch")]}).encode()
    headers = {"Content-Type": "application/json",
               "X-SkillBridge-Signature": webhook_keys.sign(secret, body),
               "X-SkillBridge-Platform": str(platform.id)}
    response = client.post("/api/v1/live/events", data=body, headers=mutate(headers, secret))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == code
    assert _count() == 0


def test_stale_timestamp_is_refused(client, setup):
    platform, _course, session, secret = setup
    response = post_events(client, platform, secret,
                           [event("e1", "join", session.starts_at, "douyin-lch")],
                           timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert _count() == 0


def test_tampered_body_is_refused(client, setup):
    platform, _course, session, secret = setup
    from attendance import webhook_keys

    body = json.dumps({"events": [event("e1", "join", session.starts_at, "douyin-lch")]})
    signature = webhook_keys.sign(secret, body.encode())
    response = client.post("/api/v1/live/events", data=body.replace("e1", "e9").encode(),
                           headers={"X-SkillBridge-Signature": signature,
                                    "X-SkillBridge-Platform": str(platform.id),
                                    "Content-Type": "application/json"})
    assert response.status_code == 401
    assert _count() == 0  # neither the tampered event nor any other was stored
    # the untampered body with the same signature is accepted: the 401 was the tampering
    response = client.post("/api/v1/live/events", data=body.encode(),
                           headers={"X-SkillBridge-Signature": signature,
                                    "X-SkillBridge-Platform": str(platform.id),
                                    "Content-Type": "application/json"})
    assert response.status_code == 200 and _count() == 1


def test_more_than_1000_events_is_413(client, setup):
    platform, _course, session, secret = setup
    events = [event(f"e{i}", "heartbeat", session.starts_at, "douyin-lch") for i in range(1001)]
    response = post_events(client, platform, secret, events)
    assert response.status_code == 413
    assert _count() == 0


def test_oversized_body_is_413(client, setup):
    platform, _course, _session, secret = setup
    body = b'{"events": [], "pad": "' + b"x" * 600_000 + b'"}'
    response = post_events(client, platform, secret, [], body=body)
    assert response.status_code == 413


def test_exactly_1000_events_are_accepted(client, setup):
    platform, _course, session, secret = setup
    events = [event(f"e{i}", "heartbeat", session.starts_at + timedelta(seconds=i), "douyin-lch")
              for i in range(1000)]
    response = post_events(client, platform, secret, events)
    assert response.status_code == 200
    assert response.get_json()["accepted"] == 1000


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"events": "x"}', b'{"events": [{"id": "a"}]}',
    b'{"events": [{"id": "a", "type": "dance", "room": "r", "user_ref": "u", '
    b'"at": "2026-01-01T00:00:00+00:00"}]}',
    b'{"events": [{"id": "a", "type": "join", "room": "r", "user_ref": "u", '
    b'"at": "2026-01-01T00:00:00"}]}',
    b'{"events": [{"id": "a", "type": "join", "room": "r", "user_ref": "u", '
    b'"at": "2099-01-01T00:00:00+00:00"}]}',
])
def test_malformed_bodies_are_422_and_store_nothing(client, setup, body):
    platform, _course, _session, secret = setup
    response = post_events(client, platform, secret, [], body=body)
    assert response.status_code == 422, response.get_json()
    assert _count() == 0


def test_one_bad_event_rejects_the_whole_batch(client, setup):
    platform, _course, session, secret = setup
    good = event("g", "join", session.starts_at, "douyin-lch")
    bad = dict(good, id="b", type="wave")
    response = post_events(client, platform, secret, [good, bad])
    assert response.status_code == 422
    assert "events.1" in response.get_json()["error"]["fields"]
    assert _count() == 0


def test_secret_rotation_keeps_the_old_one_for_the_grace_period(client, app, officer, setup):
    platform, _course, session, old = setup
    response = client.post(f"/api/v1/platforms/{platform.id}/webhook-secret",
                           headers=api_headers(client, officer))
    assert response.status_code == 200
    new = response.get_json()["secret"]
    assert new != old and new.startswith("whsec_")
    e = event("n1", "join", session.starts_at, "douyin-lch")
    assert post_events(client, platform, new, [e]).status_code == 200
    assert post_events(client, platform, old, [dict(e, id="o1")]).status_code == 200
    app.config["ATTENDANCE_WEBHOOK_GRACE_SECONDS"] = 0
    try:
        client.post(f"/api/v1/platforms/{platform.id}/webhook-secret",
                    headers=api_headers(client, officer))
    finally:
        app.config["ATTENDANCE_WEBHOOK_GRACE_SECONDS"] = 24 * 3600
    assert post_events(client, platform, new, [dict(e, id="o2")]).status_code == 401


def test_secret_is_stored_encrypted_and_rotation_is_audited(client, officer):
    platform = make_platform()
    secret = client.post(f"/api/v1/platforms/{platform.id}/webhook-secret",
                         headers=api_headers(client, officer)).get_json()["secret"]
    from attendance.models import PlatformWebhookSecret

    row = db.session.scalar(select(PlatformWebhookSecret))
    assert secret not in row.secret_encrypted
    audit = db.session.scalar(select(AuditLog).where(
        AuditLog.action == "platform.webhook_secret_rotated"))
    assert audit.actor_id == officer.id and secret not in json.dumps(audit.after)


@pytest.mark.parametrize("role, status", [("trainee", 403), ("instructor", 403),
                                          ("enterprise", 403), ("officer", 200)])
def test_only_officers_set_secrets(client, make_user, role, status):
    platform = make_platform()
    user = make_user(role)
    response = client.post(f"/api/v1/platforms/{platform.id}/webhook-secret",
                           headers=api_headers(client, user))
    assert response.status_code == status
    assert client.post(f"/api/v1/platforms/{platform.id}/webhook-secret").status_code == 401


def test_unknown_platform_secret_is_404(client, officer):
    response = client.post("/api/v1/platforms/9999/webhook-secret",
                           headers=api_headers(client, officer))
    assert response.status_code == 404


def test_webhook_needs_no_bearer_and_no_csrf(client, setup):
    platform, _course, session, secret = setup
    response = post_events(client, platform, secret,
                           [event("z", "join", session.starts_at, "douyin-lch")])
    assert response.status_code == 200


@pytest.mark.parametrize("with_connection", [True, False])
def test_overlapping_connections_credit_the_union(client, trainee, setup, with_connection):
    """Phone 5-20 min, laptop 15-40 min; the phone's leave arrives first, then everything is
    delivered again: 35 minutes, with or without connection ids."""
    platform, course, session, secret = setup
    start = session.starts_at

    def ev(eid, kind, minutes, conn):
        body = event(eid, kind, start + timedelta(minutes=minutes), "douyin-lch")
        return {**body, "connection": conn} if with_connection else body
    batch = [ev("p-l", "leave", 20, "phone"), ev("l-j", "join", 15, "laptop"),
             ev("p-j", "join", 5, "phone"), ev("l-l", "leave", 40, "laptop")]
    assert post_events(client, platform, secret, batch[:2]).status_code == 200
    assert post_events(client, platform, secret, batch[2:]).status_code == 200
    again = post_events(client, platform, secret, list(reversed(batch)))
    assert again.json["duplicates"] == 4
    assert service.summary(trainee.id, course)["attended_minutes"] == 35


def test_event_with_overlong_connection_is_422(client, setup):
    platform, _course, session, secret = setup
    bad = {**event("e1", "join", session.starts_at, "douyin-lch"), "connection": "x" * 65}
    response = post_events(client, platform, secret, [bad])
    assert response.status_code == 422 and _count() == 0
