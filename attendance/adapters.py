"""Live-platform adapters: one small class per vendor webhook format, one registry by name
(the shape of CTFd's challenge types). An adapter checks the vendor's signature, answers its
handshake and turns its payload into our events; `ingest.store_events` does the rest.

- skillbridge: our signed batch (`X-SkillBridge-Signature: t=..,v1=HMAC-SHA256("t.body")`).
- zoom: `x-zm-signature: v0=HMAC-SHA256("v0:{x-zm-request-timestamp}:{body}")`, the
  `endpoint.url_validation` handshake, meeting.participant_joined / _left.
- tencent_meeting: `signature = sha1(sorted(token, timestamp, nonce, data))` headers, a GET
  URL check echoing the base64-decoded `check_str`, POST `{"data": base64(JSON)}` with
  meeting.participant-joined / -left.

Rooms that push no join/leave at all (Douyin, Kuaishou live) need no adapter: presence comes
from our live page's heartbeat while the trainee watches there.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select

from attendance import ingest, webhook_keys
from attendance.models import ADAPTERS, PlatformWebhookLog, PlatformWebhookSecret
from core.errors import Conflict, Invalid, ServiceError
from core.extensions import db
from core.timeutil import now_utc

LOG_KEEP = 20  # rows per platform and kind on the officer's page


@dataclass
class Reply:
    """What the endpoint answers: JSON (a dict) or plain text, and for a handshake nothing
    to store."""

    body: dict | str
    status: int = 200
    events: list[dict] = field(default_factory=list)
    note: str = ""  # for the log when there is nothing to store (a handshake)


def _tolerance() -> int:
    return int(current_app.config["ATTENDANCE_WEBHOOK_TOLERANCE_SECONDS"])


def _fresh(timestamp: str | None, millis_ok: bool = False) -> int:
    try:
        value = int(timestamp or "")
    except ValueError as exc:
        raise webhook_keys.BadSignature(_("Missing or malformed signature header.")) from exc
    if millis_ok and value > 10**11:  # a vendor that stamps milliseconds
        value //= 1000
    if abs(time.time() - value) > _tolerance():
        raise webhook_keys.BadSignature(_("The signature timestamp is too old or in the "
                                          "future."), code="stale_signature")
    return value


def _json(body: bytes):
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(_("The request body is not valid JSON."), code="malformed_json") from exc


def _bad_payload(message: str) -> Invalid:
    return Invalid(_("Some fields are invalid."), fields={"payload": [message]})


def _text(value, limit: int) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError
    return value.strip() or None


def _at(value: datetime, now: datetime) -> datetime:
    if value > now + timedelta(minutes=5):
        raise ValueError
    return value


class Adapter:
    """One vendor's webhook. `receive` verifies, parses and stores; subclasses implement
    `verify` (raise BadSignature) and `parse` (a Reply with our events)."""

    name = ""

    def verify(self, platform_id: int, method: str, headers, args, body: bytes) -> str:
        """Check the signature; return the secret that made it."""
        raise NotImplementedError

    def parse(self, secret: str, method: str, args, body: bytes, now: datetime) -> Reply:
        raise NotImplementedError

    def receive(self, platform_id, headers, body: bytes, method: str = "POST",
                args=None) -> Reply:
        ingest.check_size(body)
        platform_id = ingest.platform_for(platform_id)
        try:
            configured = adapter_of(platform_id)
            if configured != self.name:
                raise Conflict(_("This platform is set up for the %(a)s adapter.", a=configured),
                               code="adapter_mismatch")
            secret = self.verify(platform_id, method, headers, args or {}, body)
            now = now_utc()
            reply = self.parse(secret, method, args or {}, body, now)
            if reply.events:
                result = ingest.store_events(platform_id, reply.events, now)
                if isinstance(reply.body, dict):
                    reply.body = result
                log(platform_id, self.name, "received", _summary(reply.events, result))
            else:
                log(platform_id, self.name, "received", reply.note or _("no attendance events"))
        except ServiceError as error:
            log_error(platform_id, self.name, f"{error.status} {error.code}: {error.message}")
            raise
        return reply


def _summary(events: list[dict], result: dict) -> str:
    # Stored without words ("accepted/duplicates/unmatched (kinds)"): pages and the API show
    # it in the reader's language (summary_text).
    kinds = sorted({e["type"] for e in events})
    return (f"{result['accepted']}/{result['duplicates']}/{len(result['unmatched'])} "
            f"({', '.join(kinds) or '-'})")[:300]


_COUNTS = re.compile(r"^(\d+)/(\d+)/(\d+) \((.*)\)$")


def summary_text(summary: str) -> str:
    """A received-events log line in words, in the current language."""
    found = _COUNTS.match(summary or "")
    if not found:
        return summary
    accepted, duplicates, unmatched, kinds = found.groups()
    return _("%(accepted)d accepted, %(duplicates)d duplicates, %(unmatched)d unmatched",
             accepted=int(accepted), duplicates=int(duplicates),
             unmatched=int(unmatched)) + f" ({kinds})"


def _empty() -> dict:
    return {"accepted": 0, "duplicates": 0, "unmatched": [], "unmatched_reasons": {}}


class SkillBridge(Adapter):
    name = "skillbridge"

    def verify(self, platform_id, method, headers, args, body):
        header = headers.get(webhook_keys.SIGNATURE_HEADER, "")
        return webhook_keys.verify(platform_id, header, body, _tolerance())

    def parse(self, secret, method, args, body, now):
        events = ingest.parse_events(_json(body), current_app.config[
            "ATTENDANCE_WEBHOOK_MAX_EVENTS"], now)
        return Reply(body=_empty(), events=events)

    def receive(self, platform_id, headers, body, method="POST", args=None):
        reply = super().receive(platform_id, headers, body, method, args)
        return reply.body


def _hmac_hex(secret: str, message: str | bytes) -> str:
    message = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class Zoom(Adapter):
    """Zoom's event notifications, as Zoom sends them (developers.zoom.us/docs/api/webhooks)."""

    name = "zoom"
    KINDS = {"meeting.participant_joined": ("join", "join_time"),
             "meeting.participant_left": ("leave", "leave_time")}

    def verify(self, platform_id, method, headers, args, body):
        timestamp = headers.get("x-zm-request-timestamp", "")
        _fresh(timestamp)
        given = headers.get("x-zm-signature", "")
        signed = f"v0:{timestamp}:".encode() + body
        for secret in webhook_keys.active_secrets(platform_id):
            if hmac.compare_digest("v0=" + _hmac_hex(secret, signed), given):
                return secret
        raise webhook_keys.BadSignature(_("The signature does not match."))

    def parse(self, secret, method, args, body, now):
        payload = _json(body)
        if not isinstance(payload, dict) or not isinstance(payload.get("event"), str) \
                or not isinstance(payload.get("payload"), dict):
            raise _bad_payload(_("A Zoom event has event and payload."))
        kind, inner = payload["event"], payload["payload"]
        if kind == "endpoint.url_validation":
            token = inner.get("plainToken")
            if not isinstance(token, str) or not 0 < len(token) <= 256:
                raise _bad_payload(_("plainToken is missing."))
            return Reply(body={"plainToken": token, "encryptedToken": _hmac_hex(secret, token)},
                         note="endpoint.url_validation answered")
        if kind not in self.KINDS:
            return Reply(body=_empty())  # subscribed to more than we need: acknowledged
        ours, time_key = self.KINDS[kind]
        try:
            meeting = inner["object"]
            person = meeting["participant"]
            room = _text(meeting.get("id"), 128)
            user_ref = _text(person.get("participant_user_id"), 128) \
                or _text(person.get("email"), 128)
            connection = _text(person.get("user_id"), 64)
            at = _at(ingest._parse_at(person[time_key]), now)
            name = _text(person.get("user_name"), 128)
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
            raise _bad_payload(_("A participant event needs object.id, participant and its "
                                 "%(key)s.", key=time_key)) from exc
        if room is None or user_ref is None:
            return Reply(body=_empty())  # a guest without a Zoom account: nobody to credit
        # Zoom has no event id; the same participant change always hashes the same.
        stable = "|".join([kind, str(meeting.get("uuid") or room),
                           str(person.get("participant_uuid") or connection or user_ref),
                           person[time_key]])
        ref = "zoom:" + hashlib.sha256(stable.encode()).hexdigest()[:40]
        return Reply(body=_empty(), events=[{
            "event_ref": ref, "type": ours, "room": room, "user_ref": user_ref, "at": at,
            "connection": connection, "user_name": name, "device": None, "text": None}])


