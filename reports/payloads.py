"""Plain-dict views of reports objects, shared by the API, the pages and the CSV exports."""

from datetime import date

from sqlalchemy import select

from core.errors import Invalid
from core.extensions import db
from core.timeutil import iso, local_today
from courses import service as courses_service
from courses.models import Occupation
from reports import figures, orders, service
from reports.figures import ReportFilter
from reports.sources import Period

occupation_ref = courses_service.occupation_ref


def report_filter(user, args: dict) -> tuple[ReportFilter, int]:
    """Query arguments to a filter, limited to the officer's region (403 outside it)."""
    year = args.get("year") or local_today().year
    period = Period.of(year, args.get("quarter"), args.get("month"))
    occupation_id = None
    if args.get("occupation"):
        occupation_id = db.session.scalar(select(Occupation.id).where(
            Occupation.code == args["occupation"]))
        if occupation_id is None:
            raise Invalid(_unknown_occupation(), fields={"occupation": [_unknown_occupation()]})
    region = service.report_regions(user, args.get("region") or None)
    return ReportFilter(period=period, region=region, occupation_id=occupation_id,
                        key_group=args.get("key_group") or None,
                        institution_id=args.get("institution_id"),
                        platform_id=args.get("platform_id")), year


def _unknown_occupation() -> str:
    from flask_babel import gettext as _

    return _("Unknown occupation code.")


def summary(f: ReportFilter, year: int) -> dict:
    several = isinstance(f.region, tuple)
    return {"year": year, "region": None if several else f.region,
            "regions": list(f.region) if several else [f.region] if f.region else [],
            "period": {"from": f.period.start.isoformat(), "to": f.period.end.isoformat()},
            **figures.summary(f, year)}


def employment(record) -> dict:
    trainee = record.trainee
    return {
        "id": record.id, "trainee": {"id": trainee.id, "name": trainee.name},
        "course": {"id": record.course.id, "title": record.course.title}
        if record.course else None,
        "employer": record.employer, "order_id": record.order_id,
        "occupation_code": record.occupation.code if record.occupation else None,
        "started_on": record.started_on, "monthly_wage_fen": record.monthly_wage_fen,
        "contract_months": record.contract_months, "status": record.status,
        "confirmed_at": iso(record.confirmed_at), "created_at": iso(record.created_at),
    }


def order(row, with_pipeline: bool = True) -> dict:
    return {
        "id": row.id, "status": row.status, "employer": row.employer_name,
        "occupation": occupation_ref(row.occupation), "level": row.level,
        "workers": row.workers, "region_code": row.region_code, "wage_fen": row.wage_fen,
        "starts_on": row.starts_on, "note": row.note, "created_at": iso(row.created_at),
        "pipeline": orders.pipeline(row) if with_pipeline else {},
        "dispatches": [{"id": d.id, "status": d.status,
                        "institution": {"id": d.institution.id, "name": d.institution.name},
                        "course": {"id": d.course.id, "title": d.course.title}
                        if d.course else None} for d in row.dispatches],
    }


def follow_up_rows(enrolments, today: date | None = None) -> list[dict]:
    """Follow-up list rows: contact details (officers only see this list), notes."""
    today = today or local_today()
    notes = service.notes_for(list({e.trainee_id for e in enrolments}))
    statuses = service.latest_employment_status([e.trainee_id for e in enrolments])
    rows = []
    for e in enrolments:
        user = e.trainee
        profile = user.profile
        rows.append({
            "trainee": {"id": user.id, "name": user.name, "phone": user.phone or "",
                        "email": user.email,
                        "region_code": profile.region_code if profile else None},
            "course": {"id": e.course.id, "title": e.course.title},
            "ended_on": e.course.ends_on, "days_since": (today - e.course.ends_on).days,
            "employment_status": statuses.get(e.trainee_id),
            "notes": [{"id": n.id, "outcome": n.outcome, "note": n.note,
                       "author": n.author.name, "at": iso(n.created_at)}
                      for n in notes.get(e.trainee_id, [])],
        })
    return rows


def note(row) -> dict:
    return {"id": row.id, "trainee_id": row.trainee_id, "course_id": row.course_id,
            "outcome": row.outcome, "note": row.note, "author": row.author.name,
            "at": iso(row.created_at)}


def offer(order_row, course) -> dict:
    return {"order_id": order_row.id, "employer": order_row.employer_name,
            "occupation": occupation_ref(order_row.occupation), "level": order_row.level,
            "workers": order_row.workers, "wage_fen": order_row.wage_fen,
            "starts_on": order_row.starts_on, "region_code": order_row.region_code,
            "course": {"id": course.id, "title": course.title}}
