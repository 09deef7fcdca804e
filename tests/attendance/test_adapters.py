"""Zoom and Tencent Meeting webhooks as the vendors send them (payloads shaped like their
documentation's examples): good, bad, stale and replayed signatures, the handshakes,
reconnects arriving out of order, duplicate deliveries, the officer's rolling log."""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from attendance import service, webhook_keys
from attendance.models import LiveEvent, PlatformWebhookLog
from core.extensions import db
from tests.attendance.helpers import link, live_session
from tests.factories import api_headers, enrol, make_platform

MEETING_ID = "85346571234"


def _count(model=LiveEvent):
    return db.session.scalar(select(func.count()).select_from(model))


def _zulu(at):
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Zoom ----------------------------------------------------------------------------------------

def zoom_participant(kind, at, user_id="16778240", participant_user_id="iFxeBPYun6SAiWUzBcEkX",
                     name="李春花 SB000000", meeting_id=MEETING_ID):
    """`meeting.participant_joined` / `_left` as in Zoom's Meetings API event reference."""
    time_key = "join_time" if kind == "joined" else "leave_time"
    participant = {"user_id": user_id, "user_name": name, "id": participant_user_id,
                   "participant_uuid": f"uuid-{user_id}", time_key: _zulu(at),
                   "email": "lch@example.cn", "registrant_id": "abcdefghij0-klmnopq23456",
                   "participant_user_id": participant_user_id, "customer_key": "349589LkJyeW",
                   "phone_number": "8615250064084"}
    if kind == "left":
        participant["leave_reason"] = "left the meeting. Reason : left the meeting"
    return {"event": f"meeting.participant_{kind}", "event_ts": int(at.timestamp() * 1000),
            "payload": {"account_id": "AAAAAABBBB", "object": {
                "id": meeting_id, "uuid": "4444AAAiAAAAAiAiAiiAii==", "host_id": "x1yCzABCDEfg",
                "topic": "直播带货实操", "type": 2, "start_time": _zulu(at),
                "timezone": "Asia/Shanghai", "duration": 60, "participant": participant}}}


def post_zoom(client, platform, secret, payload, timestamp=None, signature=None):
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return client.post(f"/api/v1/live/zoom/{platform.id}", data=body, headers={
        "Content-Type": "application/json", "x-zm-request-timestamp": timestamp,
        "x-zm-signature": signature or "v0=" + mac.hexdigest()})


@pytest.fixture
def zoom(client, trainee, make_course, officer):
    platform = make_platform("Zoom")
    course = make_course(mode="live", required_hours=1)
    enrol(trainee, course)
    link(trainee, platform, "iFxeBPYun6SAiWUzBcEkX")
    session = live_session(course, platform, room=MEETING_ID, minutes=60, starts_in=-50)
    zoom_secret = "zoom-secret-token-0123456789"
    response = client.post(f"/api/v1/platforms/{platform.id}/webhook-secret",
                           json={"adapter": "zoom", "secret": zoom_secret},
                           headers=api_headers(client, officer))
    assert response.status_code == 200 and response.json["adapter"] == "zoom"
    return platform, course, session, zoom_secret


def test_zoom_url_validation_handshake(client, zoom):
    platform, _course, _session, secret = zoom
    payload = {"payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
               "event_ts": 1654503849680, "event": "endpoint.url_validation"}
    started = time.monotonic()
    response = post_zoom(client, platform, secret, payload)
    assert time.monotonic() - started < 3
    assert response.status_code == 200
    expected = hmac.new(secret.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert response.json == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}
    assert _count() == 0