class TencentMeeting(Adapter):
    """Tencent Meeting's webhook (cloud.tencent.com/document/product/1095/51612 and 51620)."""

    name = "tencent_meeting"
    KINDS = {"meeting.participant-joined": "join", "meeting.participant-left": "leave"}
    ACK = "successfully received callback"

    def verify(self, platform_id, method, headers, args, body):
        timestamp, nonce = headers.get("timestamp", ""), headers.get("nonce", "")
        _fresh(timestamp, millis_ok=True)
        if method == "GET":
            data = args.get("check_str", "")
        else:
            payload = _json(body)
            data = payload.get("data") if isinstance(payload, dict) else None
            if not isinstance(data, str):
                raise _bad_payload(_('The body must be {"data": "<base64>"}.'))
        given = headers.get("signature", "")
        for secret in webhook_keys.active_secrets(platform_id):
            joined = "".join(sorted([secret, timestamp, nonce, data]))
            if hmac.compare_digest(hashlib.sha1(joined.encode()).hexdigest(), given):
                return secret
        raise webhook_keys.BadSignature(_("The signature does not match."))

    @staticmethod
    def _decode(value: str) -> str:
        try:
            return base64.b64decode(value, validate=True).decode()
        except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
            raise _bad_payload(_("The data is not base64 text.")) from exc

    def parse(self, secret, method, args, body, now):
        if method == "GET":  # the URL check (and Tencent's periodic heartbeat)
            return Reply(body=self._decode(args.get("check_str", "")), note="check_str answered")
        message = _json(self._decode(json.loads(body)["data"]).encode())
        if not isinstance(message, dict) or not isinstance(message.get("payload"), list):
            raise _bad_payload(_("A Tencent Meeting event has event, trace_id and payload."))
        kind = self.KINDS.get(message.get("event"))
        if kind is None:
            return Reply(body=self.ACK)
        trace = message.get("trace_id")
        if not isinstance(trace, str) or not trace or len(message["payload"]) > 1000:
            raise _bad_payload(_("A Tencent Meeting event has event, trace_id and payload."))
        events = []
        for index, item in enumerate(message["payload"]):
            try:
                who, meeting = item["operator"], item["meeting_info"]
                room = _text(meeting.get("meeting_code"), 128) \
                    or _text(meeting.get("meeting_id"), 128)
                user_ref = _text(who.get("userid"), 128) or _text(who.get("open_id"), 128) \
                    or _text(who.get("uuid"), 128)
                person = _text(who.get("ms_open_id"), 48) or user_ref or ""
                device = _text(who.get("instance_id"), 12) or ""
                at = _at(datetime.fromtimestamp(int(item["operate_time"]) / 1000, UTC), now)
                name = _text(who.get("nick_name"), 128) or _text(who.get("user_name"), 128)
            except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
                raise _bad_payload(_("Each payload item needs operate_time, operator and "
                                     "meeting_info.")) from exc
            if room is None or user_ref is None:
                continue
            ref = "tm:" + hashlib.sha256(f"{trace}|{index}".encode()).hexdigest()[:40]
            events.append({"event_ref": ref, "type": kind, "room": room, "user_ref": user_ref,
                           "at": at, "connection": f"{person}:{device}"[:64], "user_name": name,
                           "device": None, "text": None})
        return Reply(body=self.ACK, events=events)


