"""Live sessions' webhook ingest: a platform's batch of join, leave and heartbeat events
validated, matched to a session and a verified viewer, and stored exactly once (COPY and one
merge on PostgreSQL). Platform adapters (attendance/adapters.py) turn vendor payloads into
these events."""

from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from attendance import accounts, webhook_keys
from attendance.live import MATCH_MARGIN, store_results
from attendance.models import EVENT_TYPES, LiveSession
from core import audit
from core.api import DB_INT_MAX
from core.errors import Invalid, ServiceError
from core.extensions import db
from core.timeutil import now_utc
from courses.models import Platform


class PayloadTooLarge(ServiceError):
    status, code = 413, "payload_too_large"


def _parse_at(value) -> datetime:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise ValueError
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError
    return parsed.astimezone(UTC)


EVENT_KEYS = frozenset({"id", "type", "room", "user_ref", "at", "device", "connection",
                        "user_name", "text"})
_LIMITS = (("room", 128), ("user_ref", 128))
_OPTIONAL = (("device", 64), ("connection", 64), ("user_name", 128), ("text", 500))


def _event(event, future: datetime) -> dict:
    """One webhook event, validated (ValueError when anything is wrong)."""
    if type(event) is not dict or not event.keys() <= EVENT_KEYS:
        raise ValueError
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise ValueError
    ref = event.get("id")
    if type(ref) is int:
        ref = str(ref)
    if type(ref) is not str or not ref.strip() or len(ref) > 64:
        raise ValueError
    for key, limit in _LIMITS:
        value = event.get(key)
        if type(value) is not str or not value.strip() or len(value) > limit:
            raise ValueError
    for key, limit in _OPTIONAL:
        value = event.get(key)
        if value is not None and (type(value) is not str or len(value) > limit):
            raise ValueError
    at = _parse_at(event.get("at"))
    if at > future:
        raise ValueError
    return {"event_ref": ref, "type": kind, "room": event["room"],
            "user_ref": event["user_ref"], "device": event.get("device"), "at": at,
            "connection": event.get("connection") or None,
            "user_name": event.get("user_name") or None, "text": event.get("text") or None}


