"""Verified platform accounts: a link credits nothing until proven (the code in the room,
staff on the session sheet, the platform's signed word); one viewer id, one trainee."""

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from attendance import service, webhook_keys
from attendance.models import PlatformAccount
from core.audit import AuditLog
from core.extensions import db
from tests.attendance.helpers import event, link, live_session, post_events, set_secret
from tests.factories import api_headers, enrol, login, make_platform


@pytest.fixture
def room(trainee, make_course, instructor):
    platform = make_platform("快手直播")
    course = make_course(instructor, mode="live", required_hours=1)
    enrol(trainee, course)
    session = live_session(course, platform, minutes=60, starts_in=-50)
    return platform, course, session, set_secret(platform)


def _link(client, trainee, platform, ref):
    response = client.put(f"/api/v1/me/platform-accounts/{platform.id}", json={"user_ref": ref},
                          headers=api_headers(client, trainee))
    assert response.status_code in (200, 201), response.json
    return response.json


def test_new_link_is_pending_and_credits_nothing(client, trainee, room):
    platform, course, session, secret = room
    body = _link(client, trainee, platform, "ks-1")
    assert body["status"] == "pending" and body["verification_code"].startswith("SB")
    post_events(client, platform, secret, [
        event("a1", "join", session.starts_at, "ks-1"),
        event("a2", "leave", session.starts_at + timedelta(minutes=20), "ks-1")])
    assert service.summary(trainee.id, course)["attended_minutes"] == 0


def test_code_in_display_name_verifies_and_credits_earlier_events(client, trainee, room):
    platform, course, session, secret = room
    code = _link(client, trainee, platform, "ks-1")["verification_code"]
    start = session.starts_at
    post_events(client, platform, secret, [event("a1", "join", start, "ks-1"),
                                           event("a2", "leave", start + timedelta(minutes=10),
                                                 "ks-1")])
    assert service.summary(trainee.id, course)["attended_minutes"] == 0
    proof = {**event("a3", "join", start + timedelta(minutes=30), "ks-1"),
             "user_name": f"李春花{code.lower()}", "connection": "c2"}
    post_events(client, platform, secret, [proof])
    account = db.session.scalar(select(PlatformAccount))
    assert account.status == "verified" and account.verified_how == "code"
    # 10 minutes before the proof, and 20 since it (open until now).
    assert service.summary(trainee.id, course)["attended_minutes"] == 30


def test_code_in_chat_text_verifies(client, trainee, room):
    platform, _course, session, secret = room
    code = _link(client, trainee, platform, "ks-1")["verification_code"]
    post_events(client, platform, secret, [{**event("h1", "heartbeat", session.starts_at, "ks-1"),
                                            "text": f"老师好 {code}"}])
    assert db.session.scalar(select(PlatformAccount.status)) == "verified"


def test_someone_elses_code_verifies_nothing(client, trainee, make_user, room):
    """Trainee B links A's viewer id: A's events carry no B code, and B cannot make them."""
    platform, course, session, secret = room
    thief = make_user("trainee")
    enrol(thief, course)
    _link(client, thief, platform, "ks-victim")
    post_events(client, platform, secret, [{**event("v1", "join", session.starts_at,
                                                    "ks-victim"), "user_name": "SB000000 王"}])
    assert db.session.scalar(select(PlatformAccount.status)) == "pending"
    assert service.summary(thief.id, course)["attended_minutes"] == 0


def test_one_viewer_id_one_trainee(client, trainee, make_user, room):
    platform, *_ = room
    _link(client, trainee, platform, "ks-1")
    other = make_user("trainee")
    response = client.put(f"/api/v1/me/platform-accounts/{platform.id}",
                          json={"user_ref": "ks-1"}, headers=api_headers(client, other))
    assert response.status_code == 409 and response.json["error"]["code"] == "already_linked"
    assert "请授课教师" in response.json["error"]["message"]  # unproven: staff can reassign it
    assert db.session.scalar(select(PlatformAccount.trainee_id)) == trainee.id


def test_cycling_through_unclaimed_ids_earns_nothing(client, trainee, room):
    """The issue's attack: link five strangers' ids one after another."""
    platform, course, session, secret = room
    for n in range(5):
        post_events(client, platform, secret, [
            event(f"s{n}a", "join", session.starts_at, f"stranger-{n}"),
            event(f"s{n}b", "leave", session.starts_at + timedelta(minutes=40), f"stranger-{n}")])
    for n in range(5):
        _link(client, trainee, platform, f"stranger-{n}")
    assert service.summary(trainee.id, course)["attended_minutes"] == 0


