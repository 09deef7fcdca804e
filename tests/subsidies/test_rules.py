"""Eligibility rules: table-driven cases from DESIGN.md, plus properties of the amount."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subsidies import rules
from subsidies.rules import EarlierClaim, Facts, decide

S = rules.DEFAULT_SETTINGS


def facts(**changes) -> Facts:
    base = dict(certificate_type="skill_level", level=5, occupation_id=1,
                issued_on=date(2026, 5, 1), claim_on=date(2026, 5, 1), course_hours=64,
                course_mode="offline", course_subsidised=True, course_threshold=0.8,
                attended_minutes=64 * 60, required_minutes=64 * 60, shortage=False,
                confirmed_groups=frozenset({"rural_migrant"}), earlier=())
    base.update(changes)
    return Facts(**base)


def failed(decision) -> list[str]:
    return [r.rule for r in decision.results if not r.passed]


def earlier(occupation_id=1, level=5, year=2026, on=date(2026, 3, 2)):
    return EarlierClaim(occupation_id, level, year, on)


CASES = [
    # name, facts changes, eligible, failing rules, amount fen
    ("level 5 skill certificate", {}, True, [], 70000),
    ("level 4", {"level": 4, "course_hours": 110}, True, [], 100000),
    ("level 3", {"level": 3, "course_hours": 150}, True, [], 150000),
    ("level 2", {"level": 2, "course_hours": 150}, True, [], 200000),
    ("level 1", {"level": 1, "course_hours": 150}, True, [], 300000),
    ("special ability flat", {"certificate_type": "special_ability", "level": 3,
                              "course_hours": 150}, True, [], 100000),
    ("training completion flat", {"certificate_type": "training_completion"}, True, [], 100000),
    ("shortage +20 %", {"shortage": True}, True, [], 84000),
    ("blended at 70 %", {"course_mode": "blended"}, True, [], 49000),
    ("shortage and blended", {"shortage": True, "course_mode": "blended"}, True, [], 58800),
    ("online is paid in full", {"course_mode": "online"}, True, [], 70000),
    ("no key group confirmed", {"confirmed_groups": frozenset()}, False, ["key_group"], 0),
    ("cap: third claim passes", {"earlier": (earlier(2), earlier(3))}, True, [], 70000),
    ("cap: fourth claim fails", {"earlier": (earlier(2), earlier(3), earlier(4))}, False,
     ["yearly_cap"], 0),
    ("cap counts the certificate's year only",
     {"earlier": (earlier(2, year=2025), earlier(3), earlier(4))}, True, [], 70000),
    ("same occupation and level once", {"earlier": (earlier(),)}, False,
     ["same_occupation_level"], 0),
    ("no lower level after higher", {"earlier": (earlier(level=4),)}, False, ["lower_level"], 0),
    ("higher level after lower is fine",
     {"level": 4, "course_hours": 110, "earlier": (earlier(level=5),)}, True, [], 100000),
    ("claim window: 12 months to the day", {"claim_on": date(2027, 5, 1)}, True, [], 70000),
    ("claim window: a day late", {"claim_on": date(2027, 5, 2)}, False, ["claim_window"], 0),
    ("course hours below the level minimum", {"level": 4, "course_hours": 109}, False,
     ["training_hours"], 0),
    ("attendance exactly 80 %", {"attended_minutes": 3072}, True, [], 70000),
    ("attendance below 80 %", {"attended_minutes": 3071}, False, ["attendance"], 0),
    ("course threshold above the policy's", {"course_threshold": 0.9,
                                             "attended_minutes": 3300}, False,
     ["attendance"], 0),
    ("course not subsidised", {"course_subsidised": False}, False, ["subsidised_course"], 0),
    ("several failures at once", {"confirmed_groups": frozenset(), "attended_minutes": 0,
                                  "earlier": (earlier(),)}, False,
     ["key_group", "attendance", "same_occupation_level"], 0),
]


@pytest.mark.parametrize("name,changes,eligible,failing,amount", CASES,
                         ids=[c[0] for c in CASES])
def test_rule_table(name, changes, eligible, failing, amount):
    decision = decide(facts(**changes), S)
    assert decision.eligible is eligible
    assert failed(decision) == failing
    assert decision.amount_fen == amount


def test_every_result_states_value_limit_and_outcome():
    decision = decide(facts(earlier=(earlier(2), earlier(3), earlier(4))), S)
    cap = next(r for r in decision.results if r.rule == "yearly_cap")
    assert (cap.value, cap.limit, cap.passed) == (4, 3, False)
    same = decide(facts(earlier=(earlier(on=date(2026, 3, 2)),)), S).results
    assert next(r for r in same if r.rule == "same_occupation_level").value == "2026-03-02"
    assert all(set(r.as_dict()) == {"rule", "value", "limit", "passed", "params"}
               for r in decision.results)


def test_group_not_in_policy_list_fails():
    narrow = dict(S, eligible_groups=["poverty_registered"])
    decision = decide(facts(confirmed_groups=frozenset({"veteran"})), narrow)
    assert failed(decision) == ["key_group"]


def test_living_allowance():
    time = rules.TrainingTime(offline_days=10, online_hours=4)
    ok = rules.decide_living_allowance(frozenset({"poverty_registered"}), time, S)
    assert ok.eligible and ok.amount_fen == 10 * 5000 + 4 * 500
    no = rules.decide_living_allowance(frozenset({"veteran"}), time, S)
    assert not no.eligible and no.amount_fen == 0
    capped = rules.decide_living_allowance(frozenset({"disabled"}),
                                           rules.TrainingTime(1000, 0), S)
    assert capped.amount_fen == S["living_allowance"]["max_fen"]


def test_default_settings_are_valid_and_bad_ones_are_named():
    assert rules.validate_settings(S) == {}
    bad = dict(S, yearly_cap=-1, attendance_threshold=1.5, eligible_groups=["wizards"])
    assert set(rules.validate_settings(bad)) == {"yearly_cap", "attendance_threshold",
                                                 "eligible_groups"}


def test_add_months_clamps_month_end():
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2026, 11, 30), 12) == date(2027, 11, 30)


fact_strategy = st.builds(
    facts,
    certificate_type=st.sampled_from(rules.CERTIFICATE_TYPES),
    level=st.sampled_from(rules.LEVELS),
    course_hours=st.integers(1, 400),
    course_mode=st.sampled_from(["online", "live", "offline", "blended"]),
    attended_minutes=st.integers(0, 30000),
    required_minutes=st.integers(1, 30000),
    shortage=st.booleans(),
    course_threshold=st.floats(0.01, 1.0),
    confirmed_groups=st.frozensets(st.sampled_from(rules.KEY_GROUPS)),
    earlier=st.lists(st.builds(EarlierClaim, st.integers(1, 3), st.sampled_from(rules.LEVELS),
                               st.sampled_from([2025, 2026]), st.just(date(2026, 1, 1))),
                     max_size=5).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(f=fact_strategy, uplift=st.integers(0, 100), factor=st.integers(0, 100))
def test_amount_is_never_negative_nor_above_the_policy_maximum(f, uplift, factor):
    policy = dict(S, shortage_uplift_pct=uplift, reduced_factor_pct=factor)
    decision = decide(f, policy)
    assert 0 <= decision.amount_fen <= rules.max_amount(policy)
    assert decision.eligible or decision.amount_fen == 0
    assert decision.eligible == all(r.passed for r in decision.results)
