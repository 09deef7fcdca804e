"""No self-certification: instructors teach for institutions or platforms that officers assign
them to, and a course that issues certificates opens its exams only after an officer approved
it. Plain functions (flush only); views and API call these."""

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from accounts import scope
from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from core.extensions import db
from core.timeutil import now_utc
from courses.models import Course, Institution, Platform, ProviderInstructor

KINDS = {"institution": Institution, "platform": Platform}
# Fields whose change makes an approval stale: the officer approved *this* course.
APPROVAL_FIELDS = ("occupation_id", "level", "certificate_type", "subsidised", "platform_id",
                   "institution_id", "required_hours", "attendance_threshold")


def get_provider(kind: str, provider_id: int):
    model = KINDS.get(kind)
    provider = db.session.get(model, provider_id) if model else None
    if provider is None:
        raise NotFound(_("No such provider."))
    return provider


def _column(kind: str):
    return ProviderInstructor.institution_id if kind == "institution" \
        else ProviderInstructor.platform_id


def membership(user, kind: str, provider_id: int) -> ProviderInstructor | None:
    return db.session.scalar(select(ProviderInstructor).where(
        ProviderInstructor.user_id == user.id, _column(kind) == provider_id))


def providers_of(user) -> list[tuple[str, object]]:
    """(kind, Institution|Platform) pairs the instructor may publish under, by name."""
    rows = db.session.scalars(select(ProviderInstructor).where(
        ProviderInstructor.user_id == user.id)).all()
    out = []
    for row in rows:
        if row.institution_id:
            out.append(("institution", db.session.get(Institution, row.institution_id)))
        else:
            out.append(("platform", db.session.get(Platform, row.platform_id)))
    return sorted(out, key=lambda pair: (pair[0], pair[1].name))


def instructors_of(kind: str, provider_id: int) -> list:
    return [row.user for row in db.session.scalars(
        select(ProviderInstructor).where(_column(kind) == provider_id)
        .order_by(ProviderInstructor.id)).all()]


def provider_key(course_or_values) -> tuple[str, int] | None:
    get = course_or_values.get if isinstance(course_or_values, dict) \
        else lambda k: getattr(course_or_values, k)
    if get("institution_id"):
        return "institution", get("institution_id")
    if get("platform_id"):
        return "platform", get("platform_id")
    return None


def require_member(user, key: tuple[str, int] | None) -> None:
    """403 not_your_provider unless `user` teaches for the provider `key` names."""
    if key is None or membership(user, *key) is None:
        raise ServiceError(_("You may publish only under an institution or platform an officer "
                             "has assigned you to."), code="not_your_provider", status=403)


def default_provider(user) -> dict:
    """Column values for the instructor's only provider; none when they have 0 or several."""
    mine = providers_of(user)
    if len(mine) != 1:
        return {}
    kind, provider = mine[0]
    return {f"{kind}_id": provider.id}


def _require_officer(user) -> None:
    if getattr(user, "role", None) not in ("officer", "admin"):
        raise Forbidden(_("Only subsidy officers may do this."))


def _require_provider_scope(officer, provider) -> None:
    """An institution's instructors are managed by officers of its region (403
    `region_forbidden` otherwise); a platform has no region, so any officer may."""
    if isinstance(provider, Institution):
        scope.require(officer, provider.region_code)


def assign_instructor(officer, kind: str, provider_id: int, user_id: int) -> ProviderInstructor:
    """Let an instructor publish under a provider (idempotent)."""
    _require_officer(officer)
    provider = get_provider(kind, provider_id)
    _require_provider_scope(officer, provider)
    from accounts.models import User

    user = db.session.get(User, user_id)
    if user is None or user.role != "instructor":
        raise Invalid(_("Some fields are invalid."),
                      fields={"user_id": [_("Not an instructor's account.")]})
    existing = membership(user, kind, provider.id)
    if existing is not None:
        return existing
    row = ProviderInstructor(user_id=user.id, assigned_by_id=officer.id,
                             **{f"{kind}_id": provider.id})
    if kind == "institution" and user.institution_id is None:
        user.institution_id = provider.id  # their institution for demand orders (reports)
    db.session.add(row)
    db.session.flush()
    audit.record(officer, "provider.instructor_assigned", provider,
                 after={"kind": kind, "user_id": user.id})
    return row


