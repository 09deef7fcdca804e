"""Properties of presence per connection (hypothesis): for any interleaving of two or more
connections, credit equals the union of true presence, never exceeds the window or the wall
clock, and duplicated or reordered deliveries change nothing. Checked against a brute-force
second-by-second count, not against the code under test."""

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from attendance import intervals

WINDOW = (1000, 4600)  # an hour
TOL = 150.0


@st.composite
def connections(draw, min_size=2):
    """Per connection: disjoint (join, leave) pairs, in seconds, around the window."""
    out = []
    for _c in range(draw(st.integers(min_size, 4))):
        points = sorted(set(draw(st.lists(st.integers(0, 6000), min_size=2, max_size=8))))
        pairs = [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]
        out.append(pairs)
    return out


def brute_force(conns, lo, hi) -> int:
    present = set()
    for pairs in conns:
        for start, end in pairs:
            present.update(range(max(start, lo), min(end, hi)))
    return len(present)


def _events(conns):
    """(connection, (at, type, event id)) for every join and leave."""
    out = []
    for c, pairs in enumerate(conns):
        for n, (start, end) in enumerate(pairs):
            out.append((c, (float(start), "join", f"{c}-{n}-j")))
            out.append((c, (float(end), "leave", f"{c}-{n}-l")))
    return out


def credit_by_connection(events, now):
    streams: dict[int, list] = {}
    for c, ev in events:
        streams.setdefault(c, []).append(ev[:2])
    return intervals.attended_seconds(streams.values(), WINDOW, now, TOL)[0]


def credit_counted(events, now):
    """The same events without connection ids: one stream, joins counted."""
    return intervals.attended_seconds([[ev for _c, ev in events]], WINDOW, now, TOL,
                                      counting=[True])[0]


@settings(max_examples=300, deadline=None)
@given(conns=connections(), now=st.integers(0, 7000), data=st.data())
def test_credit_is_the_union_of_true_presence(conns, now, data):
    events = _events(conns)
    shuffled = data.draw(st.permutations(events))
    dupes = data.draw(st.lists(st.sampled_from(events), max_size=6)) if events else []
    expected = brute_force(conns, WINDOW[0], min(WINDOW[1], now))
    for stream in (events, shuffled, shuffled + dupes):
        got = credit_by_connection(stream, float(now))
        assert got == expected
        assert got <= WINDOW[1] - WINDOW[0]
        assert got <= max(0, now - WINDOW[0])
        assert credit_counted(stream, float(now)) == expected


@settings(max_examples=200, deadline=None)
@given(conns=connections(), data=st.data())
def test_a_lost_leave_never_credits_beyond_the_window_or_clock(conns, data):
    """A connection whose leave never arrives is present until the window end (or now), no
    more; the union of the rest is unchanged."""
    events = _events(conns)
    leaves = [e for e in events if e[1][1] == "leave"]
    assume(leaves)
    lost = data.draw(st.sampled_from(leaves))
    kept = [e for e in events if e != lost]
    now = float(data.draw(st.integers(0, 7000)))
    got = credit_by_connection(kept, now)
    assert got <= max(0, min(WINDOW[1], now) - WINDOW[0])
    assert got >= credit_by_connection(events, now)


def test_the_issue_case_two_devices_first_leave_does_not_end_both():
    # Phone joins at 0, laptop at 600, the phone leaves at 900, the laptop at 3000.
    phone = [(1000.0, "join"), (1900.0, "leave")]
    laptop = [(1600.0, "join"), (4000.0, "leave")]
    assert intervals.attended_seconds([phone, laptop], WINDOW, 5000, TOL)[0] == 3000
    merged = [(1000.0, "join", "a"), (1600.0, "join", "b"), (1900.0, "leave", "c"),
              (4000.0, "leave", "d")]
    assert intervals.attended_seconds([merged], WINDOW, 5000, TOL, counting=[True])[0] == 3000


def test_heartbeats_still_bridge_gaps_in_a_counted_stream():
    beats = [(1000.0 + 100 * n, "heartbeat", f"h{n}") for n in range(10)]
    assert intervals.attended_seconds([beats], WINDOW, 5000, TOL, counting=[True])[0] == 900
