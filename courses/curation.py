"""Officers curate the menu: platforms, institutions, occupations; bulk import from CSV/JSON."""

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from accounts import scope
from core import audit, regions
from core.errors import Invalid
from core.extensions import db
from courses.models import Institution, Occupation, OccupationShortage, Platform

OCCUPATION_CODE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")
LEVELS = re.compile(r"^[1-5]{1,5}$")
KINDS = ("platform", "institution", "occupation")


class OutsideRegions(ValueError):
    """A row the officer may not write: an institution outside their regions, or national
    data (platforms, occupations with their shortage regions) by an officer limited to
    regions. A ValueError, so an import lists its line; the form answers 403."""


def _require_scope(actor, region_code: str | None = None) -> None:
    """`region_code`: an institution's (before and after the change); None: national data."""
    if scope.in_scope(actor, region_code):
        return
    if region_code:
        raise OutsideRegions(_("%(region)s is outside your regions (%(regions)s).",
                               region=regions.full_name(region_code),
                               regions=scope.names_text(actor)))
    raise OutsideRegions(_("Platforms and occupations serve every region: only an officer "
                           "working for every region may change them."))


class ImportFailed(Exception):
    """The file had bad lines; nothing was imported. `errors` is [(line, message), ...]."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} bad line(s)")
        self.errors = errors


def _text(row: dict, key: str, limit: int, required: bool = False) -> str | None:
    value = (row.get(key) or "").strip() if isinstance(row.get(key), str | type(None)) \
        else str(row.get(key))
    if required and not value:
        raise ValueError(_("%(field)s is required", field=key))
    if value and len(value) > limit:
        raise ValueError(_("%(field)s is longer than %(n)d characters", field=key, n=limit))
    return value or None


def save_platform(actor, row: dict) -> Platform:
    _require_scope(actor)
    name = _text(row, "name", 120, required=True)
    website = _text(row, "website", 255)
    if website and not website.startswith(("https://", "http://")):
        raise ValueError(_("website must start with http:// or https://"))
    recommended_on = _text(row, "recommended_on", 10)
    try:
        recommended = date.fromisoformat(recommended_on) if recommended_on else None
    except ValueError as exc:
        raise ValueError(_("recommended_on must be a date like 2026-03-01")) from exc
    platform = db.session.scalar(select(Platform).where(Platform.name == name))
    values = {"website": website, "description": _text(row, "description", 2000),
              "recommended_by": _text(row, "recommended_by", 120), "recommended_on": recommended}
    if platform is None:
        platform = Platform(name=name, **values)
        db.session.add(platform)
        db.session.flush()
        audit.record(actor, "platform.created", platform, after={"name": name, **values})
    else:
        before, after = audit.changes(platform, list(values), values)
        if after:
            audit.record(actor, "platform.updated", platform, before=before, after=after)
    return platform


def save_institution(actor, row: dict) -> Institution:
    name = _text(row, "name", 160, required=True)
    region = _text(row, "region_code", 6, required=True)
    if not regions.is_code(region):
        raise ValueError(_("region_code must be a 6-digit administrative division code"))
    licence = _text(row, "licence_number", 64, required=True)
    _require_scope(actor, region)
    institution = db.session.scalar(
        select(Institution).where(Institution.licence_number == licence))
    if institution is not None:  # nor may one of another region be renamed or moved in
        _require_scope(actor, institution.region_code)
    values = {"name": name, "region_code": region}
    if institution is None:
        institution = Institution(licence_number=licence, **values)
        db.session.add(institution)
        db.session.flush()
        audit.record(actor, "institution.created", institution,
                     after={"licence_number": licence, **values})
    else:
        before, after = audit.changes(institution, list(values), values)
        if after:
            audit.record(actor, "institution.updated", institution, before=before, after=after)
    return institution


def save_occupation(actor, row: dict) -> Occupation:
    _require_scope(actor)
    code = _text(row, "code", 16, required=True)
    if not OCCUPATION_CODE.match(code):
        raise ValueError(_("code must look like 4-01-02-07"))
    levels = _text(row, "levels", 5) or "54321"
    if not LEVELS.match(levels) or len(set(levels)) != len(levels):
        raise ValueError(_("levels must be distinct digits 1-5, e.g. 543"))
    levels = "".join(sorted(levels, reverse=True))
    shortages = row.get("shortage_regions") or []
    if isinstance(shortages, str):
        shortages = [s for s in re.split(r"[;\s|]+", shortages) if s]
    for prefix in shortages:
        if not re.match(r"^\d{2,6}$", prefix):
            raise ValueError(_("shortage_regions must be region code prefixes like 33 or 3301"))
    values = {"name_zh": _text(row, "name_zh", 80, required=True),
              "name_en": _text(row, "name_en", 120, required=True), "levels": levels}
    occupation = db.session.scalar(select(Occupation).where(Occupation.code == code))
    if occupation is None:
        occupation = Occupation(code=code, **values)
        db.session.add(occupation)
        audit_action, before, after = "occupation.created", None, {"code": code, **values}
    else:
        before, after = audit.changes(occupation, list(values), values)
        audit_action = "occupation.updated"
    current = {s.region_prefix for s in occupation.shortages}
    if set(shortages) != current:
        occupation.shortages = [s for s in occupation.shortages if s.region_prefix in shortages]
        occupation.shortages += [OccupationShortage(region_prefix=p)
                                 for p in sorted(set(shortages) - current)]
        (before := before or {})["shortage_regions"] = sorted(current)
        (after := after or {})["shortage_regions"] = sorted(set(shortages))
    db.session.flush()
    if after:
        audit.record(actor, audit_action, occupation, before=before, after=after)
    return occupation


SAVERS: dict[str, Callable] = {
    "platform": save_platform, "institution": save_institution, "occupation": save_occupation}


def parse_rows(filename: str, content: bytes) -> list[dict]:
    """Rows of a CSV (one `kind` column) or JSON file ({"platforms": [...], ...} or a list)."""
    text = content.decode("utf-8-sig")
    if filename.lower().endswith(".json"):
        data = json.loads(text)
        if isinstance(data, dict):
            rows = []
            for kind in KINDS:
                rows += [{**r, "kind": kind} for r in data.get(kind + "s", [])]
            return rows
        if isinstance(data, list):
            return data
        raise ValueError("JSON must be an object or a list")
    return list(csv.DictReader(io.StringIO(text)))


def import_rows(actor, rows: Iterable[dict], progress: Callable[[int], None] = lambda n: None
                ) -> dict[str, int]:
    """Import every row or none: any bad line raises ImportFailed listing all bad lines.

    Line numbers count the header as line 1 for CSV (row n is line n + 1).
    """
    errors: list[tuple[int, str]] = []
    counts = dict.fromkeys(KINDS, 0)
    for number, row in enumerate(rows, start=2):
        if not isinstance(row, dict):
            errors.append((number, _("not an object")))
            continue
        kind = (row.get("kind") or "").strip()
        try:
            if kind not in SAVERS:
                raise ValueError(_("kind must be platform, institution or occupation"))
            with db.session.no_autoflush:
                SAVERS[kind](actor, row)
            counts[kind] += 1
        except ValueError as exc:
            errors.append((number, str(exc)))
        progress(1)
    if errors:
        db.session.rollback()
        raise ImportFailed(errors)
    return counts


def import_file(actor, filename: str, content: bytes, progress=lambda n: None) -> dict[str, int]:
    try:
        rows = parse_rows(filename, content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(_("The file could not be read: %(error)s", error=str(exc)),
                      fields={"file": [str(exc)]}) from exc
    return import_rows(actor, rows, progress)
