"""Time helpers: stored as timezone-aware UTC, shown in Asia/Shanghai."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def now_utc() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken to be UTC (that is how the database returns them on SQLite)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    return as_utc(value).astimezone(LOCAL_TZ)


def local_today() -> date:
    return now_utc().astimezone(LOCAL_TZ).date()


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset, as the API promises."""
    return as_utc(value).isoformat() if value is not None else None
