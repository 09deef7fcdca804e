"""Report pages for officers: figures with charts, targets, follow-up list, CSV exports."""

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts import scope
from core.api import paginate
from core.auth import OFFICER, role_required
from core.csvexport import csv_response, csv_text
from core.errors import ServiceError
from core.extensions import db
from core.forms import fill_region_choices, fill_region_filter, picking_region
from core.timeutil import local_today
from courses import service as courses_service
from reports import figures, payloads, service
from reports.blueprint import bp
from reports.forms import FollowUpNoteForm, ReportFilterForm, TargetForm
from reports.models import DIMENSION_NAMES, FIGURE_TITLES, FIGURES, FOLLOW_UP_OUTCOMES, Target

TABLES = ("summary", "monthly", "employment", *DIMENSION_NAMES)


occupation_choices = courses_service.occupation_choices


def _filter_from_request():
    form = ReportFilterForm(request.args)
    form.occupation.choices = occupation_choices(_("All occupations"))
    if not form.year.data:
        form.year.data = local_today().year
    within = scope.regions_of(current_user)
    region = fill_region_filter(form, within)
    if request.args and not form.validate():
        return form, None, None
    args = {"year": form.year.data, "quarter": int(form.quarter.data) if form.quarter.data
            else None, "region": region or None,
            "occupation": form.occupation.data or None, "key_group": form.key_group.data or None}
    f, year = payloads.report_filter(current_user, args)
    if isinstance(f.region, str) and f.region != region:  # their only region: show it picked
        form.province.data = form.city.data = None
        form.region.data = f.region
        fill_region_filter(form, within)
    return form, f, year


@bp.get("/reports")
@role_required(OFFICER)
def index():
    form, f, year = _filter_from_request()
    if f is None:
        return render_template("reports/index.html", form=form, summary=None,
                               within=scope.regions_of(current_user)), 422
    summary = payloads.summary(f, year)
    tables = {dim: figures.breakdown(f, dim, 20) for dim in DIMENSION_NAMES if dim != "course"}
    courses = figures.course_table(f, 20)
    months = figures.monthly(f)
    employment = figures.employment_by_month(f)
    chart = {
        "labels": [str(FIGURE_TITLES[k]) for k in FIGURES],
        "actual": [summary[k] for k in FIGURES],
        "target": [summary["targets"][k] for k in FIGURES],
        "actualLabel": _("Actual"), "targetLabel": _("Target"),
        "months": [m["month"] for m in months],
        "cumulative": {str(FIGURE_TITLES[k]): _cumulative([m[k] for m in months])
                       for k in FIGURES if summary["features"][k]},
        "occupation": {"labels": [r["label"] for r in tables["occupation"][:10]],
                       "trained": [r["trained"] for r in tables["occupation"][:10]],
                       "certified": [r["certified"] for r in tables["occupation"][:10]],
                       "employed": [r["employed"] for r in tables["occupation"][:10]]},
        "titles": {k: str(v) for k, v in FIGURE_TITLES.items()},
    }
    query = {k: v for k, v in request.args.items() if v}
    return render_template(
        "reports/index.html", form=form, summary=summary, tables=tables, courses=courses,
        months=months, employment=employment,
        chart_json=json.dumps(chart, ensure_ascii=False), figures=FIGURES,
        figure_titles=FIGURE_TITLES, dimension_names=DIMENSION_NAMES, query=query,
        within=scope.regions_of(current_user),
        region_scope=scope.names_text(current_user) if scope.is_limited(current_user)
        else None)


def _cumulative(values: list[int]) -> list[int]:
    total, out = 0, []
    for v in values:
        total += v
        out.append(total)
    return out


def _csv(rows: list[dict], columns: list[str], filename: str) -> Response:
    return csv_response(csv_text(columns, ([row.get(c) for c in columns] for row in rows)),
                        filename)


