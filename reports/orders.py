"""Enterprise demand orders: place, dispatch to institutions, accept with a course, hire."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import distinct, func, select
from sqlalchemy.exc import IntegrityError

from accounts.models import User
from certificates.models import Certificate
from core import audit, regions
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.timeutil import local_today, now_utc
from courses.models import Course, Enrolment, Institution, Occupation
from reports.models import DemandOrder, EmploymentRecord, OrderDispatch
from reports.service import MAX_WAGE_FEN, officer_region, regions_clause, within_any

CLOSED = ("fulfilled", "cancelled")


@dataclass
class OrderData:
    occupation_code: str
    level: int
    workers: int
    region_code: str
    wage_fen: int
    starts_on: date
    note: str = ""


def place_order(enterprise: User, data: OrderData) -> DemandOrder:
    """An enterprise orders trained workers; officers then dispatch the order."""
    errors: dict[str, list[str]] = {}
    occupation = db.session.scalar(select(Occupation).where(
        Occupation.code == data.occupation_code))
    if occupation is None:
        errors["occupation_code"] = [_("Unknown occupation code.")]
    elif data.level not in occupation.level_list:
        errors["level"] = [_("This occupation has no level %(level)s.", level=data.level)]
    if not regions.is_code(data.region_code):
        errors["region_code"] = [_("Choose a region of the administrative division list.")]
    if not 1 <= data.workers <= 10000:
        errors["workers"] = [_("Order between 1 and 10,000 workers.")]
    if not 0 <= data.wage_fen <= MAX_WAGE_FEN:
        errors["wage_fen"] = [_("The wage is out of range.")]
    if data.starts_on < local_today():
        errors["starts_on"] = [_("The start date has passed.")]
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    order = DemandOrder(enterprise_id=enterprise.id, occupation_id=occupation.id,
                        level=data.level, workers=data.workers, region_code=data.region_code,
                        wage_fen=data.wage_fen, starts_on=data.starts_on,
                        note=(data.note or "").strip(), status="open")
    db.session.add(order)
    db.session.flush()
    audit.record(enterprise, "order.placed", order, after={
        "occupation": data.occupation_code, "level": data.level, "workers": data.workers,
        "region": data.region_code, "wage_fen": data.wage_fen,
        "starts_on": data.starts_on.isoformat()})
    return order


def get_order(order_id: int) -> DemandOrder:
    order = db.session.get(DemandOrder, order_id)
    if order is None:
        raise NotFound(_("No such order."))
    return order


def can_view(user, order: DemandOrder) -> bool:
    if user.role == "enterprise":
        return order.enterprise_id == user.id
    if user.role == "officer":
        return within_any(order.region_code, officer_region(user))
    if user.role == "instructor":
        return user.institution_id is not None and any(
            d.institution_id == user.institution_id for d in order.dispatches)
    return user.role == "admin"


def require_view(user, order: DemandOrder) -> DemandOrder:
    if not can_view(user, order):
        raise Forbidden(_("This order is not yours."))
    return order


def orders_for(user):
    """The orders a user may see: an enterprise its own, an officer its region's, an
    instructor those dispatched to their institution."""
    stmt = select(DemandOrder).order_by(DemandOrder.created_at.desc(), DemandOrder.id.desc())
    if user.role == "enterprise":
        return stmt.where(DemandOrder.enterprise_id == user.id)
    if user.role == "officer":
        where = regions_clause(DemandOrder.region_code, officer_region(user))
        return stmt if where is None else stmt.where(where)
    if user.role == "instructor":
        return stmt.where(DemandOrder.id.in_(select(OrderDispatch.order_id).where(
            OrderDispatch.institution_id == (user.institution_id or -1))))
    if user.role == "admin":
        return stmt
    return stmt.where(DemandOrder.id.is_(None))


def dispatch(officer, order: DemandOrder, institution_ids: list[int]) -> list[OrderDispatch]:
    """Send the order to institutions (already-sent ones are skipped)."""
    require_view(officer, order)
    if order.status in CLOSED:
        raise Conflict(_("This order is closed."), code="order_closed")
    ids = list(dict.fromkeys(institution_ids))
    found = {i.id: i for i in db.session.scalars(select(Institution).where(
        Institution.id.in_(ids), Institution.active.is_(True)))}
    missing = [i for i in ids if i not in found]
    if not ids or missing:
        raise Invalid(_("Choose active institutions."),
                      fields={"institution_ids": [_("Unknown institution: %(ids)s",
                                                    ids=", ".join(map(str, missing)) or "-")]})
    already = {d.institution_id for d in order.dispatches}
    new = [i for i in ids if i not in already]
    if not new:
        raise Conflict(_("The order was already sent to these institutions."),
                       code="already_dispatched")
    rows = []
    for institution_id in new:
        row = OrderDispatch(institution_id=institution_id, dispatched_by_id=officer.id,
                            status="pending")
        order.dispatches.append(row)
        rows.append(row)
    if order.status == "open":
        order.status = "dispatched"
    db.session.flush()
    audit.record(officer, "order.dispatched", order, after={"institutions": new})
    return rows


def get_dispatch(order: DemandOrder, dispatch_id: int) -> OrderDispatch:
    row = db.session.get(OrderDispatch, dispatch_id)
    if row is None or row.order_id != order.id:
        raise NotFound(_("No such dispatch."))
    return row


def _require_institution_staff(user, row: OrderDispatch) -> None:
    if user.role != "instructor" or user.institution_id != row.institution_id:
        raise Forbidden(_("Only staff of the institution may answer this order."))


def accept(user, row: OrderDispatch, course_id: int) -> OrderDispatch:
    """The institution accepts, linking the course (of the order's occupation and level,
    run by the institution) that trains for the order."""
    _require_institution_staff(user, row)
    _lock(OrderDispatch, row.id)
    db.session.refresh(row)
    order = row.order
    if order.status in CLOSED:
        raise Conflict(_("This order is closed."), code="order_closed")
    if row.status != "pending":
        raise Conflict(_("This dispatch was already answered."), code="already_answered")
    course = db.session.get(Course, course_id)
    problem = None
    if course is None or course.institution_id != row.institution_id:
        problem = _("Choose a course your institution runs.")
    elif course.occupation_id != order.occupation_id or course.level != order.level:
        problem = _("The course must train the ordered occupation and level.")
    if problem:
        raise Invalid(problem, fields={"course_id": [problem]})
    row.status, row.course_id = "accepted", course.id
    row.decided_by_id, row.decided_at = user.id, now_utc()
    if order.status in ("open", "dispatched"):
        order.status = "in_training"
    audit.record(user, "order.accepted", row, before={"status": "pending"},
                 after={"status": "accepted", "course_id": course.id})
    return row


def decline(user, row: OrderDispatch) -> OrderDispatch:
    _require_institution_staff(user, row)
    if row.status != "pending":
        raise Conflict(_("This dispatch was already answered."), code="already_answered")
    row.status, row.decided_by_id, row.decided_at = "declined", user.id, now_utc()
    audit.record(user, "order.declined", row, before={"status": "pending"},
                 after={"status": "declined"})
    return row


def cancel(enterprise, order: DemandOrder) -> DemandOrder:
    if order.enterprise_id != enterprise.id:
        raise Forbidden(_("This order is not yours."))
    if order.status in CLOSED:
        raise Conflict(_("This order is closed."), code="order_closed")
    before = {"status": order.status}
    order.status = "cancelled"
    audit.record(enterprise, "order.cancelled", order, before=before,
                 after={"status": "cancelled"})
    return order


def _lock(model, row_id: int) -> None:
    """Serialise concurrent changes to one row (SELECT ... FOR UPDATE; SQLite serialises
    writers anyway), then re-read it so the checks below see the committed state."""
    db.session.execute(select(model.id).where(model.id == row_id).with_for_update())


def hired_count(order: DemandOrder) -> int:
    return db.session.scalar(select(func.count(EmploymentRecord.id)).where(
        EmploymentRecord.order_id == order.id, EmploymentRecord.status == "confirmed")) or 0


def pipeline(order: DemandOrder) -> dict:
    """Places ordered, enrolled and certified in the linked courses, hired."""
    course_ids = order.course_ids
    enrolled = certified = 0
    if course_ids:
        enrolled = db.session.scalar(select(func.count(distinct(Enrolment.trainee_id))).where(
            Enrolment.course_id.in_(course_ids), Enrolment.status != "withdrawn")) or 0
        certified = db.session.scalar(select(func.count(distinct(Certificate.trainee_id)))
                                      .where(Certificate.course_id.in_(course_ids),
                                             Certificate.status == "valid")) or 0
    return {"ordered": order.workers, "enrolled": enrolled, "certified": certified,
            "hired": hired_count(order)}


def candidates(order: DemandOrder) -> list[dict]:
    """Certified trainees of the order's courses, with whether they were hired already."""
    if not order.course_ids:
        return []
    hired = set(db.session.scalars(select(EmploymentRecord.trainee_id).where(
        EmploymentRecord.order_id == order.id)))
    rows = db.session.execute(
        select(Certificate, User).join(User, User.id == Certificate.trainee_id)
        .where(Certificate.course_id.in_(order.course_ids), Certificate.status == "valid")
        .order_by(Certificate.issued_at, Certificate.id)).all()
    seen, result = set(), []
    for certificate, user in rows:
        if user.id in seen:
            continue
        seen.add(user.id)
        result.append({"trainee_id": user.id, "name": user.name,
                       "phone_masked": user.phone_masked, "serial": certificate.serial,
                       "course_id": certificate.course_id, "level": certificate.level,
                       "hired": user.id in hired})
    return result


