"""Per-platform webhook secrets: set and rotated by officers, shown once, stored encrypted
(they must be recoverable to check HMAC signatures), with a grace period after rotation."""

import base64
import hashlib
import hmac
import secrets
import string
import time
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from sqlalchemy import or_, select

from attendance.models import ADAPTERS, PlatformWebhookSecret
from core import audit
from core.errors import Invalid, NotFound, ServiceError
from core.extensions import db, limiter
from core.timeutil import now_utc
from courses.models import Platform

SIGNATURE_HEADER = "X-SkillBridge-Signature"
PLATFORM_HEADER = "X-SkillBridge-Platform"


class BadSignature(ServiceError):
    status, code = 401, "bad_signature"


def _bad_signature_key() -> str:
    # Per platform and sender: guessing one platform's signatures does not lock out another
    # platform, nor the real platform's own servers.
    return f"webhook:{(request.headers.get(PLATFORM_HEADER) or '')[:32]}:{get_remote_address()}"


def bad_signature_limit(platform_key=_bad_signature_key):
    """Decorator for a signed webhook: only 401 answers count; past the limit, 429."""
    return limiter.limit(
        lambda: f"{current_app.config['ATTENDANCE_WEBHOOK_BAD_SIGNATURES_PER_MINUTE']}/minute",
        key_func=platform_key, deduct_when=lambda response: response.status_code == 401)


def _fernet() -> Fernet:
    # Derived from SECRET_KEY: a database dump alone does not reveal the platforms' secrets.
    digest = hashlib.sha256(b"skillbridge-webhook-secrets:"
                            + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def new_secret(adapter: str) -> str:
    if adapter == "tencent_meeting":  # Tencent Meeting's Token: 25 letters or digits
        return "".join(secrets.choice(string.ascii_letters + string.digits) for _i in range(25))
    return "whsec_" + secrets.token_urlsafe(32)


def rotate(officer, platform_id: int, adapter: str = "skillbridge",
           secret: str | None = None) -> str:
    """A new secret for the platform (returned once), for the vendor format `adapter`; the
    previous ones expire after the grace period (ATTENDANCE_WEBHOOK_GRACE_SECONDS). `secret`
    is the vendor's own when it issues one (Zoom's Secret Token)."""
    platform = db.session.get(Platform, platform_id)
    if platform is None:
        raise NotFound(_("No such platform."))
    if adapter not in ADAPTERS:
        raise Invalid(_("Some fields are invalid."), fields={"adapter": [_("Unknown adapter.")]})
    if secret is not None and not (16 <= len(secret) <= 128 and secret.isprintable()
                                   and secret.strip() == secret):
        raise Invalid(_("Some fields are invalid."), fields={"secret": [_(
            "Paste the platform's secret: 16 to 128 characters, no spaces at the ends.")]})
    now = now_utc()
    grace = now + timedelta(seconds=current_app.config["ATTENDANCE_WEBHOOK_GRACE_SECONDS"])
    for old in db.session.scalars(select(PlatformWebhookSecret).where(
            PlatformWebhookSecret.platform_id == platform.id,
            or_(PlatformWebhookSecret.expires_at.is_(None),
                PlatformWebhookSecret.expires_at > grace))):
        old.expires_at = grace
    secret = secret or new_secret(adapter)
    row = PlatformWebhookSecret(platform_id=platform.id, created_by_id=getattr(officer, "id", None),
                                adapter=adapter,
                                secret_encrypted=_fernet().encrypt(secret.encode()).decode(),
                                fingerprint=fingerprint(secret))
    db.session.add(row)
    db.session.flush()
    audit.record(officer, "platform.webhook_secret_rotated", platform,
                 after={"fingerprint": row.fingerprint, "adapter": adapter,
                        "previous_valid_until": grace})
    return secret


def active_secrets(platform_id: int) -> list[str]:
    """The secrets a signature may be made with right now (current first)."""
    rows = db.session.scalars(select(PlatformWebhookSecret).where(
        PlatformWebhookSecret.platform_id == platform_id,
        or_(PlatformWebhookSecret.expires_at.is_(None),
            PlatformWebhookSecret.expires_at > now_utc()))
        .order_by(PlatformWebhookSecret.id.desc())).all()
    out = []
    for row in rows:
        try:
            out.append(_fernet().decrypt(row.secret_encrypted.encode()).decode())
        except InvalidToken:  # SECRET_KEY changed: this secret must be set again
            current_app.logger.warning("webhook secret %s cannot be decrypted", row.fingerprint)
    return out


def secret_rows(platform_id: int) -> list[PlatformWebhookSecret]:
    return db.session.scalars(select(PlatformWebhookSecret).where(
        PlatformWebhookSecret.platform_id == platform_id)
        .order_by(PlatformWebhookSecret.id.desc())).all()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header value a platform sends: `t=<unix>,v1=<hex>`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(platform_id: int, header: str, body: bytes, tolerance: int,
           now: float | None = None) -> str:
    """Raise BadSignature unless `header` signs `body` with an active secret of the platform,
    made within `tolerance` seconds of now; returns that secret."""
    parts: dict[str, list[str]] = {}
    for item in (header or "").split(","):
        key, _sep, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError) as exc:
        raise BadSignature(_("Missing or malformed signature header.")) from exc
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise BadSignature(_("The signature timestamp is too old or in the future."),
                           code="stale_signature")
    signed = f"{timestamp}.".encode() + body
    for secret in active_secrets(platform_id):
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
            return secret
    raise BadSignature(_("The signature does not match."))
