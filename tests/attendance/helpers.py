"""Helpers for attendance tests: signed webhook batches, live sessions."""

import json
import time
from datetime import timedelta

from attendance import webhook_keys
from attendance.models import LiveSession, PlatformAccount
from core.extensions import db
from core.timeutil import now_utc


def set_secret(platform, officer=None) -> str:
    secret = webhook_keys.rotate(officer, platform.id)
    db.session.commit()
    return secret


def live_session(course, platform=None, room="room-1", minutes=60, starts_in=-30):
    start = now_utc().replace(microsecond=0) + timedelta(minutes=starts_in)
    session = LiveSession(course_id=course.id, title="直播带货实操", kind="selling_practice",
                          platform_id=platform.id if platform else None,
                          room=room if platform else None, starts_at=start,
                          ends_at=start + timedelta(minutes=minutes))
    db.session.add(session)
    db.session.commit()
    return session


def link(trainee, platform, user_ref, status="verified") -> PlatformAccount:
    """A link as it stands once proven (pass status="pending" for an unproven one)."""
    account = PlatformAccount(trainee_id=trainee.id, platform_id=platform.id, user_ref=user_ref,
                              status=status, verification_code="SB123456",
                              verified_at=now_utc() if status == "verified" else None,
                              verified_how="staff" if status == "verified" else None)
    db.session.add(account)
    db.session.commit()
    return account


def post_events(client, platform, secret, events, timestamp=None, body=None, headers=None):
    body = body if body is not None else json.dumps({"events": events}).encode()
    signature = webhook_keys.sign(secret, body, int(time.time()) if timestamp is None
                                  else timestamp)
    return client.post("/api/v1/live/events", data=body, headers={
        "Content-Type": "application/json", "X-SkillBridge-Signature": signature,
        "X-SkillBridge-Platform": str(platform.id), **(headers or {})})


def event(eid, kind, at, user_ref="u-1", room="room-1"):
    return {"id": eid, "type": kind, "room": room, "user_ref": user_ref, "at": at.isoformat()}
