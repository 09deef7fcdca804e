"""Account operations: registration, staff creation, authentication, password change."""

import hashlib
import re
import secrets
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from accounts import idcard, mail, passwords, scope
from accounts.models import KEY_GROUPS, KeyGroupDeclaration, TraineeProfile, User
from core import audit, regions
from core.auth import ROLES, STAFF_ROLES, TRAINEE, revoke_tokens
from core.errors import Conflict, Forbidden, Invalid
from core.extensions import db
from core.timeutil import now_utc

# Registration records which privacy notice the trainee accepted; bump when the notice changes.
PRIVACY_VERSION = "2026-06"
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
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
    email: str | None
    password: str
    name: str
    id_number: str
    phone: str
    region_code: str
    key_groups: list[str] = field(default_factory=list)
    consent: bool = False


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def normalise_phone(phone: str | None) -> str:
    """Digits only, without the +86 country prefix: `+86 138-0013-8000` → `13800138000`."""
    digits = re.sub(r"[\s\-()]", "", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def valid_phone(phone: str | None) -> bool:
    """A mainland mobile number: 11 digits, 1 then 3-9."""
    return bool(PHONE_RE.match(normalise_phone(phone)))


def find_by_email(email: str | None) -> User | None:
    email = normalise_email(email)
    return db.session.scalar(select(User).where(User.email == email)) if email else None


def find_by_phone(phone: str | None) -> User | None:
    phone = normalise_phone(phone)
    return db.session.scalar(select(User).where(User.phone == phone)) if phone else None


def find_by_login(login: str | None) -> User | None:
    """The account an email, mobile number or resident ID number names (None if none)."""
    login = (login or "").strip()
    if "@" in login:
        return find_by_email(login)
    if valid_phone(login):
        return find_by_phone(login)
    number = idcard.normalise(login)
    if len(number) == 18:
        return db.session.scalar(select(User).join(TraineeProfile)
                                 .where(TraineeProfile.id_number == number))
    return None


def password_errors(password: str | None, *user_inputs) -> list[str]:
    return passwords.problems(password, user_inputs)


def check_registration(data: Registration) -> dict[str, list[str]]:
    """Field errors for a registration (empty when valid). Uniqueness is checked separately."""
    errors: dict[str, list[str]] = {}
    reason = idcard.validate(data.id_number)
    if reason:
        errors["id_number"] = [_("Invalid resident ID number: %(reason)s.",
                                  reason=ID_REASONS.get(reason, reason))]
    unknown = sorted(set(data.key_groups) - set(KEY_GROUPS))
    if unknown:
        errors["key_groups"] = [_("Unknown key group: %(groups)s.", groups=", ".join(unknown))]
    if not regions.is_code(data.region_code):
        errors["region_code"] = [_("Choose your province, city and district.")]
    problems = password_errors(data.password, data.name, data.phone, data.email)
    if problems:
        errors["password"] = problems
    if not valid_phone(data.phone):
        errors["phone"] = [_("Enter a mainland mobile number: 11 digits starting with 1.")]
    email = normalise_email(data.email)
    if email and not EMAIL_RE.match(email):
        errors["email"] = [_("A valid email is required.")]
    if not (data.name or "").strip():
        errors["name"] = [_("Name is required.")]
    if data.consent is not True:
        errors["consent"] = [_("Please read the privacy notice and agree to it.")]
    return errors


def register_trainee(data: Registration) -> User:
    """Create a trainee with profile and declared key groups; 422 on bad fields, 409 if taken."""
    errors = check_registration(data)
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    email = normalise_email(data.email) or None
    phone = normalise_phone(data.phone)
    number = idcard.normalise(data.id_number)
    taken = {}
    if find_by_email(email):
        taken["email"] = [_("This email is already registered.")]
    if find_by_phone(phone):
        taken["phone"] = [_("This mobile number is already registered.")]
    if db.session.scalar(select(TraineeProfile.user_id).where(TraineeProfile.id_number == number)):
        taken["id_number"] = [_("This ID number is already registered.")]
    if taken:
        raise Conflict(_("Already registered."), code="already_registered", fields=taken)
    user = User(email=email, name=data.name.strip(), role=TRAINEE, phone=phone,
                consent_version=PRIVACY_VERSION, consent_at=now_utc())
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
                 after={"email": email, "role": TRAINEE, "key_groups": data.key_groups,
                        "consent_version": PRIVACY_VERSION})
    return user


def create_staff(actor: User | None, role: str, email: str, password: str, name: str,
                 institution_id: int | None = None, organisation: str | None = None,
                 phone: str | None = None) -> User:
    """Admin (or the CLI, actor None) creates an instructor/officer/enterprise/admin account."""
    errors = {}
    if role not in STAFF_ROLES:
        errors["role"] = [_("Role must be one of: %(roles)s.", roles=", ".join(STAFF_ROLES))]
    problems = password_errors(password, name, email)
    if problems:
        errors["password"] = problems
    if not EMAIL_RE.match(normalise_email(email)):
        errors["email"] = [_("A valid email is required.")]
    if phone and not valid_phone(phone):
        errors["phone"] = [_("Enter a mainland mobile number: 11 digits starting with 1.")]
    if not (name or "").strip():
        errors["name"] = [_("Name is required.")]
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    if find_by_email(email):
        raise Conflict(_("This email is already registered."), code="already_registered",
                       fields={"email": [_("This email is already registered.")]})
    if phone and find_by_phone(phone):
        raise Conflict(_("This mobile number is already registered."), code="already_registered",
                       fields={"phone": [_("This mobile number is already registered.")]})
    user = User(email=normalise_email(email), name=name.strip(), role=role,
                phone=normalise_phone(phone) or None,
                institution_id=institution_id, organisation=organisation)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", user, after={"email": user.email, "role": role})
    return user


