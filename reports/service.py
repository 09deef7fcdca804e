"""Targets, officer regions, employment records and follow-up calls (plain functions)."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select

from accounts import scope
from accounts.models import User
from core import audit, regions
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.timeutil import local_today, now_utc
from courses.models import Course, Enrolment, Occupation
from reports.models import (
    FIGURES,
    FOLLOW_UP_OUTCOMES,
    EmploymentRecord,
    FollowUpNote,
    Target,
)

MAX_WAGE_FEN = 10_000_000  # ¥100,000 a month: anything above is a typo


# --- regions -----------------------------------------------------------------------------

def within(code: str | None, region: str | None) -> bool:
    """Is `code` inside `region`? 330000 is a province, 330400 a city, else a district."""
    if region is None:
        return True
    if code is None:
        return False
    if region.endswith("0000"):
        return code[:2] == region[:2]
    if region.endswith("00"):
        return code[:4] == region[:4]
    return code == region


def officer_region(user) -> tuple[str, ...]:
    """The officer's regions (accounts.scope); () means every region."""
    return scope.regions_of(user)


def within_any(code: str | None, scopes) -> bool:
    """Is `code` inside one of `scopes` (a code, a tuple of codes; None or () = everywhere)?"""
    return regions.covered(code, _as_tuple(scopes))


def _as_tuple(regions) -> tuple[str, ...]:
    if not regions:
        return ()
    return (regions,) if isinstance(regions, str) else tuple(regions)


def regions_clause(column, regions):
    """courses.service.region_clause for each of `regions`, or-ed; None for every region."""
    from courses.service import region_clause

    regions = _as_tuple(regions)
    if not regions:
        return None
    return or_(*(region_clause(column, r) for r in regions))


def set_officer_region(actor, officer: User, region_code: str | None) -> None:
    """Limit an officer to one region (None: every region); see accounts.scope.set_regions."""
    scope.set_regions(actor, officer, [region_code] if region_code else [])


def effective_region(user, requested: str | None) -> str | None:
    """The region an officer may see: theirs by default (the first of several), or a part of
    one of them; else 403."""
    mine = officer_region(user) if user.role == "officer" else ()
    if requested is None:
        return mine[0] if mine else None
    if not within_any(requested, mine):
        raise Forbidden(_("You may only see figures for your own region."),
                        code="region_forbidden")
    return requested


def report_regions(user, requested: str | None):
    """The region a report covers: the requested one (inside the officer's, else 403), or,
    when none is asked for, every region of the officer (None for every region, one code, or
    a tuple of several codes: an officer for two cities sees both by default)."""
    if requested is not None:
        return effective_region(user, requested)
    mine = officer_region(user) if user.role == "officer" else ()
    return mine[0] if len(mine) == 1 else (mine or None)


# --- targets ------------------------------------------------------------------------------

def set_target(actor, year: int, region_code: str, figures: dict, occupation_code: str = "",
               key_group: str = "") -> Target:
    """Create or replace the target for (year, region, occupation, key group)."""
    if actor.role == "officer" and not within_any(region_code, officer_region(actor)):
        raise Forbidden(_("You may only set targets for your own region."),
                        code="region_forbidden")
    if not regions.is_code(region_code):
        message = _("Choose a region of the administrative division list.")
        raise Invalid(message, fields={"region_code": [message]})
    if occupation_code and db.session.scalar(
            select(Occupation.id).where(Occupation.code == occupation_code)) is None:
        raise Invalid(_("Unknown occupation code."),
                      fields={"occupation_code": [_("Unknown occupation code.")]})
    values = {f: figures.get(f) for f in FIGURES}
    if all(v is None for v in values.values()):
        raise Invalid(_("Set at least one target figure."),
                      fields={"trained": [_("Set at least one target figure.")]})
    target = db.session.scalar(select(Target).where(
        Target.year == year, Target.region_code == region_code,
        Target.occupation_code == occupation_code, Target.key_group == key_group))
    before = target.figures() if target else None
    if target is None:
        target = Target(year=year, region_code=region_code, occupation_code=occupation_code,
                        key_group=key_group)
        db.session.add(target)
    for name, value in values.items():
        setattr(target, name, value)
    target.set_by_id = actor.id
    db.session.flush()
    audit.record(actor, "target.set", target, before=before,
                 after={"year": year, "region": region_code, "occupation": occupation_code,
                        "key_group": key_group, **values})
    return target


def delete_target(actor, target: Target) -> None:
    if actor.role == "officer" and not within_any(target.region_code, officer_region(actor)):
        raise Forbidden(_("You may only change targets for your own region."),
                        code="region_forbidden")
    audit.record(actor, "target.deleted", target, before={
        "year": target.year, "region": target.region_code, **target.figures()})
    db.session.delete(target)


