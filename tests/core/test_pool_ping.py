"""The pool pings a connection only when it sat idle or the server closed it (core.setup
replaces pool_pre_ping, which cost every request a round trip)."""

import time

import pytest
from sqlalchemy import create_engine, event, text

from core import setup
from core.extensions import db


@pytest.fixture
def engine():
    """A one-connection pool with the app's checkout rule, so every checkout gets the same
    connection back."""
    made = create_engine(db.engine.url, pool_size=1, max_overflow=0)
    event.listen(made, "checkout", setup._ping_if_stale(made))
    event.listen(made, "checkin", setup._note_return)
    pings = []
    real = made.dialect.do_ping
    made.dialect.do_ping = lambda conn: pings.append(1) or real(conn)
    made.pings = pings
    yield made
    made.dispose()


def _pid(conn):
    return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_connection_back_from_a_request_moments_ago_is_not_pinged(engine):
    for _ in range(3):
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    assert engine.pings == []


def test_a_connection_idle_past_the_limit_is_pinged(engine):
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        record = conn.connection._connection_record
    with engine.connect() as conn:  # checked in again: idle since now
        assert conn.connection._connection_record is record
    record.info[setup._RETURNED_AT] -= setup.PING_AFTER_IDLE_SECONDS + 1
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert engine.pings == [1]


def test_a_connection_the_server_closed_is_replaced_before_the_request_uses_it(engine):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (a server that can close a connection)")
    with engine.connect() as conn:
        first = _pid(conn)
    admin = create_engine(db.engine.url)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
    admin.dispose()
    time.sleep(0.2)  # the terminated backend's notice and FIN reach our socket
    with engine.connect() as conn:  # used a moment ago, but its socket reads as closed
        assert _pid(conn) != first
    assert engine.pings == [1]
