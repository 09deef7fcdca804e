"""Reports, employment and demand-order API (API.md "Reports")."""

from sqlalchemy import select

from core.api import PageArgs, api_blueprint, paginate
from core.auth import ENTERPRISE, INSTRUCTOR, OFFICER, TRAINEE, api_auth, current_api_user
from core.errors import Invalid
from reports import figures, orders, payloads, service
from reports.models import DIMENSION_NAMES, EmploymentRecord, Target
from reports.schemas import (
    ReportAcceptSchema,
    ReportArgs,
    ReportBreakdownSchema,
    ReportCandidateListSchema,
    ReportDispatchCreateSchema,
    ReportEmploymentCreateSchema,
    ReportEmploymentListArgs,
    ReportEmploymentPageSchema,
    ReportEmploymentSchema,
    ReportFollowUpArgs,
    ReportFollowUpNoteCreateSchema,
    ReportFollowUpNoteSchema,
    ReportFollowUpPageSchema,
    ReportHireCreateSchema,
    ReportMonthlySchema,
    ReportOfferListSchema,
    ReportOrderCreateSchema,
    ReportOrderPageSchema,
    ReportOrderSchema,
    ReportSummarySchema,
    ReportTargetArgs,
    ReportTargetListSchema,
    ReportTargetSchema,
)

blp = api_blueprint("reports_api", __name__,
                    "Reports, targets, employment follow-up, enterprise demand orders")


def _target(row: Target) -> dict:
    return {"id": row.id, "year": row.year, "region_code": row.region_code,
            "occupation_code": row.occupation_code, "key_group": row.key_group,
            **row.figures()}


# --- reports ------------------------------------------------------------------------------

@blp.route("/reports/summary", methods=["GET"])
@api_auth(OFFICER)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportSummarySchema)
def summary(args):
    """Trained, passed, certified, subsidised and employed people against the year's targets,
    for the officer's region (or a part of it)."""
    f, year = payloads.report_filter(current_api_user(), args)
    return payloads.summary(f, year)


@blp.route("/reports/breakdown/<dimension>", methods=["GET"])
@api_auth(OFFICER)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportBreakdownSchema)
def breakdown(args, dimension):
    """The figures by occupation, region, key_group, institution, platform or course."""
    if dimension not in DIMENSION_NAMES:
        raise Invalid("Unknown dimension.", code="unknown_dimension",
                      fields={"dimension": list(DIMENSION_NAMES)})
    f, _year = payloads.report_filter(current_api_user(), args)
    rows = figures.course_table(f, None) if dimension == "course" \
        else figures.breakdown(f, dimension)
    return {"dimension": dimension, "items": rows}


@blp.route("/reports/monthly", methods=["GET"])
@api_auth(OFFICER)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportMonthlySchema)
def monthly(args):
    """New people per figure for each month of the period."""
    f, _year = payloads.report_filter(current_api_user(), args)
    return {"items": figures.monthly(f)}


@blp.route("/reports/employment-rate", methods=["GET"])
@api_auth(OFFICER)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportMonthlySchema)
def employment_rate(args):
    """Employment rate by month of training: of those trained that month, how many work."""
    f, _year = payloads.report_filter(current_api_user(), args)
    return {"items": figures.employment_by_month(f)}


@blp.route("/reports/targets", methods=["GET"])
@api_auth(OFFICER)
@blp.arguments(ReportTargetArgs, location="query")
@blp.response(200, ReportTargetListSchema)
def list_targets(args):
    """The year's targets in the officer's region."""
    from core.timeutil import local_today

    user = current_api_user()
    rows = service.list_targets(args.get("year") or local_today().year,
                                service.officer_region(user))
    return {"items": [_target(r) for r in rows]}


