"""Subsidy policies as data: versions per region prefix, effective periods, JSON import/export."""

import copy
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from accounts import scope
from core.audit import record
from core.errors import Invalid, NotFound
from core.extensions import db
from subsidies import rules
from subsidies.models import SubsidyPolicy


def default_settings() -> dict:
    return copy.deepcopy(rules.DEFAULT_SETTINGS)


def policy_in_force(region_code: str, on: date) -> SubsidyPolicy | None:
    """The most specific active policy covering `region_code` on `on`; highest version wins."""
    rows = db.session.scalars(select(SubsidyPolicy).where(
        SubsidyPolicy.active.is_(True), SubsidyPolicy.effective_from <= on,
        (SubsidyPolicy.effective_to.is_(None)) | (SubsidyPolicy.effective_to >= on))).all()
    covering = [p for p in rows if (region_code or "").startswith(p.region_prefix)]
    if not covering:
        return None
    return max(covering, key=lambda p: (len(p.region_prefix), p.version))


def study_hours_for(region_code: str, on: date) -> dict:
    """The study-hour rules (daily cap, idle cut-off, class hour, attention checks) in force."""
    policy = policy_in_force(region_code, on)
    return rules.study_hours(policy.settings if policy else None)


def list_policies() -> list[SubsidyPolicy]:
    return db.session.scalars(select(SubsidyPolicy).order_by(
        SubsidyPolicy.region_prefix, SubsidyPolicy.version.desc())).all()


def get_policy(policy_id: int) -> SubsidyPolicy:
    policy = db.session.get(SubsidyPolicy, policy_id)
    if policy is None:
        raise NotFound(_("No such policy."))
    return policy


def _check(data: dict) -> None:
    fields: dict = {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > 120:
        fields["name"] = [_("A name of 1 to 120 characters is required.")]
    prefix = data.get("region_prefix") or ""
    if not (prefix == "" or (prefix.isdigit() and len(prefix) in (2, 4, 6))):
        fields["region_prefix"] = [_("Empty (national) or 2, 4 or 6 digits.")]
    start, end = data.get("effective_from"), data.get("effective_to")
    if not isinstance(start, date):
        fields["effective_from"] = [_("A start date is required.")]
    elif end is not None and (not isinstance(end, date) or end < start):
        fields["effective_to"] = [_("The end date must not be before the start date.")]
    settings = data.get("settings")
    problems = rules.validate_settings(settings) if isinstance(settings, dict) else {
        "settings": _("must be an object")}
    for key, message in problems.items():
        fields.setdefault("settings", []).append(f"{key}: {message}")
    if fields:
        raise Invalid(_("The policy is not valid."), fields=fields)


def create_policy(actor, data: dict) -> SubsidyPolicy:
    """Add a policy as the next version for its region prefix (earlier versions stay). An
    officer limited to regions sets the money rules of those regions only: a national policy
    or one for a wider or other region is 403 `region_forbidden` (it would decide claims of
    trainees they may not see)."""
    prefix = data.get("region_prefix") or ""
    # Whose region comes first: an officer outside it learns nothing from the settings check.
    scope.require(actor, prefix if isinstance(prefix, str) else "")
    _check(data)
    latest = db.session.scalar(select(func.max(SubsidyPolicy.version)).where(
        SubsidyPolicy.region_prefix == prefix)) or 0
    policy = SubsidyPolicy(name=data["name"].strip(), region_prefix=prefix, version=latest + 1,
                           effective_from=data["effective_from"],
                           effective_to=data.get("effective_to"),
                           settings=data["settings"], active=True,
                           created_by_id=getattr(actor, "id", None))
    db.session.add(policy)
    db.session.flush()
    record(actor, "subsidy_policy.create", policy, after=export_policy(policy))
    return policy


def set_active(actor, policy: SubsidyPolicy, active: bool) -> SubsidyPolicy:
    if policy.active != active:
        record(actor, "subsidy_policy.activate" if active else "subsidy_policy.deactivate",
               policy, before={"active": policy.active}, after={"active": active})
        policy.active = active
    return policy


def export_policy(policy: SubsidyPolicy) -> dict:
    return {"id": policy.id, "name": policy.name, "region_prefix": policy.region_prefix,
            "version": policy.version, "effective_from": policy.effective_from.isoformat(),
            "effective_to": policy.effective_to.isoformat() if policy.effective_to else None,
            "active": policy.active, "settings": policy.settings}


def parse_import(payload) -> dict:
    """A policy from exported JSON (id, version and active are assigned on import)."""
    if not isinstance(payload, dict):
        raise Invalid(_("The file must hold one policy object."),
                      fields={"file": [_("Not an object.")]})
    data = {"name": payload.get("name"), "region_prefix": payload.get("region_prefix") or "",
            "settings": payload.get("settings")}
    for key in ("effective_from", "effective_to"):
        value = payload.get(key)
        try:
            data[key] = date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            raise Invalid(_("The policy is not valid."),
                          fields={key: [_("Use a date like 2026-01-01.")]}) from None
    return data
