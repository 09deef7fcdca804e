"""Admin page: the regions each officer works for (accounts.scope), with a region picker."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from accounts import scope
from accounts.models import User
from core import regions
from core.auth import ADMIN, OFFICER, role_required
from core.errors import NotFound, ServiceError
from core.extensions import db

bp = Blueprint("officer_regions", __name__)


class OfficerRegionsForm(FlaskForm):
    """CSRF only: the region fields are read as lists (kept regions + the picker's choice)."""


def _page(errors: dict | None = None, status: int = 200):
    rows = [(officer, [(code, regions.full_name(code)) for code in codes])
            for officer, codes in scope.officers_with_regions()]
    return render_template("accounts/officer_regions.html", rows=rows,
                           provinces=regions.children(), form=OfficerRegionsForm(),
                           errors=errors or {}), status


@bp.get("/admin/officer-regions")
@role_required(ADMIN)
def officer_regions():
    return _page()


@bp.post("/admin/officer-regions/<int:user_id>")
@role_required(ADMIN)
def set_officer_regions(user_id: int):
    officer = db.session.get(User, user_id)
    if officer is None or officer.role != OFFICER:
        raise NotFound(_("No such officer."))
    if not OfficerRegionsForm().validate_on_submit():
        return _page({user_id: _("The form expired. Please submit it again.")}, 400)
    codes = [c for c in request.form.getlist("regions") if c.strip()]
    # The picker: the deepest level chosen (district, else city, else province).
    picked = next((request.form.get(k, "").strip() for k in ("district", "city", "province")
                   if request.form.get(k, "").strip()), "")
    if picked:
        codes.append(picked)
    try:
        kept = scope.set_regions(current_user, officer, codes)
    except ServiceError as error:
        db.session.rollback()
        return _page({user_id: error.message}, 422)
    flash(_("%(name)s now works for: %(regions)s", name=officer.name,
            regions="、".join(regions.full_name(c) for c in kept) or _("every region")),
          "success")
    return redirect(url_for("officer_regions.officer_regions"))


@bp.get("/admin/regions")
@role_required(ADMIN)
def region_children():
    """The picker's data: provinces, a province's cities or a city's districts."""
    parent = request.args.get("parent") or None
    return jsonify({"items": [{"code": c, "name": n} for c, n in regions.children(parent)]})