def test_instructor_of_the_course_verifies_others_cannot(client, trainee, instructor, make_user,
                                                         room):
    platform, course, session, secret = room
    account_id = _link(client, trainee, platform, "ks-1")["id"]
    post_events(client, platform, secret, [
        event("a1", "join", session.starts_at, "ks-1"),
        event("a2", "leave", session.starts_at + timedelta(minutes=25), "ks-1")])
    url = f"/api/v1/platform-accounts/{account_id}/verify"
    stranger = make_user("instructor")
    assert client.post(url, headers=api_headers(client, stranger)).status_code == 403
    assert client.post(url, headers=api_headers(client, trainee)).status_code == 403
    assert db.session.scalar(select(PlatformAccount.status)) == "pending"
    response = client.post(url, headers=api_headers(client, instructor))
    assert response.status_code == 200 and response.json == {"status": "verified"}
    assert service.summary(trainee.id, course)["attended_minutes"] == 25
    audit = db.session.scalar(select(AuditLog).where(
        AuditLog.action == "platform_account.verified"))
    assert audit.actor_id == instructor.id
    assert client.post("/api/v1/platform-accounts/99999/verify",
                       headers=api_headers(client, instructor)).status_code == 404


def test_verifying_after_the_session_closed_updates_its_result(client, trainee, officer,
                                                               make_course):
    from attendance import live
    from attendance.models import LiveAttendance

    platform = make_platform("B站直播")
    course = make_course(mode="live", required_hours=1)
    enrol(trainee, course)
    session = live_session(course, platform, minutes=30, starts_in=-60)
    secret = set_secret(platform)
    account_id = _link(client, trainee, platform, "bz-1")["id"]
    post_events(client, platform, secret, [
        event("b1", "join", session.starts_at, "bz-1"),
        event("b2", "leave", session.starts_at + timedelta(minutes=30), "bz-1")])
    live.close_session(session)
    db.session.commit()
    assert db.session.scalar(select(LiveAttendance.status)) == "absent"
    client.post(f"/api/v1/platform-accounts/{account_id}/verify",
                headers=api_headers(client, officer))
    row = db.session.scalar(select(LiveAttendance))
    assert row.status == "present" and row.seconds == 1800


def test_platform_signed_callback_verifies(client, trainee, room):
    platform, course, session, secret = room
    code = _link(client, trainee, platform, "ks-1")["verification_code"]
    body = json.dumps({"accounts": [{"user_ref": "ks-1", "verification_code": code},
                                    {"user_ref": "nobody", "verification_code": "SB1"}]}).encode()
    headers = {"Content-Type": "application/json", "X-SkillBridge-Platform": str(platform.id)}
    bad = client.post("/api/v1/live/account-verifications", data=body,
                      headers=headers | {"X-SkillBridge-Signature": "t=1,v1=00"})
    assert bad.status_code == 401
    assert db.session.scalar(select(PlatformAccount.status)) == "pending"
    wrong = json.dumps({"accounts": [{"user_ref": "ks-1", "verification_code": "SB999"}]})
    response = client.post("/api/v1/live/account-verifications", data=wrong.encode(),
                           headers=headers | {"X-SkillBridge-Signature": webhook_keys.sign(
                               secret, wrong.encode(), int(time.time()))})
    assert response.json == {"verified": [], "unknown": ["ks-1"]}
    response = client.post("/api/v1/live/account-verifications", data=body,
                           headers=headers | {"X-SkillBridge-Signature": webhook_keys.sign(
                               secret, body, int(time.time()))})
    assert response.status_code == 200
    assert response.json == {"verified": ["ks-1"], "unknown": ["nobody"]}
    assert db.session.scalar(select(PlatformAccount.verified_how)) == "platform"