REGISTRY: dict[str, Adapter] = {a.name: a for a in (SkillBridge(), Zoom(), TencentMeeting())}
assert set(REGISTRY) == set(ADAPTERS)


def get(name: str) -> Adapter:
    return REGISTRY[name]


def adapter_of(platform_id: int) -> str:
    """The platform's adapter: the one its newest secret was set for (skillbridge without)."""
    return db.session.scalar(select(PlatformWebhookSecret.adapter).where(
        PlatformWebhookSecret.platform_id == platform_id)
        .order_by(PlatformWebhookSecret.id.desc()).limit(1)) or "skillbridge"


# --- the rolling log -----------------------------------------------------------------------------

def _write_log(conn, platform_id: int, adapter: str, kind: str, summary: str) -> None:
    conn.execute(insert(PlatformWebhookLog.__table__).values(
        platform_id=platform_id, adapter=adapter, kind=kind, summary=summary[:300],
        at=now_utc()))
    keep = select(PlatformWebhookLog.id).where(
        PlatformWebhookLog.platform_id == platform_id, PlatformWebhookLog.kind == kind) \
        .order_by(PlatformWebhookLog.id.desc()).limit(LOG_KEEP)
    conn.execute(delete(PlatformWebhookLog.__table__).where(
        PlatformWebhookLog.platform_id == platform_id, PlatformWebhookLog.kind == kind,
        PlatformWebhookLog.id.not_in(keep.scalar_subquery())))


def log(platform_id: int, adapter: str, kind: str, summary: str) -> None:
    """A line on the officer's platform page, in the request's transaction."""
    _write_log(db.session.connection(), platform_id, adapter, kind, summary)


def log_error(platform_id: int, adapter: str, summary: str) -> None:
    """An error line: the failing request rolls back, so it is written on its own."""
    db.session.rollback()
    with db.engine.begin() as conn:
        _write_log(conn, platform_id, adapter, "error", summary)


def recent_log(platform_id: int) -> dict[str, list[PlatformWebhookLog]]:
    rows = db.session.scalars(select(PlatformWebhookLog).where(
        PlatformWebhookLog.platform_id == platform_id)
        .order_by(PlatformWebhookLog.id.desc())).all()
    return {kind: [r for r in rows if r.kind == kind][:10] for kind in ("received", "error")}