def parse_events(payload, max_events: int, now: datetime) -> list[dict]:
    """Validate a webhook body into plain event dicts; 413 beyond `max_events`, 422 on any
    malformed event (nothing is stored then)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list) \
            or set(payload) - {"events"}:
        raise Invalid(_("Some fields are invalid."),
                      fields={"events": [_('The body must be {"events": [...]}.')]})
    raw = payload["events"]
    if len(raw) > max_events:
        raise PayloadTooLarge(_("At most %(n)d events per request.", n=max_events))
    errors: dict[str, list[str]] = {}
    events = []
    future = now + timedelta(minutes=5)
    for index, event in enumerate(raw):
        try:
            events.append(_event(event, future))
        except (ValueError, TypeError, OverflowError):
            errors[f"events.{index}"] = [_("Each event needs id, type (join, leave or "
                                           "heartbeat), room, user_ref and an ISO 8601 time "
                                           "with offset, not in the future.")]
            if len(errors) >= 20:
                break
    if errors:
        raise Invalid(_("Some events are invalid; none were stored."), fields=errors)
    return events


EVENT_COLUMNS = ("platform_id", "event_ref", "source", "type", "room", "user_ref", "device",
                 "connection", "user_name", "at", "received_at", "session_id", "trainee_id")


def _insert_ignoring_duplicates(rows: list[dict]) -> set[str]:
    """Insert event rows; the ones already stored (same platform and event id) are skipped.
    Returns the event ids actually inserted. Straight to the driver, this is the hot path of
    the webhook: on PostgreSQL COPY and one merge (or one INSERT from unnest'ed arrays), on
    SQLite one multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING per 500 rows."""
    if not rows:
        return set()
    sqlite = db.engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    one = "(" + ", ".join([mark] * len(EVENT_COLUMNS)) + ")"

    def stamp(value: datetime):  # the format SQLAlchemy's SQLite DateTime stores (naive UTC)
        return value.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else value

    inserted: set[str] = set()
    connection = db.session.connection()
    if not sqlite and PG_INGEST == "copy":
        return _copy_ignoring_duplicates(connection, rows)
    if not sqlite:  # one array per column: 11 parameters whatever the batch size
        types = ("int", "text", "text", "text", "text", "text", "text", "text", "text",
                 "timestamptz", "timestamptz", "int", "int")
        arrays = tuple([row[c] for row in rows] for c in EVENT_COLUMNS)
        sql = (f"INSERT INTO live_events ({', '.join(EVENT_COLUMNS)}) SELECT * FROM unnest("
               + ", ".join(f"%s::{t}[]" for t in types)
               + ") ON CONFLICT (platform_id, event_ref) DO NOTHING RETURNING event_ref")
        return {r[0] for r in connection.exec_driver_sql(sql, arrays)}
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        params: list = []
        received = stamp(chunk[0]["received_at"])  # one batch, one receive time
        for row in chunk:
            params.extend((row["platform_id"], row["event_ref"], row["source"], row["type"],
                           row["room"], row["user_ref"], row["device"], row["connection"],
                           row["user_name"], stamp(row["at"]), received, row["session_id"],
                           row["trainee_id"]))
        sql = (f"INSERT INTO live_events ({', '.join(EVENT_COLUMNS)}) VALUES "
               + ", ".join([one] * len(chunk))
               + " ON CONFLICT (platform_id, event_ref) DO NOTHING RETURNING event_ref")
        inserted.update(r[0] for r in connection.exec_driver_sql(sql, tuple(params)))
    return inserted


# PostgreSQL: "copy" (COPY into a staging table, then one merge) or "unnest" (one
# INSERT ... SELECT FROM unnest(arrays)). COPY won the A/B (bench/live_insert_ab.py: 1,000 new
# events 20.5 ms against 28.7 ms, a replayed batch 10.3 against 17.8); unnest stays for the
# benchmarks' A/B (BENCH_PG_INGEST) and as a fallback behind a pooler without temp tables.
PG_INGEST = "copy"
_STAGING = "live_events_incoming"


def _copy_ignoring_duplicates(connection, rows: list[dict]) -> set[str]:
    """PostgreSQL: COPY the rows into a per-connection temporary table, then move them into
    live_events in one statement that also empties the staging table. ON COMMIT DELETE ROWS
    and the transaction (a crash between COPY and merge rolls the COPY back) keep leftovers
    from reaching the next request on the same connection."""
    raw = connection.connection.driver_connection  # psycopg 3, inside the session's transaction
    with raw.cursor() as cursor:
        _stage(cursor, rows)
        return _merge(cursor)


def _stage(cursor, rows: list[dict]) -> None:
    columns = ", ".join(EVENT_COLUMNS)
    # Only our columns, no constraints or defaults: LIKE ... INCLUDING DEFAULTS would copy the
    # id sequence's default and draw every id twice. A table created in a transaction that
    # rolls back is gone again, hence IF NOT EXISTS on every batch rather than a flag.
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} ON COMMIT DELETE ROWS AS "
                   f"SELECT {columns} FROM live_events WITH NO DATA")
    with cursor.copy(f"COPY {_STAGING} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in EVENT_COLUMNS])


def _merge(cursor) -> set[str]:
    columns = ", ".join(EVENT_COLUMNS)
    cursor.execute(f"WITH moved AS (DELETE FROM {_STAGING} RETURNING {columns}) "
                   f"INSERT INTO live_events ({columns}) SELECT {columns} FROM moved "
                   "ON CONFLICT (platform_id, event_ref) DO NOTHING RETURNING event_ref")
    return {r[0] for r in cursor.fetchall()}


def _match_sessions(platform_id: int, rooms: set[str]) -> dict[str, list[LiveSession]]:
    by_room: dict[str, list[LiveSession]] = {}
    if rooms:
        for session in db.session.scalars(select(LiveSession).where(
                LiveSession.platform_id == platform_id, LiveSession.room.in_(rooms))):
            by_room.setdefault(session.room, []).append(session)
    return by_room


def _session_for(candidates: list[LiveSession], at: datetime) -> LiveSession | None:
    for session in candidates:
        if session.starts_at - MATCH_MARGIN <= at <= session.ends_at + MATCH_MARGIN:
            return session
    return None


def ingest(platform_header: str | None, signature: str | None, body: bytes) -> dict:
    """Verify and store one signed webhook batch in our own format (the skillbridge adapter).
    Returns accepted / duplicates / unmatched."""
    from attendance import adapters

    return adapters.get("skillbridge").receive(platform_header, {
        webhook_keys.SIGNATURE_HEADER: signature or ""}, body)


def platform_for(platform_header) -> int:
    """The platform id a webhook names (401 for an unknown one: nothing to verify with)."""
    try:
        platform_id = int(platform_header or "")
    except ValueError as exc:
        raise webhook_keys.BadSignature(_("Unknown platform.")) from exc
    if not 0 < platform_id <= DB_INT_MAX or db.session.get(Platform, platform_id) is None:
        raise webhook_keys.BadSignature(_("Unknown platform."))
    return platform_id


def check_size(body: bytes) -> None:
    if len(body) > current_app.config["ATTENDANCE_WEBHOOK_MAX_BYTES"]:
        raise PayloadTooLarge(_("The request body is too large."))


def store_events(platform_id: int, events: list[dict], now: datetime | None = None) -> dict:
    """Store validated events of one platform (from any adapter): duplicates by event id are
    skipped, events of verified accounts are matched to trainees, codes in names or chat verify
    pending links, a late batch updates closed sessions' results."""
    now = now or now_utc()
    unique: dict[str, dict] = {}
    for event in events:
        unique.setdefault(event["event_ref"], event)
    accounts.verify_by_code(platform_id, list(unique.values()))
    trainees = accounts.verified_trainees(platform_id, {e["user_ref"] for e in unique.values()})
    by_room = _match_sessions(platform_id, {e["room"] for e in unique.values()})
    rows, reasons = [], {}
    for ref, event in unique.items():
        session = _session_for(by_room.get(event["room"], []), event["at"])
        trainee_id = trainees.get(event["user_ref"])
        if session is None or trainee_id is None:
            reasons[ref] = "unknown_room" if session is None else "unknown_user"
        rows.append({"event_ref": ref, "type": event["type"], "room": event["room"],
                     "user_ref": event["user_ref"], "device": event.get("device"),
                     "connection": event.get("connection"), "at": event["at"],
                     "user_name": (event.get("user_name") or "")[:128] or None,
                     "platform_id": platform_id, "source": "webhook",
                     "received_at": now, "session_id": session.id if session else None,
                     "trainee_id": trainee_id, "_session": session})
    inserted = _insert_ignoring_duplicates(
        [{k: v for k, v in row.items() if k != "_session"} for row in rows])
    late = {(row["_session"], row["trainee_id"]) for row in rows
            if row["event_ref"] in inserted and row["_session"] is not None
            and row["_session"].closed_at is not None and row["trainee_id"] is not None}
    late_by_session: dict[LiveSession, list[int]] = {}
    for session, trainee_id in late:
        late_by_session.setdefault(session, []).append(trainee_id)
    for session, trainee_ids in late_by_session.items():  # a batch arriving after closing
        store_results(session, sorted(trainee_ids))
    unmatched = [ref for ref in unique if ref in inserted and ref in reasons]
    result = {"accepted": len(inserted), "duplicates": len(events) - len(inserted),
              "unmatched": unmatched,
              "unmatched_reasons": {ref: reasons[ref] for ref in unmatched}}
    audit.record(None, "live.events_received", ("Platform", platform_id), after={
        "accepted": result["accepted"], "duplicates": result["duplicates"],
        "unmatched": len(unmatched)})
    return result
