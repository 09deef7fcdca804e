"""Pages that belong to no feature: home, language switch."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

bp = Blueprint("core", __name__)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login or a language switch."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or any(ord(c) < 32 for c in target):  # browsers read /\ as //
        return default
    return target


@bp.get("/")
def index():
    # A feature may give a role its own home page (the trainee dashboard); core names none.
    home = current_app.extensions.get("skillbridge_home", {})
    if current_user.is_authenticated and current_user.role in home:
        return home[current_user.role]()
    return render_template("core/index.html", user=current_user)


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("core.index")))
