"""PostgreSQL's webhook ingest path: COPY into a per-connection staging table, then one merge
into live_events. Exactly once (duplicates inside a batch, replayed batches), and a crash
between COPY and merge stores nothing and leaves nothing staged for the next request."""

import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from attendance import ingest
from attendance.models import LiveEvent
from core.extensions import db
from tests.attendance.helpers import event, link, live_session, post_events, set_secret
from tests.factories import enrol, make_platform

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="the COPY path is PostgreSQL's")


@pytest.fixture
def setup(trainee, make_course, monkeypatch):
    monkeypatch.setattr(ingest, "PG_INGEST", "copy")
    platform = make_platform("直播电商学院")
    course = make_course(mode="live", required_hours=1)
    enrol(trainee, course)
    link(trainee, platform, "douyin-lch")
    session = live_session(course, platform, minutes=60, starts_in=-50)
    return platform, session, set_secret(platform)


@pytest.fixture
def staged(monkeypatch):
    """Counts the batches that went through COPY."""
    calls = []
    stage = ingest._stage

    def counting(cursor, rows):
        calls.append(len(rows))
        stage(cursor, rows)

    monkeypatch.setattr(ingest, "_stage", counting)
    return calls


def _count():
    return db.session.scalar(select(func.count()).select_from(LiveEvent))


def _events(session, prefix, n):
    return [event(f"{prefix}{i}", "heartbeat", session.starts_at + timedelta(minutes=i),
                  "douyin-lch") for i in range(n)]


def test_duplicates_inside_a_batch_and_replays_are_stored_once(client, setup, staged):
    platform, session, secret = setup
    batch = _events(session, "e", 5)
    first = post_events(client, platform, secret, batch + [batch[2], batch[0]]).get_json()
    assert (first["accepted"], first["duplicates"]) == (5, 2)
    again = post_events(client, platform, secret, batch).get_json()
    assert (again["accepted"], again["duplicates"]) == (0, 5)
    overlap = post_events(client, platform, secret, batch[3:] + _events(session, "f", 2))
    assert (overlap.get_json()["accepted"], overlap.get_json()["duplicates"]) == (2, 2)
    assert staged == [5, 5, 4]
    assert _count() == 7
    assert db.session.scalar(select(func.count(func.distinct(LiveEvent.event_ref)))) == 7


def test_merge_skips_a_duplicate_inside_the_staged_rows(setup):
    # store_events already drops repeated ids; the merge alone must also store one of each.
    platform, session, _secret = setup
    now = session.starts_at + timedelta(minutes=1)
    row = {"platform_id": platform.id, "event_ref": "x1", "source": "webhook", "type": "join",
           "room": "room-1", "user_ref": "u", "device": None, "connection": None,
           "user_name": None, "at": now, "received_at": now, "session_id": session.id,
           "trainee_id": None}
    assert ingest._copy_ignoring_duplicates(db.session.connection(), [row, dict(row)]) == {"x1"}
    assert ingest._copy_ignoring_duplicates(db.session.connection(), [row]) == set()
    db.session.commit()
    assert _count() == 1


def _staged_rows_on(backend_pid: int) -> int | None:
    """Rows in the staging table of the pooled connection with this backend pid (None when
    that connection has no staging table). Holds connections until it meets that one."""
    held = []
    try:
        for _ in range(30):
            conn = db.engine.connect()
            held.append(conn)
            if conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != backend_pid:
                continue
            if conn.exec_driver_sql(f"SELECT to_regclass('pg_temp.{ingest._STAGING}')").scalar() \
                    is None:
                return None
            return conn.exec_driver_sql(f"SELECT count(*) FROM pg_temp.{ingest._STAGING}").scalar()
        raise AssertionError("the connection of the crashed request left the pool")
    finally:
        for conn in held:
            conn.close()


def test_crash_between_copy_and_merge_stores_nothing(setup, monkeypatch):
    platform, session, _secret = setup
    ready = ingest.store_events(platform.id, ingest.parse_events(
        {"events": _events(session, "a", 1)}, 1000, session.ends_at))
    assert ready["accepted"] == 1
    db.session.commit()  # the staging table now exists on that connection, empty

    seen = {}
    merge = ingest._merge

    def crash(cursor):
        seen["pid"] = cursor.connection.info.backend_pid
        cursor.execute(f"SELECT count(*) FROM {ingest._STAGING}")
        seen["staged"] = cursor.fetchone()[0]
        raise RuntimeError("worker killed between COPY and merge")

    monkeypatch.setattr(ingest, "_merge", crash)
    batch = ingest.parse_events({"events": _events(session, "b", 4)}, 1000, session.ends_at)
    with pytest.raises(RuntimeError):
        ingest.store_events(platform.id, batch)
    db.session.rollback()  # what the request's teardown does
    assert seen["staged"] == 4
    assert _count() == 1
    db.session.commit()
    assert _staged_rows_on(seen["pid"]) == 0

    monkeypatch.setattr(ingest, "_merge", merge)
    retried = ingest.store_events(platform.id, batch)
    db.session.commit()
    assert (retried["accepted"], retried["duplicates"]) == (4, 0)
    assert _count() == 5
