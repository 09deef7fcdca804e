"""Interval arithmetic, property-based: overlaps, duplicates, order, clipping, wall clock."""

from hypothesis import given, settings
from hypothesis import strategies as st

from attendance import intervals

times = st.integers(min_value=0, max_value=10_000)
spans = st.lists(st.tuples(times, times).map(lambda p: (min(p), max(p))), max_size=30)
events = st.lists(st.tuples(times, st.sampled_from(["join", "leave", "heartbeat"])),
                  max_size=40)


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(spans)
def test_union_is_sorted_disjoint_and_keeps_the_covered_time(items):
    merged = intervals.union(items)
    assert all(a[1] < b[0] for a, b in zip(merged, merged[1:], strict=False))
    covered = {t for s, e in items for t in range(s, e)}
    assert sum(e - s for s, e in merged) == len(covered)


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(spans)
def test_union_is_idempotent_and_duplicates_change_nothing(items):
    assert intervals.union(items + items) == intervals.union(items)
    assert intervals.union(intervals.union(items)) == intervals.union(items)


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(spans, times, times)
def test_clip_stays_inside_the_window(items, a, b):
    lo, hi = min(a, b), max(a, b)
    for s, e in intervals.clip(items, lo, hi):
        assert lo <= s < e <= hi


@settings(deadline=None, max_examples=300)
@given(st.lists(events, max_size=4), times, times, st.integers(0, 12_000),
       st.integers(1, 300))
def test_credited_time_never_exceeds_the_wall_clock(devices, a, b, now, tolerance):
    lo, hi = min(a, b), max(a, b)
    seconds, result = intervals.attended_seconds(devices, (lo, hi), now, tolerance)
    assert 0 <= seconds <= max(min(hi, now) - lo, 0)
    assert all(lo <= s < e <= min(hi, now) for s, e in result)


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(events, st.randoms(), st.integers(1, 300))
def test_order_and_duplicates_do_not_matter(items, rng, tolerance):
    shuffled = list(items) + list(items)
    rng.shuffle(shuffled)
    assert intervals.presence(shuffled, 10_000, tolerance) == \
        intervals.presence(items, 10_000, tolerance)


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(events, st.integers(1, 300))
def test_a_second_device_never_counts_twice(items, tolerance):
    one, _ = intervals.attended_seconds([items], (0, 10_000), 10_000, tolerance)
    two, _ = intervals.attended_seconds([items, items], (0, 10_000), 10_000, tolerance)
    assert one == two


def test_join_leave_and_open_interval_closes_at_the_session_end():
    assert intervals.presence([(10, "join"), (50, "leave")], 100, 30) == [(10, 50)]
    assert intervals.presence([(10, "join")], 100, 30) == [(10, 100)]
    assert intervals.presence([(50, "leave"), (10, "join")], 100, 30) == [(10, 50)]


def test_heartbeats_bridge_gaps_up_to_the_tolerance():
    beats = [(t, "heartbeat") for t in (0, 30, 60, 200, 230)]
    assert intervals.presence(beats, 1000, 60) == [(0, 60), (200, 230)]


def test_two_devices_overlapping_are_counted_once():
    phone = [(0, "join"), (600, "leave")]
    laptop = [(300, "join"), (900, "leave")]
    seconds, _ = intervals.attended_seconds([phone, laptop], (0, 3600), 3600, 60)
    assert seconds == 900


def test_clipped_to_the_session_window_and_to_now():
    seconds, _ = intervals.attended_seconds([[(-100, "join"), (5000, "leave")]], (0, 3600),
                                            1800, 60)
    assert seconds == 1800


def test_machine_regular_heartbeats():
    assert intervals.machine_regular([i * 30.0 for i in range(25)])
    assert not intervals.machine_regular([i * 30.0 + (i % 3) * 0.4 for i in range(25)])
    assert not intervals.machine_regular([i * 30.0 for i in range(5)])


def test_overlap():
    assert intervals.overlap([(0, 10)], [(5, 20)]) == 5
    assert intervals.overlap([(0, 10)], [(10, 20)]) == 0