def test_viewers_page_suggests_and_assigns(client, trainee, instructor, make_user, room):
    platform, course, session, secret = room
    trainee.phone = "13800138123"
    db.session.commit()
    stranger_instructor = make_user("instructor")
    post_events(client, platform, secret, [
        {**event("u1", "join", session.starts_at, "ks-anon"), "user_name": "春花8123"},
        event("u2", "leave", session.starts_at + timedelta(minutes=15), "ks-anon")])
    api = f"/api/v1/live-sessions/{session.id}/viewers"
    assert client.get(api, headers=api_headers(client, stranger_instructor)).status_code == 403
    viewers = client.get(api, headers=api_headers(client, instructor)).json["items"]
    assert viewers[0]["user_ref"] == "ks-anon" and viewers[0]["status"] == "unlinked"
    assert viewers[0]["suggestions"][0]["trainee_id"] == trainee.id
    assert "phone" in viewers[0]["suggestions"][0]["reasons"]
    login(client, instructor)
    page = client.get(f"/attendance/live/{session.id}/viewers")
    assert page.status_code == 200 and "ks-anon" in page.get_data(as_text=True)
    response = client.post(api + "/assign", json={"user_ref": "ks-anon", "trainee_id": trainee.id},
                           headers=api_headers(client, instructor))
    assert response.status_code == 200 and response.json["status"] == "verified"
    assert service.summary(trainee.id, course)["attended_minutes"] == 15
    assert client.get(api, headers=api_headers(client, instructor)).json["items"] == []
    assert db.session.scalar(select(AuditLog).where(
        AuditLog.action == "platform_account.assigned")) is not None


def test_assign_refuses_a_trainee_not_enrolled(client, instructor, make_user, room):
    platform, _course, session, secret = room
    outsider = make_user("trainee")
    post_events(client, platform, secret, [event("u1", "join", session.starts_at, "ks-x")])
    response = client.post(f"/api/v1/live-sessions/{session.id}/viewers/assign",
                           json={"user_ref": "ks-x", "trainee_id": outsider.id},
                           headers=api_headers(client, instructor))
    assert response.status_code == 422
    assert db.session.scalar(select(PlatformAccount)) is None


def test_trainee_link_page_shows_status_and_code(client, trainee, room):
    platform, *_ = room
    code = _link(client, trainee, platform, "ks-1")["verification_code"]
    login(client, trainee)
    page = client.get("/attendance/platform-accounts").get_data(as_text=True)
    assert code in page


def test_verified_link_stays_verified_when_linked_again(client, trainee, room):
    platform, *_ = room
    link(trainee, platform, "ks-1")
    body = _link(client, trainee, platform, "ks-1")
    assert body["status"] == "verified" and body["verification_code"] is None
    changed = _link(client, trainee, platform, "ks-2")
    assert changed["status"] == "pending"


def test_staff_assign_replaces_a_pending_squatter_not_a_verified_link(client, trainee, instructor,
                                                                       make_user, room):
    platform, course, session, secret = room
    squatter = make_user("trainee")
    enrol(squatter, course)
    _link(client, squatter, platform, "ks-real")  # pending claim on trainee's viewer id
    post_events(client, platform, secret, [
        event("r1", "join", session.starts_at, "ks-real"),
        event("r2", "leave", session.starts_at + timedelta(minutes=12), "ks-real")])
    url = f"/api/v1/live-sessions/{session.id}/viewers/assign"
    response = client.post(url, json={"user_ref": "ks-real", "trainee_id": trainee.id},
                           headers=api_headers(client, instructor))
    assert response.status_code == 200
    assert service.summary(trainee.id, course)["attended_minutes"] == 12
    assert service.summary(squatter.id, course)["attended_minutes"] == 0
    again = client.post(url, json={"user_ref": "ks-real", "trainee_id": squatter.id},
                        headers=api_headers(client, instructor))
    assert again.status_code == 409 and again.json["error"]["code"] == "already_linked"


def test_an_officer_of_another_region_cannot_verify(client, trainee, officer, room):
    """The trainee lives in 平湖市 (330482): an officer of 长沙市 only may not vouch for them."""
    from accounts import scope
    platform, course, session, secret = room
    account_id = _link(client, trainee, platform, "ks-1")["id"]
    url = f"/api/v1/platform-accounts/{account_id}/verify"
    scope.set_regions(None, officer, ["430100"])
    db.session.commit()
    response = client.post(url, headers=api_headers(client, officer))
    assert response.status_code == 403 and response.json["error"]["code"] == "region_forbidden"
    assert db.session.scalar(select(PlatformAccount.status)) == "pending"
    assert not db.session.scalar(select(AuditLog).where(
        AuditLog.action == "platform_account.verified"))
    scope.set_regions(None, officer, ["330400"])
    db.session.commit()
    assert client.post(url, headers=api_headers(client, officer)).json == {"status": "verified"}