# Unknown logins are checked against this hash, so a wrong login costs as long as a wrong
# password and the response time does not tell whether an account exists.
_DUMMY_HASH = generate_password_hash("no account has this password", method="scrypt")


def authenticate(login: str, password: str) -> User | None:
    """The account `login` (email, phone or ID number) names if `password` is its password."""
    user = find_by_login(login)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    user.last_login_at = now_utc()
    return user


def end_sessions(user: User) -> None:
    """Every page session (they carry auth_version) and API token of `user` stops working."""
    user.auth_version += 1
    revoke_tokens(user)


def set_password(user: User, password: str, field_name: str = "password") -> None:
    """Set a new password after the policy check; ends every other session."""
    problems = password_errors(password, user.name, user.email, user.phone)
    if problems:
        raise Invalid(problems[0], fields={field_name: problems})
    user.set_password(password)
    user.must_change_password = False
    end_sessions(user)


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current or ""):
        raise Invalid(_("Current password is wrong."),
                      fields={"current_password": [_("Current password is wrong.")]})
    set_password(user, new, "new_password")
    audit.record(user, "user.password_changed", user)


def logout(user: User) -> None:
    """Logging out ends every session of the user, on every device, and their API tokens."""
    end_sessions(user)
    audit.record(user, "user.logged_out", user)


def set_active(actor: User | None, user: User, active: bool) -> None:
    """Deactivate (every session ends, login refused) or reactivate an account; audited."""
    if actor is not None and actor.id == user.id and not active:
        raise Conflict(_("You cannot deactivate your own account."), code="own_account")
    if user.active == active:
        return
    before = user.active
    user.active = active
    if not active:
        end_sessions(user)
    audit.record(actor, "user.activated" if active else "user.deactivated", user,
                 before={"active": before}, after={"active": active})


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


def find_trainees(query: str, actor=None, limit: int = 20) -> list[User]:
    """Trainees an officer looks up before a reset: by phone, ID number, email or name; a
    region-limited officer finds only trainees of their regions."""
    query = (query or "").strip()
    if not query:
        return []
    user = find_by_login(query)
    if user is not None:
        mine = user.role == TRAINEE and scope.in_scope(actor, scope.trainee_region(user))
        return [user] if mine else []
    stmt = select(User).where(User.role == TRAINEE, User.name == query)
    # narrowed in SQL, so the limit counts only trainees the officer may reset
    return list(db.session.scalars(scope.restrict_trainees(stmt, actor, User.id)
                                   .order_by(User.id).limit(limit)))


def officer_reset(actor: User, user: User) -> str:
    """An officer who checked the trainee's identity sets a one-time temporary password; the
    trainee must choose a new one at the next login. Returns the temporary password."""
    if user.role != TRAINEE and actor.role != "admin":
        raise Forbidden(_("Officers reset trainees' passwords only."), code="forbidden")
    scope.require(actor, scope.trainee_region(user))  # an officer of another region: 403
    temporary = "-".join(secrets.token_hex(3) for _i in range(3))  # 20 characters, readable
    user.set_password(temporary)
    user.must_change_password = True
    end_sessions(user)
    audit.record(actor, "user.password_reset", user, after={"by": actor.role,
                                                            "must_change_password": True})
    return temporary


RESET_SALT = "password-reset"
RESET_MAX_AGE = 3600


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=RESET_SALT)


def _hash_tag(user: User) -> str:
    # Binds a reset token to the current password: once used (or the password changes) it is dead.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User) -> str:
    """A signed token for the email reset link: expires in an hour, works once."""
    return _reset_serializer().dumps({"u": user.id, "h": _hash_tag(user)})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("h") != _hash_tag(user):
        return None
    return user


def reset_with_token(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    if user is None:
        raise Invalid(_("This reset link is invalid, expired or already used."),
                      code="invalid_reset_token")
    set_password(user, password)
    audit.record(user, "user.password_reset", user, after={"by": "email"})
    return user


def email_reset(email: str, link_for) -> User | None:
    """Mail a reset link to the account with this email (if any: the caller says the same
    either way). `link_for(token)` builds the absolute URL."""
    user = find_by_email(email)
    if user is None or not user.active:
        return None
    link = link_for(reset_token(user))
    mail.send(user.email, _("SkillBridge password reset"),
              _("Open this link within an hour to choose a new password:\n%(link)s\n\n"
                "If you did not ask for it, ignore this message.", link=link))
    audit.record(None, "user.password_reset_requested", user)
    return user