def test_zoom_reconnect_out_of_order_credits_the_union(client, trainee, zoom):
    """Phone joins, laptop joins, the phone's leave arrives after the laptop's join, then the
    laptop leaves; deliveries come in reverse order and twice."""
    platform, course, session, secret = zoom
    start = session.starts_at
    stream = [zoom_participant("joined", start + timedelta(minutes=5), user_id="1001"),
              zoom_participant("joined", start + timedelta(minutes=20), user_id="1002"),
              zoom_participant("left", start + timedelta(minutes=21), user_id="1001"),
              zoom_participant("left", start + timedelta(minutes=40), user_id="1002")]
    for payload in reversed(stream):
        assert post_zoom(client, platform, secret, payload).status_code == 200
    for payload in stream:  # Zoom retries: same payload, same stable id
        response = post_zoom(client, platform, secret, payload)
        assert response.status_code == 200 and response.json["duplicates"] == 1
    assert _count() == 4
    assert service.summary(trainee.id, course)["attended_minutes"] == 35
    stored = db.session.scalars(select(LiveEvent).order_by(LiveEvent.at)).all()
    assert {e.connection for e in stored} == {"1001", "1002"}
    assert stored[0].room == MEETING_ID and stored[0].user_name == "李春花 SB000000"


@pytest.mark.parametrize("case", ["bad", "stale", "missing", "other_secret"])
def test_zoom_bad_or_stale_signature_is_401_and_stores_nothing(client, zoom, case):
    platform, _course, session, secret = zoom
    payload = zoom_participant("joined", session.starts_at + timedelta(minutes=1))
    kwargs = {"bad": {"signature": "v0=" + "0" * 64},
              "stale": {"timestamp": int(time.time()) - 3600},
              "missing": {"signature": "nothing"},
              "other_secret": {}}[case]
    response = post_zoom(client, platform, "not-the-secret-at-all" if case == "other_secret"
                         else secret, payload, **kwargs)
    assert response.status_code == 401
    assert response.json["error"]["code"] == ("stale_signature" if case == "stale"
                                              else "bad_signature")
    assert _count() == 0
    errors = db.session.scalars(select(PlatformWebhookLog).where(
        PlatformWebhookLog.kind == "error")).all()
    assert len(errors) == 1 and "401" in errors[0].summary


def test_zoom_endpoint_refuses_a_platform_set_up_for_another_adapter(client, trainee,
                                                                     make_course):
    platform = make_platform("抖音")
    secret = webhook_keys.rotate(None, platform.id)  # skillbridge
    db.session.commit()
    response = post_zoom(client, platform, secret, zoom_participant("joined", session_time()))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "adapter_mismatch"
    assert _count() == 0


def session_time():
    from core.timeutil import now_utc
    return now_utc() - timedelta(minutes=5)


def test_zoom_malformed_participant_is_422(client, zoom):
    platform, _course, _session, secret = zoom
    payload = {"event": "meeting.participant_joined", "payload": {"object": {"id": MEETING_ID}}}
    response = post_zoom(client, platform, secret, payload)
    assert response.status_code == 422
    assert _count() == 0


def test_zoom_other_events_are_acknowledged(client, zoom):
    platform, _course, _session, secret = zoom
    response = post_zoom(client, platform, secret, {
        "event": "meeting.started", "event_ts": 1, "payload": {"object": {"id": MEETING_ID}}})
    assert response.status_code == 200 and response.json["accepted"] == 0


# --- Tencent Meeting -----------------------------------------------------------------------------

def tencent_item(at, userid="lch-tm", instance="2", ms_open_id="WMfgHRYj6m36mcDGtK",
                 name="李春花", code="445999969"):
    """One payload item as in Tencent Meeting's 用户入会 (meeting.participant-joined) sample."""
    return {"operate_time": int(at.timestamp() * 1000),
            "operator": {"userid": userid, "open_id": "KM4SsgUw1JiK", "uuid": "WMfgHRYj6m36",
                         "ms_open_id": ms_open_id, "user_name": name,
                         "instance_id": instance},
            "meeting_info": {"meeting_id": "13339451618278424869", "meeting_code": code,
                             "subject": "直播带货实操", "creator": {"userid": "tester-2",
                                                             "user_name": "老师"},
                             "meeting_type": 0, "start_time": 1608522626,
                             "end_time": 1609415039, "meeting_create_mode": 0}}


def tencent_signature(token, timestamp, nonce, data):
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, data])).encode()).hexdigest()


def post_tencent(client, platform, token, event, items, trace="e7aa65dd-f7e6-4b62-912c",
                 timestamp=None, signature=None):
    message = {"event": event, "trace_id": trace, "payload": items}
    data = base64.b64encode(json.dumps(message, ensure_ascii=False).encode()).decode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = "14964161"
    return client.post(f"/api/v1/live/tencent-meeting/{platform.id}",
                       data=json.dumps({"data": data}), headers={
                           "Content-Type": "application/json", "timestamp": timestamp,
                           "nonce": nonce,
                           "signature": signature or tencent_signature(token, timestamp, nonce,
                                                                       data)})


