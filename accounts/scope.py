"""Officer region scope: the regions an officer works for, checked by every feature.

An officer with no region rows works for every region (the bureau's own officers); with rows,
only for trainees, claims, certificates, courses and batches inside one of them. Admins and
other roles are not limited here (their own role checks apply). Codes are GB/T 2260 six-digit
codes; a province or city code covers everything inside it (core.regions.within).
"""

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import or_, select

from accounts.models import OfficerRegion, User
from core import regions
from core.audit import record
from core.auth import OFFICER
from core.errors import Forbidden, Invalid
from core.extensions import db

MAX_REGIONS = 50


class RegionForbidden(Forbidden):
    code = "region_forbidden"


def regions_of(user) -> tuple[str, ...]:
    """The officer's region codes, sorted; () means every region (and for other roles)."""
    if user is None or getattr(user, "role", None) != OFFICER:
        return ()
    cache = g.setdefault("_officer_regions", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = tuple(db.session.scalars(
            select(OfficerRegion.region_code).where(OfficerRegion.user_id == user.id)
            .order_by(OfficerRegion.region_code)).all())
    return cache[user.id]


def is_limited(user) -> bool:
    return bool(regions_of(user))


def in_scope(user, region_code: str | None) -> bool:
    """May `user` act on something in `region_code`? Unlimited users always may."""
    mine = regions_of(user)
    return not mine or (bool(region_code) and regions.covered(region_code, mine))


def require(user, region_code: str | None) -> None:
    """403 `region_forbidden` unless `region_code` is inside the officer's regions."""
    if not in_scope(user, region_code):
        raise RegionForbidden(_("This belongs to a region outside yours (%(regions)s).",
                                regions=names_text(user)))


def clause(user, column):
    """A WHERE clause keeping rows whose `column` lies in the officer's regions, or None."""
    scope = regions_of(user)
    if not scope:
        return None
    return or_(*(column.startswith(regions.prefix(r)) for r in scope))


def restrict(stmt, user, column):
    """`stmt` narrowed to the officer's regions (unchanged for unlimited users)."""
    where = clause(user, column)
    return stmt if where is None else stmt.where(where)


def restrict_trainees(stmt, user, trainee_id_column):
    """`stmt` narrowed to trainees whose home region is in the officer's regions."""
    from accounts.models import TraineeProfile

    where = clause(user, TraineeProfile.region_code)
    if where is None:
        return stmt
    return stmt.where(trainee_id_column.in_(select(TraineeProfile.user_id).where(where)))


def trainee_region(trainee) -> str | None:
    profile = getattr(trainee, "profile", None)
    return profile.region_code if profile else None


def names(user) -> list[str]:
    """The officer's regions by name (浙江省 嘉兴市), for pages."""
    return [regions.full_name(code) for code in regions_of(user)]


def names_text(user) -> str:
    return "、".join(names(user)) or _("every region")


def set_regions(actor, officer: User, codes) -> tuple[str, ...]:
    """Replace the officer's regions (an empty list: every region); audited."""
    if officer.role != OFFICER:
        raise Invalid(_("Only officers have regions."), fields={"user": [_("Not an officer.")]})
    wanted = []
    for raw in codes:
        code = regions.normalise(str(raw).strip())
        if not code:
            continue
        if not regions.is_code(code):
            raise Invalid(_("Unknown region code %(code)s.", code=raw),
                          fields={"regions": [_("Unknown region code %(code)s.", code=raw)]})
        wanted.append(code)
    # A region inside another one chosen adds nothing: keep the wider one.
    kept = sorted({c for c in wanted if not any(o != c and regions.within(c, o) for o in wanted)})
    if len(kept) > MAX_REGIONS:
        raise Invalid(_("Too many regions."), fields={"regions": [_("At most 50 regions.")]})
    before = list(regions_of(officer))
    db.session.execute(OfficerRegion.__table__.delete().where(
        OfficerRegion.user_id == officer.id))
    db.session.add_all(OfficerRegion(user_id=officer.id, region_code=c) for c in kept)
    db.session.flush()
    if has_request_context():
        g.pop("_officer_regions", None)
    record(actor, "officer.regions_set", officer, before={"regions": before},
           after={"regions": kept})
    return tuple(kept)


def officers_with_regions() -> list[tuple[User, tuple[str, ...]]]:
    """Every officer with their regions, for the admin page."""
    officers = db.session.scalars(select(User).where(User.role == OFFICER)
                                  .order_by(User.name, User.id)).all()
    rows = db.session.execute(select(OfficerRegion.user_id, OfficerRegion.region_code)
                              .order_by(OfficerRegion.region_code)).all()
    by_user: dict[int, list[str]] = {}
    for user_id, code in rows:
        by_user.setdefault(user_id, []).append(code)
    return [(o, tuple(by_user.get(o.id, ()))) for o in officers]