def targets_for(year: int, region, occupation_code: str = "", key_group: str = "") -> dict:
    """Target figures for a region: its own row if set, else the sum of the top-level rows
    inside it (a city's target is not added again to its province's). Several regions (a
    tuple): the sum of each one's."""
    rows = db.session.scalars(select(Target).where(
        Target.year == year, Target.occupation_code == occupation_code,
        Target.key_group == key_group)).all()
    wanted = region if isinstance(region, tuple) else (region,)
    chosen = [row for one in wanted for row in _targets_of(rows, one)]
    totals = {}
    for name in FIGURES:
        values = [getattr(r, name) for r in chosen if getattr(r, name) is not None]
        totals[name] = sum(values) if values else None
    return totals


def _targets_of(rows: list[Target], region: str | None) -> list[Target]:
    """The rows that make up one region's target: its own, else the top-level ones inside it."""
    exact = [r for r in rows if region is not None and r.region_code == region]
    if exact:
        return exact
    inside = [r for r in rows if within(r.region_code, region)]
    return [r for r in inside if not any(
        o is not r and o.region_code != r.region_code and within(r.region_code, o.region_code)
        for o in inside)]


def list_targets(year: int, regions) -> list[Target]:
    rows = db.session.scalars(select(Target).where(Target.year == year).order_by(
        Target.region_code, Target.occupation_code, Target.key_group)).all()
    return [r for r in rows if within_any(r.region_code, regions)]


# --- employment ---------------------------------------------------------------------------

@dataclass
class EmploymentReport:
    employer: str
    started_on: date
    monthly_wage_fen: int
    occupation_code: str | None = None
    contract_months: int | None = None
    course_id: int | None = None
    employer_id: int | None = None


def _enterprise_named(name: str) -> User | None:
    """The enterprise account whose organisation (or account name) is exactly `name`."""
    return db.session.scalar(select(User).where(
        User.role == "enterprise", User.active.is_(True),
        or_(User.organisation == name, User.name == name)).order_by(User.id).limit(1))


def report_employment(trainee: User, data: EmploymentReport) -> EmploymentRecord:
    """A trainee reports a job; it counts once an officer or the employer confirms it."""
    errors: dict[str, list[str]] = {}
    employer = (data.employer or "").strip()
    if not employer:
        errors["employer"] = [_("Name the employer.")]
    today = local_today()
    if data.started_on > today + timedelta(days=180):
        errors["started_on"] = [_("The start date is too far in the future.")]
    if data.started_on < date(2000, 1, 1):
        errors["started_on"] = [_("The start date is too far in the past.")]
    if not 0 <= data.monthly_wage_fen <= MAX_WAGE_FEN:
        errors["monthly_wage_fen"] = [_("The monthly wage is out of range.")]
    occupation = None
    if data.occupation_code:
        occupation = db.session.scalar(
            select(Occupation).where(Occupation.code == data.occupation_code))
        if occupation is None:
            errors["occupation_code"] = [_("Unknown occupation code.")]
    enrolments = select(Enrolment).where(Enrolment.trainee_id == trainee.id,
                                         Enrolment.status != "withdrawn")
    if data.course_id is not None:
        enrolment = db.session.scalar(enrolments.where(Enrolment.course_id == data.course_id))
        if enrolment is None:
            errors["course_id"] = [_("You were not trained in this course.")]
    else:
        enrolment = db.session.scalar(enrolments.order_by(Enrolment.created_at.desc(),
                                                          Enrolment.id.desc()).limit(1))
    employer_user = None
    if data.employer_id is not None:
        employer_user = db.session.get(User, data.employer_id)
        if employer_user is None or employer_user.role != "enterprise":
            errors["employer_id"] = [_("No such enterprise account.")]
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    employer_user = employer_user or _enterprise_named(employer)
    record = EmploymentRecord(
        trainee_id=trainee.id, course_id=enrolment.course_id if enrolment else None,
        employer=employer, employer_user_id=employer_user.id if employer_user else None,
        occupation_id=occupation.id if occupation else None, started_on=data.started_on,
        monthly_wage_fen=data.monthly_wage_fen, contract_months=data.contract_months,
        status="reported")
    db.session.add(record)
    db.session.flush()
    audit.record(trainee, "employment.reported", record, after={
        "employer": employer, "started_on": data.started_on.isoformat(),
        "monthly_wage_fen": data.monthly_wage_fen, "course_id": record.course_id})
    return record


def get_employment(record_id: int) -> EmploymentRecord:
    record = db.session.get(EmploymentRecord, record_id)
    if record is None:
        raise NotFound(_("No such employment record."))
    return record


def employment_region(record: EmploymentRecord) -> str | None:
    """Where the job counts: the training course's region, else the trainee's home region."""
    if record.course is not None:
        return record.course.region_code
    profile = record.trainee.profile
    return profile.region_code if profile else None


def can_decide_employment(user, record: EmploymentRecord) -> bool:
    if user.role == "officer":
        return within_any(employment_region(record), officer_region(user))
    if user.role == "enterprise":
        return record.employer_user_id == user.id
    return False