@blp.route("/reports/targets", methods=["PUT"])
@api_auth(OFFICER)
@blp.arguments(ReportTargetSchema)
@blp.response(200, ReportTargetSchema)
def put_target(args):
    """Set (create or replace) the target for a year, region, occupation and key group."""
    figures_ = {k: args.get(k) for k in ("trained", "passed", "certified", "subsidised",
                                         "employed")}
    row = service.set_target(current_api_user(), args["year"], args["region_code"], figures_,
                             args["occupation_code"], args["key_group"])
    return _target(row)


@blp.route("/reports/follow-ups", methods=["GET"])
@api_auth(OFFICER)
@blp.arguments(ReportFollowUpArgs, location="query")
@blp.response(200, ReportFollowUpPageSchema)
def follow_ups(args):
    """Trainees not employed 30 (or 90) days after their course ended, with contact details
    and the notes of every follow-up call."""
    user = current_api_user()
    stmt = service.follow_up_query(service.officer_region(user), args["stage"])
    page = paginate(stmt, args["page"], args["per_page"])
    page["items"] = payloads.follow_up_rows(page["items"])
    return page


@blp.route("/follow-ups", methods=["POST"])
@api_auth(OFFICER)
@blp.arguments(ReportFollowUpNoteCreateSchema)
@blp.response(201, ReportFollowUpNoteSchema)
def add_note(args):
    """Record a follow-up call with a trainee of the officer's region."""
    row = service.add_follow_up_note(current_api_user(), args["trainee_id"], args["outcome"],
                                     args["note"], args["course_id"])
    return payloads.note(row)


# --- employment ---------------------------------------------------------------------------

@blp.route("/me/employment", methods=["POST"])
@api_auth(TRAINEE)
@blp.arguments(ReportEmploymentCreateSchema)
@blp.response(201, ReportEmploymentSchema)
def report_employment(args):
    """Report a job after training; it counts once confirmed."""
    record = service.report_employment(current_api_user(), service.EmploymentReport(**args))
    return payloads.employment(record)


@blp.route("/me/employment", methods=["GET"])
@api_auth(TRAINEE)
@blp.arguments(PageArgs, location="query")
@blp.response(200, ReportEmploymentPageSchema)
def my_employment(args):
    """The caller's reported jobs and their status."""
    stmt = (select(EmploymentRecord).where(EmploymentRecord.trainee_id == current_api_user().id)
            .order_by(EmploymentRecord.started_on.desc(), EmploymentRecord.id.desc()))
    return paginate(stmt, args["page"], args["per_page"], payloads.employment)


@blp.route("/employment", methods=["GET"])
@api_auth(OFFICER, ENTERPRISE)
@blp.arguments(ReportEmploymentListArgs, location="query")
@blp.response(200, ReportEmploymentPageSchema)
def list_employment(args):
    """Officers: jobs in their region; enterprises: jobs reported with them as employer."""
    user = current_api_user()
    status = args.get("status")
    if user.role == ENTERPRISE:
        stmt = (select(EmploymentRecord).where(EmploymentRecord.employer_user_id == user.id)
                .order_by(EmploymentRecord.id.desc()))
        if status:
            stmt = stmt.where(EmploymentRecord.status == status)
    else:
        stmt = service.employment_query(service.officer_region(user), status)
    return paginate(stmt, args["page"], args["per_page"], payloads.employment)


@blp.route("/employment/<int:record_id>/confirm", methods=["POST"])
@api_auth(OFFICER, ENTERPRISE)
@blp.response(200, ReportEmploymentSchema)
def confirm_employment(record_id):
    """Confirm a reported job (an officer of the region, or the employer's account)."""
    record = service.get_employment(record_id)
    return payloads.employment(service.decide_employment(current_api_user(), record, True))


@blp.route("/employment/<int:record_id>/reject", methods=["POST"])
@api_auth(OFFICER, ENTERPRISE)
@blp.response(200, ReportEmploymentSchema)
def reject_employment(record_id):
    """Reject a reported job that could not be verified."""
    record = service.get_employment(record_id)
    return payloads.employment(service.decide_employment(current_api_user(), record, False))