def remove_instructor(officer, kind: str, provider_id: int, user_id: int) -> None:
    """Take the instructor off the provider; their courses stay, but they cannot publish more."""
    _require_officer(officer)
    provider = get_provider(kind, provider_id)
    _require_provider_scope(officer, provider)
    row = db.session.scalar(select(ProviderInstructor).where(
        ProviderInstructor.user_id == user_id, _column(kind) == provider.id))
    if row is None:
        raise NotFound(_("This instructor is not assigned here."))
    user = row.user
    db.session.delete(row)
    db.session.flush()
    if kind == "institution" and user.institution_id == provider.id:
        others = [p for k, p in providers_of(user) if k == "institution"]
        user.institution_id = others[0].id if others else None
    audit.record(officer, "provider.instructor_removed", provider,
                 before={"kind": kind, "user_id": user_id})


def approve(officer, course: Course) -> Course:
    """An officer approves a course to issue certificates: its exams may then start."""
    _require_officer(officer)
    scope.require(officer, course.region_code)
    if course.provider is None:
        raise Conflict(_("A course needs an institution or platform before it can be approved."),
                       code="no_provider")
    if course.status == "archived":
        raise Conflict(_("An archived course cannot be approved."), code="archived")
    if course.approved_at is not None:
        return course
    course.approved_at, course.approved_by_id = now_utc(), officer.id
    audit.record(officer, "course.approved", course, before={"approved_at": None},
                 after={"approved_at": course.approved_at, "approved_by_id": officer.id})
    return course


def withdraw(actor, course: Course, reason: str) -> Course:
    """Withdraw an approval (an officer, or a change to what was approved): exams close to new
    attempts until an officer approves again."""
    if course.approved_at is None:
        return course
    before = {"approved_at": course.approved_at, "approved_by_id": course.approved_by_id}
    course.approved_at = course.approved_by_id = None
    audit.record(actor, "course.approval_withdrawn", course, before=before,
                 after={"approved_at": None, "reason": reason})
    return course


def withdraw_by_officer(officer, course: Course) -> Course:
    _require_officer(officer)
    scope.require(officer, course.region_code)
    return withdraw(officer, course, "officer")


def require_approved(course: Course) -> None:
    """409 course_not_approved while a certificate-issuing course awaits an officer."""
    if course.approval_pending:
        raise Conflict(_("This course is waiting for a subsidy officer's approval; its exams "
                         "open once it is approved."), code="course_not_approved")


_courses, _platforms, _institutions = Course.__table__, Platform.__table__, Institution.__table__
_PROVIDER_OF = (
    select(_platforms.c.id.label("platform_id"), _platforms.c.name.label("platform_name"),
           _institutions.c.id.label("institution_id"),
           _institutions.c.name.label("institution_name"))
    .select_from(_courses.outerjoin(_platforms, _platforms.c.id == _courses.c.platform_id)
                 .outerjoin(_institutions, _institutions.c.id == _courses.c.institution_id))
    .where(_courses.c.id == bindparam("course")))


def evaluator_of(course_id: int) -> dict | None:
    """The evaluating organisation certificates name: the course's provider (`Course.provider`)
    by the course's id, in one built-once read of two names. A passing exam submit announces
    it, and loading the course entity (its description and three joined relations) cost more
    than the rest of the announcement."""
    row = db.session.execute(_PROVIDER_OF, {"course": course_id}).one_or_none()
    if row is None:
        return None
    if row.platform_id is not None:
        return {"kind": "platform", "id": row.platform_id, "name": row.platform_name}
    if row.institution_id is not None:
        return {"kind": "institution", "id": row.institution_id, "name": row.institution_name}
    return None
