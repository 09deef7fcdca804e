"""Study-hour rules for recorded lessons as pure functions over plain data.

A heartbeat earns credit for the span since the previous accepted beat only when that beat
said the media was playing in a visible page, only up to the last sign of the trainee being
there (idle cut-off, unanswered attention prompt), never more than the media advanced (no
credit for seeking or fast playback), never more than the daily cap or the lesson has left.
Settings come from the subsidy policy in force (`study_hours`, owned by subsidies.rules).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

# Jitter between the browser's clock and the server's receive times.
SLACK_SECONDS = 2.0
SLACK_RATIO = 0.1

REASONS = ("paused", "hidden", "idle", "attention_missed", "cap_reached", "skipped",
           "rewound", "gap", "lesson_complete")


def class_hours(seconds: float, study: dict | None = None) -> float:
    """Seconds as class hours (学时), one decimal, rounded down (never overstate)."""
    minutes = (study or {}).get("class_hour_minutes") or 45
    return int(seconds * 10 // (minutes * 60)) / 10


@dataclass(frozen=True)
class Beat:
    """The previous accepted beat, as the server recorded it."""

    at: datetime
    position: float
    state: str  # playing | paused | hidden | ended (video); visible | hidden (document)
    last_active_at: datetime | None = None
    prompt_at: datetime | None = None  # an attention prompt shown and not yet answered


@dataclass(frozen=True)
class Credit:
    seconds: int
    reason: str | None  # why (part of) the span was not credited
    lost_seconds: float
    continuous: bool  # the baseline may carry the fraction over


def credit_for(prev: Beat, now: datetime, position: float, *, kind: str, max_gap: float,
               idle: timedelta, cap_left: int, lesson_left: int,
               prompt_answered_in_time: bool = False) -> Credit:
    """Credit for the span from `prev` to a beat at server time `now` and media `position`."""
    elapsed = (now - prev.at).total_seconds()
    if elapsed <= 0:
        return Credit(0, None, 0.0, False)
    if elapsed > max_gap:
        return Credit(0, "gap", elapsed, False)
    if prev.state in ("paused", "ended"):
        return Credit(0, "paused", elapsed, False)
    if prev.state == "hidden":
        return Credit(0, "hidden", elapsed, False)
    end, reason = now, None
    if prev.last_active_at is not None and prev.last_active_at + idle < end:
        end, reason = max(prev.last_active_at + idle, prev.at), "idle"
    if prev.prompt_at is not None and not prompt_answered_in_time and prev.prompt_at < end:
        end, reason = max(prev.prompt_at, prev.at), "attention_missed"
    window = (end - prev.at).total_seconds()
    if kind == "video":
        advance = position - prev.position
        if advance < 0:
            return Credit(0, "rewound", elapsed, False)
        if advance > elapsed + max(SLACK_SECONDS, SLACK_RATIO * elapsed):
            return Credit(0, "skipped", elapsed, False)
        window = min(window, advance)
        if advance < elapsed - max(SLACK_SECONDS, SLACK_RATIO * elapsed) and reason is None:
            reason = "paused"  # stalled or paused between beats: only the advance counts
    earned = max(int(window), 0)
    if earned > lesson_left:
        earned, reason = lesson_left, "lesson_complete"
    if earned > cap_left:
        earned, reason = max(cap_left, 0), "cap_reached"
    return Credit(earned, reason, max(elapsed - earned, 0.0), reason is None)
