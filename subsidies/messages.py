"""Rule results in words a trainee understands, in the reader's language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from accounts.models import KEY_GROUPS

RULE_TITLES = {
    "policy_in_force": _l("Policy in force"),
    "subsidised_course": _l("Subsidised course"),
    "certificate_type": _l("Certificate type"),
    "key_group": _l("Key group"),
    "training_hours": _l("Course hours"),
    "attendance": _l("Attendance"),
    "same_occupation_level": _l("Same occupation and level"),
    "lower_level": _l("Lower level after a higher one"),
    "yearly_cap": _l("Yearly cap"),
    "claim_window": _l("Claim window"),
    "living_allowance_group": _l("Living-allowance group"),
    "training_time": _l("Training days and hours"),
}


def _groups(codes) -> str:
    return "、".join(str(KEY_GROUPS.get(c, c)) for c in codes or []) or _("none")


def _ordinal_claim(n: int) -> str:
    return {1: _("first"), 2: _("second"), 3: _("third"), 4: _("fourth"),
            5: _("fifth")}.get(n, str(n))


def explain(result: dict) -> str:
    """One sentence for a stored rule result (see subsidies.rules.RuleResult.as_dict)."""
    rule, value, limit, ok = result["rule"], result.get("value"), result.get("limit"), \
        result.get("passed")
    params = result.get("params") or {}
    if rule == "policy_in_force":
        return _("No subsidy policy was in force for the training date %(day)s.", day=limit)
    if rule == "subsidised_course":
        return _("The course is on the subsidised menu.") if ok else \
            _("The course is not subsidised.")
    if rule == "certificate_type":
        return _("This certificate type and level is covered.") if ok else \
            _("The policy pays nothing for this certificate type or level.")
    if rule == "key_group":
        if ok:
            return _("Confirmed key group: %(groups)s.", groups=_groups(params.get("matching")))
        if not value:
            return _("No key group has been confirmed by an officer yet.")
        return _("Confirmed groups (%(groups)s) are not eligible under this policy.",
                 groups=_groups(value))
    if rule == "training_hours":
        return _("The course has %(hours)d hours; level %(level)d needs at least %(min)d.",
                 hours=value, level=params.get("level", 0), min=limit)
    if rule == "attendance":
        return _("Attended %(pct)s%% of the hours; %(limit)s%% is required.",
                 pct=_pct(value), limit=_pct(limit))
    if rule == "same_occupation_level":
        return _("First subsidy for this occupation and level.") if ok else \
            _("Same occupation and level already subsidised on %(day)s.", day=value)
    if rule == "lower_level":
        return _("No higher level of this occupation was subsidised before.") if ok else \
            _("Level %(higher)d of this occupation was already subsidised; a lower level is "
              "not.", higher=value)
    if rule == "yearly_cap":
        return _("The %(nth)s subsidised certificate in %(year)s; the cap is %(cap)d.",
                 nth=_ordinal_claim(int(value)), year=params.get("year", ""), cap=limit) \
            if ok else _("The %(nth)s claim in %(year)s; the cap is %(cap)d.",
                         nth=_ordinal_claim(int(value)), year=params.get("year", ""), cap=limit)
    if rule == "claim_window":
        return _("Claimed on %(day)s, within the window ending %(limit)s.", day=value,
                 limit=limit) if ok else \
            _("Claimed on %(day)s, after the window ended on %(limit)s.", day=value,
              limit=limit)
    if rule == "living_allowance_group":
        return _("Eligible for the living allowance: %(groups)s.",
                 groups=_groups(params.get("matching"))) if ok else \
            _("No confirmed group qualifies for the living allowance.")
    if rule == "training_time":
        value = value or {}
        return _("%(days)d offline training days and %(hours)d online class hours recorded.",
                 days=value.get("offline_days", 0), hours=value.get("online_hours", 0))
    return rule


def _pct(value) -> str:
    try:
        return f"{float(value) * 100:.1f}".rstrip("0").rstrip(".")
    except (TypeError, ValueError):
        return "0"


def reasons(decision: dict) -> list[dict]:
    """API/template shape: rule, value, limit, passed, message, title."""
    return [{"rule": r["rule"], "value": r.get("value"), "limit": r.get("limit"),
             "passed": bool(r.get("passed")), "message": explain(r),
             "title": str(RULE_TITLES.get(r["rule"], r["rule"]))}
            for r in (decision or {}).get("reasons", [])]


def failed(decision: dict) -> list[str]:
    return [r["message"] for r in reasons(decision) if not r["passed"]]


ACTION_TITLES = {
    "claim.open": _l("Claim opened"),
    "claim.approve": _l("Approved by an officer"),
    "claim.reject": _l("Rejected by an officer"),
    "claim.batch": _l("Added to a payment batch"),
    "claim.paid": _l("Paid"),
    "claim.reevaluate": _l("Decided again after a key group was confirmed"),
    "claim.revoked_certificate": _l("Rejected: the certificate was revoked"),
    "claim.flag": _l("Flagged: the certificate was revoked after payment"),
}


def action_title(action: str) -> str:
    return str(ACTION_TITLES.get(action, action))
