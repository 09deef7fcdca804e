"""Roles, API bearer tokens, and the access checks every view and API handler goes through."""

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache, wraps

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ForeignKey, String, bindparam, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.exceptions import Forbidden as HTTPForbidden

from core.errors import ServiceError
from core.extensions import csrf, db
from core.models import UTCDateTime, on_its_own
from core.timeutil import now_utc

TRAINEE, INSTRUCTOR, OFFICER, ENTERPRISE, ADMIN = (
    "trainee", "instructor", "officer", "enterprise", "admin")
ROLES = (TRAINEE, INSTRUCTOR, OFFICER, ENTERPRISE, ADMIN)
STAFF_ROLES = (INSTRUCTOR, OFFICER, ENTERPRISE, ADMIN)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak yields no usable token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<ApiToken #{self.id} user={self.user_id} expires={self.expires_at:%Y-%m-%d %H:%M}>"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user) -> tuple[str, ApiToken]:
    """Create a token for `user`; the plain token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    ttl = timedelta(seconds=current_app.config["API_TOKEN_TTL_SECONDS"])
    row = ApiToken(user_id=user.id, token_hash=_hash(token), expires_at=now_utc() + ttl)
    db.session.add(row)
    db.session.flush()
    return token, row


def revoke_tokens(user, token: str | None = None) -> int:
    """Revoke one token, or every live token of `user` (password change, logout everywhere)."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if token is not None:
        stmt = stmt.where(ApiToken.token_hash == _hash(token))
    rows = db.session.scalars(stmt).all()
    for row in rows:
        row.revoked_at = now_utc()
    return len(rows)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


@cache
def _user_of_token():
    """Built once, on first use (the User mapper belongs to a feature core does not import):
    every API request runs it. The user of a live token in one statement that loads only the
    User: revocation and expiry are tested in SQL, so no ApiToken entity is built and joined
    (that eager load was a quarter of an autosave's CPU time)."""
    user = ApiToken.user.property.mapper.class_
    return (select(user).join(ApiToken, ApiToken.user_id == user.id)
            .where(ApiToken.token_hash == bindparam("token_hash"),
                   ApiToken.revoked_at.is_(None), ApiToken.expires_at > bindparam("now")))


def current_api_user():
    """The caller of an API request: a bearer token, or the page session (then CSRF applies)."""
    if "api_user" in g:
        return g.api_user
    user = None
    token = bearer_token()
    if token:
        with on_its_own():  # the request's first statement: no BEGIN round trip for it
            found = db.session.scalar(_user_of_token(), {"token_hash": _hash(token),
                                                         "now": now_utc()})
        if found is not None and found.active:
            user = found
    elif current_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()  # cookie-authenticated writes must carry X-CSRFToken
        user = current_user._get_current_object()
    if user is not None and getattr(user, "must_change_password", False):
        user = None  # a temporary password opens only the password change page
    g.api_user = user
    return user


class Unauthenticated(ServiceError):
    status, code = 401, "unauthenticated"


def api_auth(*roles: str):
    """Require a logged-in API caller, optionally with one of `roles`; 401 / 403 otherwise."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            user = current_api_user()
            if user is None:
                raise Unauthenticated(_("Authentication required: send a valid bearer token."))
            if roles and user.role not in roles:
                raise ServiceError(_("Your role may not do this."), code="forbidden", status=403)
            return func(*args, **kwargs)

        doc = dict(getattr(func, "_apidoc", {}))
        manual = dict(doc.get("manual_doc", {}))
        manual["security"] = [{"bearerAuth": []}]
        if roles:
            manual.setdefault("description", "Roles: " + ", ".join(roles))
        doc["manual_doc"] = manual
        wrapper._apidoc = doc
        return wrapper

    return decorator


def role_required(*roles: str):
    """Page views: log in first (redirect), then one of `roles` or 403."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from core.extensions import login_manager
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                raise HTTPForbidden()
            return func(*args, **kwargs)

        return wrapper

    return decorator