def hire(enterprise, order: DemandOrder, trainee_id: int, started_on: date | None = None,
         monthly_wage_fen: int | None = None, contract_months: int | None = None
         ) -> EmploymentRecord:
    """The ordering enterprise hires a certified trainee of the order's courses; the job is
    confirmed by the employer itself and counts in reports."""
    if order.enterprise_id != enterprise.id:
        raise Forbidden(_("This order is not yours."))
    # Two hires racing for the last place: the second waits here, then sees the order full.
    _lock(DemandOrder, order.id)
    db.session.refresh(order)
    if order.status == "cancelled":
        raise Conflict(_("This order is closed."), code="order_closed")
    certificate = None
    if order.course_ids:
        certificate = db.session.scalar(select(Certificate).where(
            Certificate.trainee_id == trainee_id, Certificate.course_id.in_(order.course_ids),
            Certificate.status == "valid").order_by(Certificate.issued_at).limit(1))
    if certificate is None:
        raise Conflict(_("Only certified trainees of the order's courses can be hired."),
                       code="not_certified")
    wage = order.wage_fen if monthly_wage_fen is None else monthly_wage_fen
    if not 0 <= wage <= MAX_WAGE_FEN:
        raise Invalid(_("The wage is out of range."),
                      fields={"monthly_wage_fen": [_("The wage is out of range.")]})
    if hired_count(order) >= order.workers:
        raise Conflict(_("All ordered places are filled."), code="order_full")
    record = EmploymentRecord(
        trainee_id=trainee_id, course_id=certificate.course_id, employer=order.employer_name,
        employer_user_id=enterprise.id, order_id=order.id, occupation_id=order.occupation_id,
        started_on=started_on or max(order.starts_on, local_today()), monthly_wage_fen=wage,
        contract_months=contract_months, status="confirmed", confirmed_by_id=enterprise.id,
        confirmed_at=now_utc())
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(_("This trainee was already hired for this order."),
                       code="already_hired") from exc
    if hired_count(order) >= order.workers:
        order.status = "fulfilled"
    audit.record(enterprise, "order.hired", record, after={
        "order_id": order.id, "trainee_id": trainee_id, "monthly_wage_fen": wage})
    return record


def offers_for(trainee) -> list[tuple[DemandOrder, Course]]:
    """Open orders whose linked course the trainee is enrolled in: the employer's offer."""
    rows = db.session.execute(
        select(DemandOrder, Course)
        .join(OrderDispatch, OrderDispatch.order_id == DemandOrder.id)
        .join(Course, Course.id == OrderDispatch.course_id)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .where(Enrolment.trainee_id == trainee.id, Enrolment.status != "withdrawn",
               OrderDispatch.status == "accepted", DemandOrder.status.not_in(CLOSED))
        .order_by(DemandOrder.starts_on)).all()
    return [(order, course) for order, course in rows]