@pytest.fixture
def tencent(client, trainee, make_course, officer):
    platform = make_platform("腾讯会议")
    course = make_course(mode="live", required_hours=1)
    enrol(trainee, course)
    link(trainee, platform, "lch-tm")
    session = live_session(course, platform, room="445999969", minutes=60, starts_in=-50)
    response = client.post(f"/api/v1/platforms/{platform.id}/webhook-secret",
                           json={"adapter": "tencent_meeting"},
                           headers=api_headers(client, officer))
    token = response.json["secret"]
    assert len(token) == 25 and token.isalnum()
    return platform, course, session, token


def test_tencent_documented_signature_example():
    """The verification example in Tencent's 签名校验 page, checked with our formula."""
    data = ("eyJldmVudCI6Im1lZXRpbmcuY3JlYXRlZCIsInVuaXF1ZV9zZXF1ZW5jZSI6ImYyMDA5NmVlLThhYzgt"
            "NGRmMi1hN2RlLTA1NzQ2NDlmMjExYiIsInBheWxvYWQiOlt7Im9wZXJhdGVfdGltZSI6IjIwMjAtMTIt"
            "MjkgMTc6NDE6MDYiLCJvcGVyYXRvciI6eyJ1c2VyaWQiOiJ0ZXN0ZXIwMDAwNmJhNWJhYjMzOTg1OGMx"
            "M2M5MzBjY2E5NTY4NCJ9LCJtZWV0aW5nX2luZm8iOnsibWVldGluZ19pZCI6IjYwNTg4OTAzODU0ODA5"
            "MjEwNTIiLCJtZWV0aW5nX2NvZGUiOiI1MzA4MTI0NTIiLCJzdWJqZWN0IjoibWVkaWEgdGVzdGVyIG1l"
            "ZXRpbmciLCJjcmVhdG9yX2lkIjoidGVzdGVyMDAwMDZiYTViYWIzMzk4NThjMTNjOTMwY2NhOTU2ODQi"
            "LCJob3N0cyI6WyJ0ZXN0ZXIwMDAwNmJhNWJhYjMzOTg1OGMxM2M5MzBjY2E5NTY4NCJdLCJtZWV0aW5n"
            "X3R5cGUiOjAsInN0YXJ0X3RpbWUiOiIyMDIwLTEyLTI5IDE3OjQxOjA0IiwiZW5kX3RpbWUiOiIyMDIw"
            "LTEyLTI5IDE4OjAxOjA0In19XX0")
    decoded = json.loads(base64.b64decode(data + "=" * (-len(data) % 4)))
    assert decoded["event"] == "meeting.created"
    sort_str = "".join(sorted(["bVPU6F8Htxl5XkAbp3jGV2xWp", "1609239040864", "14964161", data]))
    assert sort_str.startswith("149641611609239040864bVPU6F8Htxl5XkAbp3jGV2xWpeyJldmVudCI6")


def test_tencent_url_check_echoes_check_str(client, tencent):
    platform, _course, _session, token = tencent
    check_str = base64.b64encode(b"1608794342").decode()
    timestamp, nonce = str(int(time.time())), "2786371"
    response = client.get(f"/api/v1/live/tencent-meeting/{platform.id}",
                          query_string={"check_str": check_str}, headers={
                              "timestamp": timestamp, "nonce": nonce,
                              "signature": tencent_signature(token, timestamp, nonce,
                                                             check_str)})
    assert response.status_code == 200 and response.get_data(as_text=True) == "1608794342"
    bad = client.get(f"/api/v1/live/tencent-meeting/{platform.id}",
                     query_string={"check_str": check_str},
                     headers={"timestamp": timestamp, "nonce": nonce, "signature": "0" * 40})
    assert bad.status_code == 401


