"""Subsidy eligibility rules: pure functions over plain data (no Flask, no database).

Each rule returns a RuleResult (rule, value seen, limit, passed, params); `decide` runs them all
and computes the amount. Messages are rendered (and translated) by subsidies.messages.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

KEY_GROUPS = ("poverty_registered", "rural_migrant", "registered_unemployed", "laid_off",
              "college_graduate", "veteran", "disabled", "retired_fisherman")
CERTIFICATE_TYPES = ("skill_level", "vocational_qualification", "special_ability",
                     "training_completion")
LEVELS = (5, 4, 3, 2, 1)

# DESIGN.md "Subsidy policy" defaults; amounts in fen.
DEFAULT_SETTINGS: dict = {
    "amounts_fen": {
        "skill_level": {"5": 70000, "4": 100000, "3": 150000, "2": 200000, "1": 300000},
        "vocational_qualification": {"5": 70000, "4": 100000, "3": 150000, "2": 200000,
                                     "1": 300000},
        "special_ability": {"flat": 100000},
        "training_completion": {"flat": 100000},
    },
    "shortage_uplift_pct": 20,
    "reduced_modes": ["blended"],
    "reduced_factor_pct": 70,
    "eligible_groups": list(KEY_GROUPS),
    "min_hours": {"5": 60, "4": 110, "3": 150, "2": 150, "1": 150},
    "attendance_threshold": 0.8,
    "yearly_cap": 3,
    "claim_window_months": 12,
    # Four eyes on money: the approver of a claim cannot batch it, the maker of a batch
    # cannot mark it paid (subsidies.batches).
    "four_eyes": True,
    "living_allowance": {
        "groups": ["poverty_registered", "disabled", "retired_fisherman"],
        "per_offline_day_fen": 5000,
        "per_online_hour_fen": 500,
        "max_fen": 300000,
    },
    # Subsidised online study (recorded lessons): attendance.lessons applies these.
    "study_hours": {
        "daily_online_hours": 8,  # per Beijing calendar day
        "idle_minutes": 5,  # no interaction this long pauses the clock until confirmed
        "class_hour_minutes": 45,  # one class hour (学时)
        "attention_check": {"enabled": False, "mean_minutes": 20, "answer_seconds": 60},
    },
}


@dataclass(frozen=True)
class RuleResult:
    rule: str
    value: object
    limit: object
    passed: bool
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"rule": self.rule, "value": self.value, "limit": self.limit,
                "passed": self.passed, "params": dict(self.params)}


@dataclass(frozen=True)
class EarlierClaim:
    """A live (not rejected) certificate subsidy the person already holds or applied for."""

    occupation_id: int
    level: int
    year: int
    on: date
    occupation_name: str = ""


@dataclass(frozen=True)
class Facts:
    """Everything a decision looks at, as plain values."""

    certificate_type: str
    level: int
    occupation_id: int
    issued_on: date
    claim_on: date
    course_hours: int
    course_mode: str
    course_subsidised: bool
    course_threshold: float
    attended_minutes: int
    required_minutes: int
    shortage: bool
    confirmed_groups: frozenset[str]
    earlier: tuple[EarlierClaim, ...] = ()


@dataclass(frozen=True)
class Decision:
    eligible: bool
    amount_fen: int
    results: tuple[RuleResult, ...]

    def reasons(self) -> list[dict]:
        return [r.as_dict() for r in self.results]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validate_settings(settings: dict) -> dict[str, str]:
    """Problems in a policy's settings, by key (empty when the policy is usable)."""
    problems: dict[str, str] = {}
    amounts = settings.get("amounts_fen")
    if not isinstance(amounts, dict) or not amounts:
        problems["amounts_fen"] = _("must map certificate types to amounts")
    else:
        for ctype, table in amounts.items():
            if ctype not in CERTIFICATE_TYPES or not isinstance(table, dict):
                problems["amounts_fen"] = _("unknown certificate type %(type)r", type=ctype)
                continue
            for key, fen in table.items():
                if key not in ("flat", "1", "2", "3", "4", "5") or not _nonneg_int(fen):
                    problems["amounts_fen"] = _("%(entry)s must be a whole number of fen ≥ 0",
                                               entry=f"{ctype}.{key}")
    for key, low, high in (("shortage_uplift_pct", 0, 100), ("reduced_factor_pct", 0, 100),
                           ("yearly_cap", 0, 20), ("claim_window_months", 1, 120)):
        value = settings.get(key)
        if not _nonneg_int(value) or not low <= value <= high:
            problems[key] = _("must be a whole number from %(low)d to %(high)d", low=low, high=high)
    threshold = settings.get("attendance_threshold")
    if not isinstance(threshold, int | float) or isinstance(threshold, bool) \
            or not 0 < threshold <= 1:
        problems["attendance_threshold"] = _("must be a fraction in (0, 1]")
    for key in ("eligible_groups", "reduced_modes"):
        value = settings.get(key)
        allowed = KEY_GROUPS if key == "eligible_groups" else ("online", "live", "offline",
                                                                "blended")
        if not isinstance(value, list) or any(v not in allowed for v in value):
            problems[key] = _("must be a list drawn from %(allowed)s", allowed=", ".join(allowed))
    if not isinstance(settings.get("four_eyes", True), bool):
        problems["four_eyes"] = _("must be true or false")
    hours = settings.get("min_hours")
    if not isinstance(hours, dict) or any(
            str(lv) not in hours or not _nonneg_int(hours[str(lv)]) for lv in LEVELS):
        problems["min_hours"] = _("must give whole hours for levels 5 to 1")
    living = settings.get("living_allowance")
    if not isinstance(living, dict) or any(
            not _nonneg_int(living.get(k)) for k in ("per_offline_day_fen",
                                                     "per_online_hour_fen", "max_fen")) \
            or not isinstance(living.get("groups"), list) \
            or any(g not in KEY_GROUPS for g in living.get("groups", [])):
        problems["living_allowance"] = _("needs groups and whole-fen rates")
    if "study_hours" in settings:  # optional: policies from before it existed use defaults
        problems.update(_study_hours_problems(settings["study_hours"]))
    return problems


