"""Interval arithmetic for attendance, as pure functions over numbers (seconds since epoch).

An interval is a (start, end) pair with start <= end. Presence evidence (join / leave /
heartbeat events) becomes intervals; a trainee's attendance is the union of those intervals
clipped to the session window, so overlapping devices or duplicate events never count twice.
"""

from collections.abc import Iterable
from statistics import pstdev

Interval = tuple[float, float]
# When two events share a timestamp, a join opens before a heartbeat and a leave closes last.
_ORDER = {"join": 0, "heartbeat": 1, "leave": 2}


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping or touching intervals; the result is sorted and disjoint."""
    merged: list[list[float]] = []
    for start, end in sorted((s, e) for s, e in intervals if e >= s):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def clip(intervals: Iterable[Interval], lo: float, hi: float) -> list[Interval]:
    """The parts of `intervals` inside [lo, hi] (empty pieces dropped)."""
    out = []
    for start, end in intervals:
        start, end = max(start, lo), min(end, hi)
        if end > start:
            out.append((start, end))
    return out


def total(intervals: Iterable[Interval]) -> float:
    """Length of the union (overlaps counted once)."""
    return sum(end - start for start, end in union(intervals))


def presence(events: Iterable[tuple], window_end: float, tolerance: float,
             counting: bool = False) -> list[Interval]:
    """Intervals of presence from one stream's events `(at, type[, event id])`, in any order.

    A join opens presence that lasts until a leave (or `window_end` when none comes). One
    connection (`counting` False) is in or out: a second join changes nothing and a leave ends
    it. Without connection ids (`counting` True) the account is present while more joins than
    leaves are open. Heartbeats outside a join prove presence, bridging gaps up to
    `tolerance` seconds; a leave with nothing open is ignored. Duplicates change nothing.
    """
    ordered = sorted(set(events), key=lambda e: (e[0], _ORDER.get(e[1], 1)))
    out: list[Interval] = []
    opened: float | None = None
    depth = 0  # joins not yet left (at most 1 for one connection)
    last = 0.0
    for event in ordered:
        at, kind = event[0], event[1]
        if kind == "join":
            if opened is None:
                opened = at
            elif not depth and at - last > tolerance:
                out.append((opened, last))
                opened = at
            depth = depth + 1 if counting else 1
            last = at
        elif kind == "heartbeat":
            if opened is None:
                opened, depth = at, 0
            elif not depth and at - last > tolerance:
                out.append((opened, last))
                opened = at
            last = at
        elif kind == "leave" and opened is not None:
            if depth > 1:
                depth -= 1
            else:
                if not depth and at - last > tolerance:
                    out.append((opened, last))
                else:
                    out.append((opened, at))
                opened, depth = None, 0
            last = at
    if opened is not None:
        out.append((opened, max(window_end, last) if depth else last))
    return union(out)


def attended_seconds(devices: Iterable[Iterable[tuple]], window: Interval,
                     now: float, tolerance: float,
                     counting: Iterable[bool] | None = None) -> tuple[int, list[Interval]]:
    """Union of every stream's presence clipped to the session window and to `now`;
    `counting` says, per stream, that it has no connection ids (joins are counted)."""
    lo, hi = window[0], min(window[1], now)
    if hi <= lo:
        return 0, []
    pieces: list[Interval] = []
    devices = list(devices)
    modes = list(counting) if counting is not None else [False] * len(devices)
    for events, counted in zip(devices, modes, strict=True):
        pieces.extend(presence(events, hi, tolerance, counted))
    spans = union(clip(pieces, lo, hi))
    # Epochs from the database carry float noise (2999.9999997 s): round to the millisecond.
    return int(round(sum(e - s for s, e in spans), 3)), spans


def overlap(a: Iterable[Interval], b: Iterable[Interval]) -> float:
    """Seconds during which both `a` and `b` hold (e.g. present in two rooms at once)."""
    a, b = union(a), union(b)
    i = j = 0
    both = 0.0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            both += end - start
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return both


def machine_regular(times: Iterable[float], min_beats: int = 20,
                    max_jitter: float = 0.005) -> bool:
    """Heartbeats whose spacing varies less than `max_jitter` seconds over at least
    `min_beats` beats: real browsers on real networks are never that regular."""
    ordered = sorted(times)
    if len(ordered) < min_beats:
        return False
    gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False)]
    return pstdev(gaps) < max_jitter
