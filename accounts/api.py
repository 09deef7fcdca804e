"""Accounts API: tokens, the caller, public trainee registration."""

from flask import current_app, request
from flask_babel import gettext as _

from accounts import service
from accounts.schemas import (
    MeSchema,
    RegisteredSchema,
    RegistrationSchema,
    TokenRequestSchema,
    TokenSchema,
)
from core.api import api_blueprint
from core.auth import (
    Unauthenticated,
    api_auth,
    bearer_token,
    current_api_user,
    issue_token,
    revoke_tokens,
)
from core.errors import ServiceError
from core.extensions import limiter
from core.timeutil import iso

blp = api_blueprint("accounts_api", __name__, "Tokens, the caller, trainee registration")


def _posted_login() -> str:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return ""
    login = body.get("login") or body.get("email") or ""
    return str(login).strip().lower()[:254]


def user_brief(user) -> dict:
    return {"id": user.id, "role": user.role, "name": user.name}


def me_payload(user) -> dict:
    profile = user.profile
    return {
        **user_brief(user),
        "email": user.email,
        "phone_masked": user.phone_masked,
        "region_code": profile.region_code if profile else None,
        "id_number": profile.id_number if profile else None,
        "id_masked": profile.id_masked if profile else None,
        "key_groups": [{"group": k.group, "status": k.status}
                       for k in (profile.key_groups if profile else [])],
    }


@blp.route("/auth/token", methods=["POST"])
# Only failed attempts count: per address, and per account against distributed guessing.
@limiter.limit("30/minute", deduct_when=lambda r: r.status_code == 401)
@limiter.limit("10/minute", key_func=lambda: "login:" + _posted_login(),
               deduct_when=lambda r: r.status_code == 401)
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenSchema)
def create_token(args):
    """Exchange a login (email, mobile number or ID number) and password for a bearer token."""
    user = service.authenticate(args.get("login") or args.get("email"), args["password"])
    if user is None:
        raise Unauthenticated(_("The login or password is wrong."), code="invalid_credentials")
    if user.must_change_password:
        raise ServiceError(_("Your password was reset: choose a new one on the website first."),
                           code="password_change_required", status=403)
    token, row = issue_token(user)
    return {"token": token, "expires_at": iso(row.expires_at), "user": user_brief(user)}


@blp.route("/auth/token", methods=["DELETE"])
@api_auth()
@blp.response(204)
def delete_token():
    """Revoke the token used for this request."""
    token = bearer_token()
    if token:
        revoke_tokens(current_api_user(), token)
    return None


@blp.route("/me", methods=["GET"])
@api_auth()
@blp.response(200, MeSchema)
def me():
    """The caller."""
    return me_payload(current_api_user())


@blp.route("/trainees", methods=["POST"])
@limiter.limit(lambda: current_app.config.get("REGISTRATION_RATE_LIMIT", "60/hour"))
@blp.arguments(RegistrationSchema)
@blp.response(201, RegisteredSchema)
def register(args):
    """Public trainee self-registration; the resident ID number is checked (GB 11643)."""
    user = service.register_trainee(service.Registration(**args))
    return {**user_brief(user), "id_masked": user.profile.id_masked,
            "region_code": user.profile.region_code,
            "key_groups": [{"group": k.group, "status": k.status}
                           for k in user.profile.key_groups]}