def decide_employment(actor, record: EmploymentRecord, confirmed: bool = True
                      ) -> EmploymentRecord:
    """An officer of the region, or the employer's enterprise account, confirms (or rejects)."""
    if not can_decide_employment(actor, record):
        raise Forbidden(_("Only an officer of the region or the employer may confirm this job."),
                        code="region_forbidden" if actor.role == "officer" else None)
    status = "confirmed" if confirmed else "rejected"
    if record.status == status:
        return record
    if actor.role == "enterprise" and record.status != "reported":
        raise Conflict(_("An officer has already decided this record."), code="already_decided")
    before = {"status": record.status}
    record.status = status
    record.confirmed_by_id = actor.id
    record.confirmed_at = now_utc()
    audit.record(actor, f"employment.{status}", record, before=before, after={"status": status})
    return record


def confirmed_employment_exists(trainee_id_column):
    return exists().where(EmploymentRecord.trainee_id == trainee_id_column,
                          EmploymentRecord.status == "confirmed")


# --- follow-up ----------------------------------------------------------------------------

STAGES = {"30": (30, 90), "90": (90, None)}


def follow_up_query(region, stage: str, today: date | None = None):
    """Enrolments of trainees whose course ended 30-89 (stage "30") or 90+ (stage "90") days
    ago and who have no confirmed job, in `region` (a code or the officer's codes); oldest
    first."""
    if stage not in STAGES:
        raise Invalid(_("Unknown follow-up stage."), fields={"stage": [_("Use 30 or 90.")]})
    today = today or local_today()
    low, high = STAGES[stage]
    stmt = (select(Enrolment).join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.status != "withdrawn", Course.ends_on.is_not(None),
                   Course.ends_on <= today - timedelta(days=low),
                   ~confirmed_employment_exists(Enrolment.trainee_id))
            .order_by(Course.ends_on, Enrolment.id))
    if high is not None:
        stmt = stmt.where(Course.ends_on > today - timedelta(days=high))
    where = regions_clause(Course.region_code, region)
    return stmt if where is None else stmt.where(where)


def notes_for(trainee_ids: list[int]) -> dict[int, list[FollowUpNote]]:
    notes: dict[int, list[FollowUpNote]] = {i: [] for i in trainee_ids}
    if trainee_ids:
        for note in db.session.scalars(select(FollowUpNote).where(
                FollowUpNote.trainee_id.in_(trainee_ids)).order_by(FollowUpNote.id.desc())):
            notes[note.trainee_id].append(note)
    return notes


def add_follow_up_note(officer, trainee_id: int, outcome: str, note: str,
                       course_id: int | None = None) -> FollowUpNote:
    """Record one follow-up call; the trainee must have trained in the officer's region."""
    if outcome not in FOLLOW_UP_OUTCOMES:
        raise Invalid(_("Unknown outcome."), fields={"outcome": [_("Unknown outcome.")]})
    trainee = db.session.get(User, trainee_id)
    if trainee is None or trainee.role != "trainee":
        raise NotFound(_("No such trainee."))
    mine = officer_region(officer)
    stmt = select(Enrolment.id).join(Course, Course.id == Enrolment.course_id).where(
        Enrolment.trainee_id == trainee_id)
    if course_id is not None:
        stmt = stmt.where(Enrolment.course_id == course_id)
    if mine:
        stmt = stmt.where(regions_clause(Course.region_code, mine))
    if db.session.scalar(stmt.limit(1)) is None:
        raise Forbidden(_("This trainee did not train in your region."),
                        code="region_forbidden")
    row = FollowUpNote(trainee_id=trainee_id, course_id=course_id, author_id=officer.id,
                       outcome=outcome, note=(note or "").strip())
    db.session.add(row)
    db.session.flush()
    audit.record(officer, "follow_up.noted", row, after={"trainee_id": trainee_id,
                                                         "outcome": outcome})
    return row


def my_employment(trainee) -> list[EmploymentRecord]:
    return db.session.scalars(select(EmploymentRecord).where(
        EmploymentRecord.trainee_id == trainee.id).order_by(
        EmploymentRecord.started_on.desc(), EmploymentRecord.id.desc())).all()



def latest_employment_status(trainee_ids: list[int]) -> dict[int, str]:
    """The newest employment record's status per trainee (reported / rejected)."""
    result: dict[int, str] = {}
    if trainee_ids:
        for trainee_id, status in db.session.execute(
                select(EmploymentRecord.trainee_id, EmploymentRecord.status)
                .where(EmploymentRecord.trainee_id.in_(trainee_ids))
                .order_by(EmploymentRecord.id)):
            result[trainee_id] = status
    return result


def employment_query(region, status: str | None = None):
    """Employment records in the region(s) (training course's, else home region), newest
    first."""
    from accounts.models import TraineeProfile

    stmt = (select(EmploymentRecord)
            .outerjoin(Course, Course.id == EmploymentRecord.course_id)
            .join(TraineeProfile, TraineeProfile.user_id == EmploymentRecord.trainee_id)
            .order_by(EmploymentRecord.id.desc()))
    if status:
        stmt = stmt.where(EmploymentRecord.status == status)
    where = regions_clause(func.coalesce(Course.region_code, TraineeProfile.region_code), region)
    return stmt if where is None else stmt.where(where)
