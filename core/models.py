"""Base model pieces: UTC-aware timestamps, integer enums with translated titles, an INSERT
with the database's ON CONFLICT clauses."""

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