def study_hours(settings: dict | None) -> dict:
    """A policy's study-hour rules, defaults filling whatever it leaves out."""
    default = DEFAULT_SETTINGS["study_hours"]
    given = (settings or {}).get("study_hours") or {}
    merged = {**default, **{k: v for k, v in given.items() if k in default}}
    merged["attention_check"] = {**default["attention_check"],
                                 **(given.get("attention_check") or {})}
    return merged


def _study_hours_problems(study) -> dict[str, str]:
    if not isinstance(study, dict):
        return {"study_hours": _("must be an object")}
    problems = {}
    for key, low, high in (("daily_online_hours", 1, 24), ("idle_minutes", 1, 120),
                           ("class_hour_minutes", 1, 120)):
        if key in study and not _int_between(study[key], low, high):
            problems[f"study_hours.{key}"] = _("must be a whole number from %(low)d to %(high)d",
                                                  low=low, high=high)
    check = study.get("attention_check", {})
    if not isinstance(check, dict) or not isinstance(check.get("enabled", False), bool) \
            or not _int_between(check.get("mean_minutes", 20), 1, 240) \
            or not _int_between(check.get("answer_seconds", 60), 10, 600):
        problems["study_hours.attention_check"] = \
            _("needs enabled (true/false), mean_minutes 1-240 and answer_seconds 10-600")
    return problems


def _int_between(value, low: int, high: int) -> bool:
    return _nonneg_int(value) and low <= value <= high


def _nonneg_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def base_amount(settings: dict, certificate_type: str, level: int) -> int | None:
    table = settings["amounts_fen"].get(certificate_type) or {}
    value = table.get("flat", table.get(str(level)))
    return value if _nonneg_int(value) else None


def max_amount(settings: dict) -> int:
    """The most any certificate claim can pay under `settings` (for checks and tests)."""
    top = max((v for t in settings["amounts_fen"].values() for v in t.values()), default=0)
    return top * (100 + settings["shortage_uplift_pct"]) // 100


# --- the rules -------------------------------------------------------------------------------

def rule_subsidised_course(f: Facts, s: dict) -> RuleResult:
    return RuleResult("subsidised_course", f.course_subsidised, True, f.course_subsidised)


def rule_certificate_type(f: Facts, s: dict) -> RuleResult:
    amount = base_amount(s, f.certificate_type, f.level)
    return RuleResult("certificate_type", f.certificate_type,
                      sorted(s["amounts_fen"]), amount is not None, {"level": f.level})


def rule_key_group(f: Facts, s: dict) -> RuleResult:
    matching = sorted(f.confirmed_groups & set(s["eligible_groups"]))
    return RuleResult("key_group", sorted(f.confirmed_groups), sorted(s["eligible_groups"]),
                      bool(matching), {"matching": matching})