def test_tencent_two_devices_and_replay(client, trainee, tencent):
    platform, course, session, token = tencent
    start = session.starts_at
    joined = "meeting.participant-joined"
    left = "meeting.participant-left"
    # Phone (instance 2) 0-30, PC (instance 1) 20-45; the phone's leave comes last.
    sends = [(joined, [tencent_item(start + timedelta(minutes=20), instance="1")], "t2"),
             (joined, [tencent_item(start, instance="2")], "t1"),
             (left, [tencent_item(start + timedelta(minutes=45), instance="1")], "t4"),
             (left, [tencent_item(start + timedelta(minutes=30), instance="2")], "t3")]
    for event, items, trace in sends:
        response = post_tencent(client, platform, token, event, items, trace=trace)
        assert response.status_code == 200
        assert response.get_data(as_text=True) == "successfully received callback"
    post_tencent(client, platform, token, *sends[0][:2], trace=sends[0][2])  # replayed
    assert _count() == 4
    assert service.summary(trainee.id, course)["attended_minutes"] == 45


@pytest.mark.parametrize("case", ["bad", "stale", "tampered"])
def test_tencent_bad_signatures_are_401(client, tencent, case):
    platform, _course, session, token = tencent
    items = [tencent_item(session.starts_at)]
    if case == "bad":
        response = post_tencent(client, platform, token, "meeting.participant-joined", items,
                                signature="f" * 40)
    elif case == "stale":
        response = post_tencent(client, platform, token, "meeting.participant-joined", items,
                                timestamp=int(time.time() * 1000) - 3_600_000)
    else:
        response = post_tencent(client, platform, "X" * 25, "meeting.participant-joined", items)
    assert response.status_code == 401
    assert _count() == 0


def test_tencent_not_base64_is_422(client, tencent):
    platform, _course, _session, token = tencent
    timestamp, nonce, data = str(int(time.time())), "1", "not base64!!"
    response = client.post(f"/api/v1/live/tencent-meeting/{platform.id}",
                           data=json.dumps({"data": data}), headers={
                               "Content-Type": "application/json", "timestamp": timestamp,
                               "nonce": nonce,
                               "signature": tencent_signature(token, timestamp, nonce, data)})
    assert response.status_code == 422 and _count() == 0


# --- the officer's view ---------------------------------------------------------------------------

def test_officer_sees_adapter_last_events_and_errors(client, officer, trainee, zoom):
    platform, _course, session, secret = zoom
    post_zoom(client, platform, secret, zoom_participant("joined", session.starts_at))
    post_zoom(client, platform, secret, zoom_participant("left", session.starts_at),
              signature="v0=bad")
    response = client.get(f"/api/v1/platforms/{platform.id}/webhook-log",
                          headers=api_headers(client, officer))
    assert response.status_code == 200
    assert response.json["adapter"] == "zoom"
    assert "接收 1 条" in response.json["received"][0]["summary"]  # the log speaks Chinese
    assert "bad_signature" in response.json["errors"][0]["summary"]
    assert client.get(f"/api/v1/platforms/{platform.id}/webhook-log",
                      headers=api_headers(client, trainee)).status_code == 403
    from tests.factories import login
    login(client, officer)
    page = client.get("/attendance/platforms").get_data(as_text=True)
    assert "zoom" in page and "bad_signature" in page


def test_the_rolling_log_keeps_only_the_last_lines(client, zoom):
    platform, _course, session, secret = zoom
    for _n in range(25):
        post_zoom(client, platform, secret, zoom_participant("joined", session.starts_at),
                  signature="v0=bad")
    assert _count(PlatformWebhookLog) == 20


@pytest.mark.parametrize("payload", [
    [], {"event": "meeting.participant_joined", "payload": {"object": []}},
    {"event": "meeting.participant_joined", "payload": {"object": {"id": 1, "participant": 5}}},
    {"event": "meeting.participant_left", "payload": {"object": {
        "id": MEETING_ID, "participant": {"user_id": "1", "participant_user_id": "x",
                                          "leave_time": "yesterday"}}}},
    {"event": "endpoint.url_validation", "payload": {"plainToken": ""}}])
def test_zoom_hostile_payloads_are_422_not_500(client, zoom, payload):
    platform, _course, _session, secret = zoom
    assert post_zoom(client, platform, secret, payload).status_code == 422
    assert _count() == 0
