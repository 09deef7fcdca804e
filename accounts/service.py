"""Account operations: registration, staff creation, authentication, password change."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from accounts import idcard
from accounts.models import KEY_GROUPS, KeyGroupDeclaration, TraineeProfile, User
from core import audit
from core.auth import ROLES, STAFF_ROLES, TRAINEE, revoke_tokens
from core.errors import Conflict, Invalid
from core.extensions import db
from core.timeutil import now_utc

MIN_PASSWORD = 8
# accounts.idcard gives plain English reasons; these are their translations.
ID_REASONS = {
    "must be 18 characters": _l("must be 18 characters"),
    "must be 17 digits followed by a digit or X": _l("must be 17 digits followed by a digit or X"),
    "unknown province code": _l("unknown province code"),
    "birth date is not a real date": _l("birth date is not a real date"),
    "birth date is out of range": _l("birth date is out of range"),
    "check character does not match": _l("check character does not match"),
}


@dataclass
class Registration:
    email: str
    password: str
    name: str
    id_number: str
    phone: str
    region_code: str
    key_groups: list[str] = field(default_factory=list)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def check_registration(data: Registration) -> dict[str, list[str]]:
    """Field errors for a registration (empty when valid). Uniqueness is checked separately."""
    errors: dict[str, list[str]] = {}
    reason = idcard.validate(data.id_number)
    if reason:
        errors["id_number"] = [_("Invalid resident ID number: %(reason)s.",
                                  reason=ID_REASONS.get(reason, reason))]
    if not idcard.valid_region(data.region_code):
        errors["region_code"] = [_("Region code must be a 6-digit administrative division code.")]
    unknown = sorted(set(data.key_groups) - set(KEY_GROUPS))
    if unknown:
        errors["key_groups"] = [_("Unknown key group: %(groups)s.", groups=", ".join(unknown))]
    if len(data.password or "") < MIN_PASSWORD:
        errors["password"] = [_("Password must be at least %(n)d characters.", n=MIN_PASSWORD)]
    phone = (data.phone or "").strip()
    if not (phone.isdigit() and 7 <= len(phone) <= 15):
        errors["phone"] = [_("Phone number must be 7 to 15 digits.")]
    if not (data.name or "").strip():
        errors["name"] = [_("Name is required.")]
    return errors


def register_trainee(data: Registration) -> User:
    """Create a trainee with profile and declared key groups; 422 on bad fields, 409 if taken."""
    errors = check_registration(data)
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    email = normalise_email(data.email)
    number = idcard.normalise(data.id_number)
    taken = {}
    if find_by_email(email):
        taken["email"] = [_("This email is already registered.")]
    if db.session.scalar(select(TraineeProfile.user_id).where(TraineeProfile.id_number == number)):
        taken["id_number"] = [_("This ID number is already registered.")]
    if taken:
        raise Conflict(_("Already registered."), code="already_registered", fields=taken)
    user = User(email=email, name=data.name.strip(), role=TRAINEE, phone=data.phone.strip())
    user.set_password(data.password)
    user.profile = TraineeProfile(id_number=number, birth_date=idcard.birth_date(number),
                                  region_code=data.region_code)
    user.profile.key_groups = [KeyGroupDeclaration(group=g) for g in sorted(set(data.key_groups))]
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        db.session.rollback()
        raise Conflict(_("Already registered."), code="already_registered") from exc
    audit.record(user, "user.registered", user,
                 after={"email": email, "role": TRAINEE, "key_groups": data.key_groups})
    return user


def create_staff(actor: User | None, role: str, email: str, password: str, name: str,
                 institution_id: int | None = None, organisation: str | None = None) -> User:
    """Admin (or the CLI, actor None) creates an instructor/officer/enterprise/admin account."""
    errors = {}
    if role not in STAFF_ROLES:
        errors["role"] = [_("Role must be one of: %(roles)s.", roles=", ".join(STAFF_ROLES))]
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = [_("Password must be at least %(n)d characters.", n=MIN_PASSWORD)]
    if "@" not in (email or ""):
        errors["email"] = [_("A valid email is required.")]
    if not (name or "").strip():
        errors["name"] = [_("Name is required.")]
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    if find_by_email(email):
        raise Conflict(_("This email is already registered."), code="already_registered",
                       fields={"email": [_("This email is already registered.")]})
    user = User(email=normalise_email(email), name=name.strip(), role=role,
                institution_id=institution_id, organisation=organisation)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", user, after={"email": user.email, "role": role})
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_by_email(email)
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    user.last_login_at = now_utc()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current or ""):
        raise Invalid(_("Current password is wrong."),
                      fields={"current_password": [_("Current password is wrong.")]})
    if len(new or "") < MIN_PASSWORD:
        raise Invalid(_("Password must be at least %(n)d characters.", n=MIN_PASSWORD),
                      fields={"new_password": [_("Too short.")]})
    user.set_password(new)
    user.auth_version += 1
    revoke_tokens(user)
    audit.record(user, "user.password_changed", user)


def list_users(role: str | None = None, query: str | None = None):
    """Users ordered by role then id; `query` matches part of the name, email or phone."""
    stmt = select(User).order_by(User.role, User.id)
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    query = (query or "").strip()
    if query:
        # % and _ typed by the admin are literal characters, not wildcards.
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(User.name.ilike(pattern, escape="\\"),
                              User.email.ilike(pattern, escape="\\"),
                              User.phone.ilike(pattern, escape="\\")))
    return stmt
