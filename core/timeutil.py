"""Time helpers: stored as timezone-aware UTC, shown in Asia/Shanghai."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Added to the real clock; only tests move it (run_clock_from), so that no test depends on the
# day it runs: the clock starts at a fixed moment and then runs at real speed.
_clock_offset = timedelta(0)


def now_utc() -> datetime:
    return datetime.now(UTC) + _clock_offset


def run_clock_from(moment: datetime) -> None:
    """Make now_utc() read `moment` now and advance in real time from there (tests)."""
    global _clock_offset
    _clock_offset = moment - datetime.now(UTC)


def clock_offset() -> timedelta:
    return _clock_offset


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
