"""Officer pages: curate platforms, institutions and occupations; import the menu."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from accounts import scope
from accounts.models import User
from core.auth import OFFICER, role_required
from core.errors import ServiceError
from core.extensions import db
from core.forms import fill_region_choices, picking_region
from courses import curation, providers
from courses.forms import (
    AssignInstructorForm,
    ImportForm,
    InstitutionForm,
    OccupationForm,
    PlatformForm,
)
from courses.models import Institution, Occupation, Platform

bp = Blueprint("curation", __name__, url_prefix="/menu-admin")

FORMS = {"platform": PlatformForm, "institution": InstitutionForm, "occupation": OccupationForm}


def _form(kind: str):
    form = FORMS[kind](prefix=kind)
    if "region_code" in form:  # an institution: district, whole city or whole province
        fill_region_choices(form, whole_areas=True, within=scope.regions_of(current_user))
    return form


def _page(forms: dict | None = None, import_form=None, import_errors=None, status=200):
    forms = forms or {}
    instructors = db.session.scalars(select(User).where(User.role == "instructor")
                                     .order_by(User.name)).all()
    assign_form = AssignInstructorForm(prefix="assign")
    assign_form.user_id.choices = [(u.id, f"{u.name} <{u.email}>") for u in instructors]
    return render_template(
        "courses/curation.html",
        platforms=db.session.scalars(select(Platform).order_by(Platform.name)).all(),
        institutions=db.session.scalars(select(Institution).order_by(Institution.name)).all(),
        occupations=db.session.scalars(select(Occupation).order_by(Occupation.code)).all(),
        forms={kind: forms.get(kind) or _form(kind) for kind in FORMS},
        import_form=import_form or ImportForm(prefix="import"),
        import_errors=import_errors or [], assign_form=assign_form,
        limited_to=scope.names_text(current_user) if scope.is_limited(current_user) else None,
        within=scope.regions_of(current_user),
        members={(kind, pid): providers.instructors_of(kind, pid) for kind, pid in
                 [("platform", p) for p in db.session.scalars(select(Platform.id))]
                 + [("institution", i) for i in db.session.scalars(select(Institution.id))]}
    ), status


@bp.get("/")
@role_required(OFFICER)
def index():
    return _page()


@bp.post("/<kind>")
@role_required(OFFICER)
def save(kind: str):
    if kind not in FORMS:
        return _page(status=404)
    form = _form(kind)
    if picking_region():
        return _page({kind: form})
    if not form.validate_on_submit():
        return _page({kind: form}, status=422)
    # The province and city selects only lead to region_code.
    row = {k: v for k, v in form.data.items() if k not in ("csrf_token", "province", "city")}
    if row.get("recommended_on"):
        row["recommended_on"] = row["recommended_on"].isoformat()
    try:
        curation.SAVERS[kind](current_user, row)
    except ValueError as error:
        form.form_errors.append(str(error))
        return _page({kind: form}, status=403 if isinstance(error, curation.OutsideRegions)
                     else 422)
    flash(_("Saved."), "success")
    return redirect(url_for("curation.index"))


@bp.post("/<kind>/<int:provider_id>/instructors")
@role_required(OFFICER)
def assign_instructor(kind: str, provider_id: int):
    """An officer lets an instructor publish under this institution or platform."""
    if kind not in providers.KINDS:
        return _page(status=404)
    form = AssignInstructorForm(prefix="assign")
    form.user_id.choices = [(u.id, u.name) for u in db.session.scalars(
        select(User).where(User.role == "instructor"))]
    if not form.validate_on_submit():
        flash(_("Choose an instructor."), "error")
        return _page(status=422)
    try:
        providers.assign_instructor(current_user, kind, provider_id, form.user_id.data)
    except ServiceError as error:
        flash(error.message, "error")
        return _page(status=error.status)
    flash(_("Instructor assigned."), "success")
    return redirect(url_for("curation.index"))


@bp.post("/<kind>/<int:provider_id>/instructors/<int:user_id>/remove")
@role_required(OFFICER)
def remove_instructor(kind: str, provider_id: int, user_id: int):
    if kind not in providers.KINDS:
        return _page(status=404)
    try:
        providers.remove_instructor(current_user, kind, provider_id, user_id)
    except ServiceError as error:
        flash(error.message, "error")
        return _page(status=error.status)
    flash(_("Instructor removed."), "success")
    return redirect(url_for("curation.index"))


@bp.post("/import")
@role_required(OFFICER)
def import_menu():
    form = ImportForm(prefix="import")
    if not form.validate_on_submit():
        return _page(import_form=form, status=422)
    upload = form.file.data
    try:
        counts = curation.import_file(current_user, upload.filename, upload.read())
    except curation.ImportFailed as failed:
        flash(_("Nothing was imported: %(n)d line(s) have errors.", n=len(failed.errors)), "error")
        return _page(import_form=form, import_errors=failed.errors, status=422)
    except ServiceError as error:
        flash(error.message, "error")
        return _page(import_form=form, status=422)
    flash(_("Imported %(p)d platforms, %(i)d institutions, %(o)d occupations.",
            p=counts["platform"], i=counts["institution"], o=counts["occupation"]), "success")
    return redirect(url_for("curation.index"))