@bp.get("/reports/export/<table>.csv")
@role_required(OFFICER)
def export(table: str):
    """Every table of the reports page as CSV, with the page's filters."""
    if table not in TABLES:
        abort(404)
    form, f, year = _filter_from_request()
    if f is None:
        abort(422)
    name = f"skillbridge-{table}-{year}.csv"
    if table == "summary":
        s = payloads.summary(f, year)
        rows = [{"figure": k, "actual": s[k], "target": s["targets"][k],
                 "completion": s["completion"][k]} for k in FIGURES]
        rows.append({"figure": "employment_rate", "actual": s["employment_rate"]})
        rows += [{"figure": k, "actual": v} for k, v in s["money"].items()]
        return _csv(rows, ["figure", "actual", "target", "completion"], name)
    if table == "monthly":
        return _csv(figures.monthly(f), ["month", *FIGURES], name)
    if table == "employment":
        return _csv(figures.employment_by_month(f),
                    ["month", "trained", "employed", "employment_rate"], name)
    if table == "course":
        rows = figures.course_table(f, None)
        for row in rows:
            for band, n in row["attendance"].items():
                row[f"attendance_{band}"] = n
        columns = ["key", "label", "trained", "sat", "passed", "pass_rate", "certified",
                   "subsidised", "employed", "employment_rate",
                   *(f"attendance_{b}" for b in figures.ATTENDANCE_BUCKETS)]
        return _csv(rows, columns, name)
    return _csv(figures.breakdown(f, table), ["key", "label", *FIGURES, "employment_rate"],
                name)


@bp.route("/reports/targets", methods=["GET", "POST"])
@role_required(OFFICER)
def targets():
    form = TargetForm()
    form.occupation_code.choices = occupation_choices(_("All occupations"))
    year = request.args.get("year", type=int) or local_today().year
    if request.method == "GET":
        form.year.data = year
        form.region_code.data = service.effective_region(current_user, None)
    fill_region_choices(form, whole_areas=True, within=service.officer_region(current_user))
    picking = picking_region()
    if not picking and form.validate_on_submit():
        values = {k: getattr(form, k).data for k in FIGURES}
        try:
            service.set_target(current_user, form.year.data, form.region_code.data, values,
                               form.occupation_code.data or "", form.key_group.data or "")
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Target saved."), "success")
            return redirect(url_for("reports.targets", year=form.year.data))
    rows = service.list_targets(year, service.officer_region(current_user))
    return render_template("reports/targets.html", form=form, rows=rows, year=year,
                           figures=FIGURES, figure_titles=FIGURE_TITLES,
                           within=service.officer_region(current_user))


@bp.post("/reports/targets/<int:target_id>/delete")
@role_required(OFFICER)
def delete_target(target_id: int):
    from reports.forms import ActionForm

    target = db.session.get(Target, target_id)
    if target is None:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            service.delete_target(current_user, target)
        except ServiceError as error:
            abort(error.status)
        flash(_("Target removed."), "success")
    return redirect(url_for("reports.targets", year=target.year))


@bp.get("/reports/follow-ups")
@role_required(OFFICER)
def follow_ups():
    stage = request.args.get("stage", "30")
    if stage not in service.STAGES:
        abort(404)
    number = max(request.args.get("page", 1, type=int), 1)
    page = paginate(service.follow_up_query(service.officer_region(current_user), stage),
                    number, 25)
    rows = payloads.follow_up_rows(page["items"])
    pending = paginate(service.employment_query(service.officer_region(current_user),
                                                "reported"), 1, 50)
    return render_template("reports/follow_ups.html", stage=stage, page=page, rows=rows,
                           pages=max((page["total"] + 24) // 25, 1), form=FollowUpNoteForm(),
                           outcomes=FOLLOW_UP_OUTCOMES, pending=pending["items"])


@bp.post("/reports/follow-ups/notes")
@role_required(OFFICER)
def add_note():
    form = FollowUpNoteForm()
    stage = request.args.get("stage", "30")
    if form.validate_on_submit():
        try:
            service.add_follow_up_note(current_user, form.trainee_id.data, form.outcome.data,
                                       form.note.data or "", form.course_id.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Follow-up call recorded."), "success")
    else:
        problem = _("choose the outcome of the call") if form.outcome.errors else _(
            "reload the page and try again")
        flash(_("The note could not be saved: %(problem)s.", problem=problem), "error")
    return redirect(url_for("reports.follow_ups", stage=stage))