# --- demand orders ------------------------------------------------------------------------

@blp.route("/orders", methods=["POST"])
@api_auth(ENTERPRISE)
@blp.arguments(ReportOrderCreateSchema)
@blp.response(201, ReportOrderSchema)
def place_order(args):
    """Order trained workers: occupation, level, number, region, wage offered, start date."""
    return payloads.order(orders.place_order(current_api_user(), orders.OrderData(**args)))


@blp.route("/orders", methods=["GET"])
@api_auth(ENTERPRISE, OFFICER, INSTRUCTOR)
@blp.arguments(PageArgs, location="query")
@blp.response(200, ReportOrderPageSchema)
def list_orders(args):
    """Enterprises see their orders, officers their region's, institutions those sent to them."""
    return paginate(orders.orders_for(current_api_user()), args["page"], args["per_page"],
                    payloads.order)


@blp.route("/orders/<int:order_id>", methods=["GET"])
@api_auth(ENTERPRISE, OFFICER, INSTRUCTOR)
@blp.response(200, ReportOrderSchema)
def get_order(order_id):
    """One order with its pipeline: ordered, enrolled, certified, hired."""
    return payloads.order(orders.require_view(current_api_user(), orders.get_order(order_id)))


@blp.route("/orders/<int:order_id>/dispatch", methods=["POST"])
@api_auth(OFFICER)
@blp.arguments(ReportDispatchCreateSchema)
@blp.response(200, ReportOrderSchema)
def dispatch(args, order_id):
    """Send the order to one or more institutions."""
    order = orders.get_order(order_id)
    orders.dispatch(current_api_user(), order, args["institution_ids"])
    return payloads.order(order)


@blp.route("/orders/<int:order_id>/dispatches/<int:dispatch_id>/accept", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(ReportAcceptSchema)
@blp.response(200, ReportOrderSchema)
def accept(args, order_id, dispatch_id):
    """The institution accepts and links the course that trains for the order."""
    order = orders.get_order(order_id)
    orders.accept(current_api_user(), orders.get_dispatch(order, dispatch_id), args["course_id"])
    return payloads.order(order)


@blp.route("/orders/<int:order_id>/dispatches/<int:dispatch_id>/decline", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.response(200, ReportOrderSchema)
def decline(order_id, dispatch_id):
    """The institution declines the order."""
    order = orders.get_order(order_id)
    orders.decline(current_api_user(), orders.get_dispatch(order, dispatch_id))
    return payloads.order(order)


@blp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@api_auth(ENTERPRISE)
@blp.response(200, ReportOrderSchema)
def cancel(order_id):
    """The enterprise withdraws its order."""
    return payloads.order(orders.cancel(current_api_user(), orders.get_order(order_id)))


@blp.route("/orders/<int:order_id>/candidates", methods=["GET"])
@api_auth(ENTERPRISE, OFFICER)
@blp.response(200, ReportCandidateListSchema)
def candidates(order_id):
    """Certified trainees of the order's courses (phone numbers masked)."""
    order = orders.require_view(current_api_user(), orders.get_order(order_id))
    return {"items": orders.candidates(order)}


@blp.route("/orders/<int:order_id>/hires", methods=["POST"])
@api_auth(ENTERPRISE)
@blp.arguments(ReportHireCreateSchema)
@blp.response(201, ReportEmploymentSchema)
def hire(args, order_id):
    """Record a hire of a certified trainee from the order's courses (confirmed employment)."""
    record = orders.hire(current_api_user(), orders.get_order(order_id), **args)
    return payloads.employment(record)


@blp.route("/me/offers", methods=["GET"])
@api_auth(TRAINEE)
@blp.response(200, ReportOfferListSchema)
def my_offers():
    """Employers' offers attached to the courses the caller is enrolled in."""
    return {"items": [payloads.offer(o, c) for o, c in orders.offers_for(current_api_user())]}
