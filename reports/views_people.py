"""Pages for employment (trainees report, officers and employers confirm) and demand orders."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.api import paginate
from core.auth import ENTERPRISE, INSTRUCTOR, OFFICER, TRAINEE, role_required
from core.errors import ServiceError
from core.extensions import db
from core.forms import fill_region_choices, picking_region, show_service_error
from core.money import yuan_to_fen
from core.views import safe_next
from courses.models import Course, Enrolment, Institution
from courses.service import occupation_choices
from reports import orders, payloads, service
from reports.blueprint import bp
from reports.forms import (
    AcceptForm,
    ActionForm,
    DispatchForm,
    EmploymentForm,
    HireForm,
    OrderForm,
    choices,
)
from reports.models import DISPATCH_STATUSES, EMPLOYMENT_STATUSES, ORDER_STATUSES, DemandOrder

WAGE_FIELDS = {"monthly_wage_fen": "monthly_wage", "wage_fen": "wage"}


@bp.route("/employment", methods=["GET", "POST"])
@role_required(TRAINEE)
def my_employment():
    form = EmploymentForm()
    form.occupation_code.choices = occupation_choices(_("Not sure / other"))
    enrolments = db.session.scalars(select(Enrolment).where(
        Enrolment.trainee_id == current_user.id, Enrolment.status != "withdrawn")
        .order_by(Enrolment.id.desc())).all()
    form.course_id.choices = choices([("", _("My latest course"))] + [
        (e.course_id, e.course.title) for e in enrolments])
    if form.validate_on_submit():
        try:
            service.report_employment(current_user, service.EmploymentReport(
                employer=form.employer.data, started_on=form.started_on.data,
                monthly_wage_fen=yuan_to_fen(form.monthly_wage.data),
                occupation_code=form.occupation_code.data or None,
                contract_months=form.contract_months.data,
                course_id=int(form.course_id.data) if form.course_id.data else None))
        except ServiceError as error:
            show_service_error(form, error, renames=WAGE_FIELDS)
        else:
            flash(_("Thank you. Your job will count once it is confirmed."), "success")
            return redirect(url_for("reports.my_employment"))
    status = 422 if form.errors else 200
    return render_template("reports/my_employment.html", form=form,
                           records=service.my_employment(current_user),
                           offers=orders.offers_for(current_user),
                           statuses=EMPLOYMENT_STATUSES), status


@bp.get("/employment/review")
@role_required(OFFICER, ENTERPRISE)
def review_employment():
    status = request.args.get("status") if request.args.get("status") in \
        EMPLOYMENT_STATUSES else None
    if current_user.role == ENTERPRISE:
        from reports.models import EmploymentRecord

        stmt = (select(EmploymentRecord).where(EmploymentRecord.employer_user_id ==
                                               current_user.id)
                .order_by(EmploymentRecord.id.desc()))
        if status:
            stmt = stmt.where(EmploymentRecord.status == status)
    else:
        stmt = service.employment_query(service.officer_region(current_user), status)
    number = max(request.args.get("page", 1, type=int), 1)
    page = paginate(stmt, number, 30)
    return render_template("reports/review_employment.html", page=page, form=ActionForm(),
                           statuses=EMPLOYMENT_STATUSES, status_shown=status or "",
                           pages=max((page["total"] + 29) // 30, 1))


@bp.post("/employment/<int:record_id>/<any(confirm, reject):decision>")
@role_required(OFFICER, ENTERPRISE)
def decide_employment(record_id: int, decision: str):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        record = service.get_employment(record_id)
        service.decide_employment(current_user, record, decision == "confirm")
    except ServiceError as error:
        abort(error.status)
    flash(_("Job confirmed.") if decision == "confirm" else _("Job rejected."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("reports.review_employment")))


# --- demand orders ------------------------------------------------------------------------

@bp.route("/orders", methods=["GET", "POST"], endpoint="orders")
@role_required(ENTERPRISE, OFFICER, INSTRUCTOR)
def orders_page():
    form = OrderForm() if current_user.role == ENTERPRISE else None
    picking = picking_region()
    if form is not None:
        form.occupation_code.choices = occupation_choices(_("Choose an occupation"))
        fill_region_choices(form, whole_areas=True)
        if not picking and form.validate_on_submit():
            try:
                order = orders.place_order(current_user, orders.OrderData(
                    occupation_code=form.occupation_code.data, level=form.level.data,
                    workers=form.workers.data, region_code=form.region_code.data,
                    wage_fen=yuan_to_fen(form.wage.data), starts_on=form.starts_on.data,
                    note=form.note.data or ""))
            except ServiceError as error:
                show_service_error(form, error, renames=WAGE_FIELDS)
            else:
                flash(_("Order placed. The labour bureau will dispatch it to institutions."),
                      "success")
                return redirect(url_for("reports.order_detail", order_id=order.id))
    number = max(request.args.get("page", 1, type=int), 1)
    shown = request.args.get("status") if request.args.get("status") in ORDER_STATUSES else ""
    stmt = orders.orders_for(current_user)
    if shown:
        stmt = stmt.where(DemandOrder.status == shown)
    page = paginate(stmt, number, 20, payloads.order)
    status = 422 if form is not None and form.errors else 200
    return render_template("reports/orders.html", form=form, page=page,
                           statuses=ORDER_STATUSES, status_shown=shown,
                           pages=max((page["total"] + 19) // 20, 1)), status


@bp.get("/orders/<int:order_id>")
@role_required(ENTERPRISE, OFFICER, INSTRUCTOR)
def order_detail(order_id: int):
    order = _visible_order(order_id)
    dispatch_form = accept_form = None
    if current_user.role == OFFICER:
        dispatch_form = DispatchForm()
        dispatch_form.institution_ids.choices = choices(
            (i.id, f"{i.name} ({i.region_code})") for i in db.session.scalars(
                select(Institution).where(Institution.active.is_(True))
                .order_by(Institution.region_code, Institution.name)))
    mine = None
    if current_user.role == INSTRUCTOR:
        mine = next((d for d in order.dispatches
                     if d.institution_id == current_user.institution_id), None)
        accept_form = AcceptForm()
        accept_form.course_id.choices = choices((c.id, c.title) for c in db.session.scalars(
            select(Course).where(Course.institution_id == current_user.institution_id,
                                 Course.occupation_id == order.occupation_id,
                                 Course.level == order.level).order_by(Course.id.desc())))
    candidates = orders.candidates(order) if current_user.role in (ENTERPRISE, OFFICER) else []
    return render_template(
        "reports/order_detail.html", order=order, data=payloads.order(order),
        dispatch_form=dispatch_form, accept_form=accept_form, mine=mine,
        candidates=candidates, hire_form=HireForm(), action_form=ActionForm(),
        statuses=ORDER_STATUSES, dispatch_statuses=DISPATCH_STATUSES)


def _visible_order(order_id: int):
    try:
        return orders.require_view(current_user, orders.get_order(order_id))
    except ServiceError as error:
        abort(error.status)


def _run(action, success: str, order_id: int):
    try:
        action()
    except ServiceError as error:
        if error.status in (403, 404):
            abort(error.status)
        flash(error.message, "error")
    else:
        flash(success, "success")
    return redirect(url_for("reports.order_detail", order_id=order_id))


@bp.post("/orders/<int:order_id>/dispatch")
@role_required(OFFICER)
def dispatch_order(order_id: int):
    order = _visible_order(order_id)
    form = DispatchForm()
    form.institution_ids.choices = choices((i, i) for i in request.form.getlist("institution_ids")
                                           if i.isdigit())
    if not form.validate_on_submit():
        flash(_("Choose at least one institution."), "error")
        return redirect(url_for("reports.order_detail", order_id=order_id))
    return _run(lambda: orders.dispatch(current_user, order, form.institution_ids.data),
                _("Order dispatched."), order_id)


@bp.post("/orders/<int:order_id>/dispatches/<int:dispatch_id>/<any(accept, decline):answer>")
@role_required(INSTRUCTOR)
def answer_dispatch(order_id: int, dispatch_id: int, answer: str):
    order = _visible_order(order_id)
    if answer == "decline":
        if not ActionForm().validate_on_submit():
            abort(400)
        return _run(lambda: orders.decline(current_user, orders.get_dispatch(order, dispatch_id)),
                    _("Order declined."), order_id)
    form = AcceptForm()
    form.course_id.choices = choices((v, v) for v in request.form.getlist("course_id")
                                     if v.isdigit())
    if not form.validate_on_submit():
        flash(_("Choose the course that trains for this order."), "error")
        return redirect(url_for("reports.order_detail", order_id=order_id))
    return _run(lambda: orders.accept(current_user, orders.get_dispatch(order, dispatch_id),
                                      form.course_id.data),
                _("Order accepted; its trainees now see the employer's offer."), order_id)


@bp.post("/orders/<int:order_id>/hires")
@role_required(ENTERPRISE)
def hire(order_id: int):
    order = _visible_order(order_id)
    form = HireForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(lambda: orders.hire(current_user, order, form.trainee_id.data,
                                    form.started_on.data),
                _("Hire recorded."), order_id)


@bp.post("/orders/<int:order_id>/cancel")
@role_required(ENTERPRISE)
def cancel_order(order_id: int):
    order = _visible_order(order_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _run(lambda: orders.cancel(current_user, order), _("Order cancelled."), order_id)
