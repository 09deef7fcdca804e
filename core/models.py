"""Base model pieces: UTC-aware timestamps, integer enums with translated titles, an INSERT
with the database's ON CONFLICT clauses, a statement committed on its own."""

from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.timeutil import as_utc, now_utc


def conflict_insert(target):
    """INSERT into `target` (a model or table) with the ON CONFLICT clauses of the app's
    database: PostgreSQL's or SQLite's (`on_conflict_do_nothing`, `on_conflict_do_update`)."""
    return (postgresql if db.engine.dialect.name == "postgresql" else sqlite).insert(target)


try:
    from psycopg.pq import TransactionStatus

    _PG_IDLE = TransactionStatus.IDLE
except ImportError:  # an install without PostgreSQL's driver
    _PG_IDLE = None


@contextmanager
def on_its_own():
    """Statements run inside are committed each on its own (PostgreSQL autocommit), when no
    transaction is open yet; otherwise, and on SQLite, they join the request's transaction
    as usual. For a request whose work is one statement (a bearer token's user, an autosave):
    psycopg opens a transaction with a BEGIN of its own round trip and closes it with a
    COMMIT of another, three round trips for one statement. Under READ COMMITTED each
    statement reads its own snapshot anyway. Statements after the block open the request's
    transaction as usual, and the request's commit skips a connection with none open."""
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.driver != "psycopg" or raw.info.transaction_status != _PG_IDLE:
        yield
        return
    raw.autocommit = True
    try:
        yield
    finally:
        try:
            raw.autocommit = False
        except Exception:
            # Never back to the pool in autocommit: the next request's writes would commit
            # one by one.
            connection.invalidate()
            raise


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns timezone-aware UTC datetimes (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        return as_utc(value) if value is not None else None


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, nullable=False)