def rule_training_hours(f: Facts, s: dict) -> RuleResult:
    minimum = int(s["min_hours"].get(str(f.level), 0))
    return RuleResult("training_hours", f.course_hours, minimum, f.course_hours >= minimum,
                      {"level": f.level})


def rule_attendance(f: Facts, s: dict) -> RuleResult:
    threshold = max(float(s["attendance_threshold"]), float(f.course_threshold))
    ratio = f.attended_minutes / f.required_minutes if f.required_minutes > 0 else 0.0
    # Compare in whole minutes so 0.8 * 3600 never loses to float rounding.
    needed = -(-round(threshold * f.required_minutes * 1000) // 1000)
    return RuleResult("attendance", round(ratio, 4), round(threshold, 4),
                      f.attended_minutes >= needed,
                      {"attended_minutes": f.attended_minutes, "needed_minutes": needed})


def rule_same_occupation_level(f: Facts, s: dict) -> RuleResult:
    same = [c for c in f.earlier if c.occupation_id == f.occupation_id and c.level == f.level]
    first = min(same, key=lambda c: c.on) if same else None
    return RuleResult("same_occupation_level", first.on.isoformat() if first else None, None,
                      first is None, {"level": f.level})


def rule_lower_level(f: Facts, s: dict) -> RuleResult:
    # Level 1 is the highest; a "lower" level is a larger number.
    higher = [c.level for c in f.earlier if c.occupation_id == f.occupation_id
              and c.level < f.level]
    best = min(higher) if higher else None
    return RuleResult("lower_level", best, f.level, best is None, {"level": f.level})


def rule_yearly_cap(f: Facts, s: dict) -> RuleResult:
    year = f.issued_on.year
    count = sum(1 for c in f.earlier if c.year == year)
    cap = int(s["yearly_cap"])
    return RuleResult("yearly_cap", count + 1, cap, count + 1 <= cap, {"year": year})


def rule_claim_window(f: Facts, s: dict) -> RuleResult:
    deadline = add_months(f.issued_on, int(s["claim_window_months"]))
    return RuleResult("claim_window", f.claim_on.isoformat(), deadline.isoformat(),
                      f.claim_on <= deadline, {"months": int(s["claim_window_months"])})


RULES = (rule_subsidised_course, rule_certificate_type, rule_key_group, rule_training_hours,
         rule_attendance, rule_same_occupation_level, rule_lower_level, rule_yearly_cap,
         rule_claim_window)


def amount_for(f: Facts, s: dict) -> int:
    """The amount before eligibility: base, shortage uplift, reduced-mode factor (fen, floor)."""
    base = base_amount(s, f.certificate_type, f.level) or 0
    uplift = int(s["shortage_uplift_pct"]) if f.shortage else 0
    factor = int(s["reduced_factor_pct"]) if f.course_mode in s["reduced_modes"] else 100
    return max(0, base * (100 + uplift) * factor // 10000)


def decide(f: Facts, settings: dict) -> Decision:
    """Run every rule; eligible when all pass, and only then is an amount due."""
    results = tuple(rule(f, settings) for rule in RULES)
    eligible = all(r.passed for r in results)
    return Decision(eligible, amount_for(f, settings) if eligible else 0, results)


# --- living allowance ------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainingTime:
    offline_days: int
    online_hours: int


def decide_living_allowance(groups: frozenset[str], time: TrainingTime, settings: dict,
                            course_subsidised: bool = True) -> Decision:
    """Living allowance: per offline training day and per online class hour, capped."""
    living = settings["living_allowance"]
    matching = sorted(groups & set(living["groups"]))
    results = [
        RuleResult("subsidised_course", course_subsidised, True, course_subsidised),
        RuleResult("living_allowance_group", sorted(groups), sorted(living["groups"]),
                   bool(matching), {"matching": matching}),
        RuleResult("training_time", {"offline_days": time.offline_days,
                                     "online_hours": time.online_hours}, None,
                   time.offline_days > 0 or time.online_hours > 0),
    ]
    raw = (time.offline_days * int(living["per_offline_day_fen"])
           + time.online_hours * int(living["per_online_hour_fen"]))
    eligible = all(r.passed for r in results)
    amount = max(0, min(raw, int(living["max_fen"]))) if eligible else 0
    return Decision(eligible, amount, tuple(results))
