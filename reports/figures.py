"""Report figures: counts of distinct people per figure, breakdowns, per-course tables.

Every figure is "distinct trainees" over one source (reports.sources), filtered by the
training course's region, occupation, institution or platform and the trainee's key group.
Jobs reported without a course count in the trainee's home region.
"""

from dataclasses import dataclass, replace

from flask_babel import get_locale
from sqlalchemy import distinct, exists, func, literal_column, select

from accounts.models import KEY_GROUPS, KeyGroupDeclaration, TraineeProfile
from core.extensions import db
from courses.models import Course, Institution, Occupation, Platform
from reports import sources
from reports.models import FIGURES, EmploymentRecord
from reports.service import regions_clause, targets_for
from reports.sources import Period

DIMENSIONS = ("occupation", "region", "key_group", "institution", "platform", "course")


@dataclass(frozen=True)
class ReportFilter:
    period: Period
    region: str | tuple[str, ...] | None = None  # a tuple: several regions, or-ed
    occupation_id: int | None = None
    key_group: str | None = None
    institution_id: int | None = None
    platform_id: int | None = None
    course_ids: tuple[int, ...] | None = None   # only these courses (the top-N table)


def _frame(name: str, f: ReportFilter, dimension: str | None = None):
    """The source's rows, filtered, with the `dimension` column as `dim`; a subquery, or
    None when the feature is not installed. Courses (and the trainee's home region, for rows
    without a course) are joined only when a filter or the dimension needs them."""
    source = sources.SOURCES[name] if name in sources.SOURCES else getattr(sources, name)
    stmt = source(f.period)
    if stmt is None:
        return None
    src = stmt.subquery()
    course_dims = ("occupation", "region", "institution", "platform")
    needs_course = dimension in course_dims or any(
        (f.region, f.occupation_id, f.institution_id, f.platform_id))
    home = name in sources.NULLABLE_COURSE and (f.region or dimension == "region")
    occupation = Course.occupation_id
    if "occupation_id" in src.c:
        occupation = func.coalesce(Course.occupation_id, src.c.occupation_id)
    region = func.coalesce(Course.region_code, TraineeProfile.region_code) if home \
        else Course.region_code
    columns = [src.c.trainee_id, src.c.course_id, src.c.at]
    if "amount_fen" in src.c:
        columns.append(src.c.amount_fen)
    if dimension in course_dims:
        columns.append({"occupation": occupation, "region": region,
                        "institution": Course.institution_id,
                        "platform": Course.platform_id}[dimension].label("dim"))
    frame = select(*columns).select_from(src)
    if needs_course:
        frame = frame.outerjoin(Course, Course.id == src.c.course_id)
    if home:
        frame = frame.outerjoin(TraineeProfile, TraineeProfile.user_id == src.c.trainee_id)
    if f.region:  # one code, or a tuple of an officer's several regions
        frame = frame.where(regions_clause(region, f.region))
    if f.occupation_id:
        frame = frame.where(occupation == f.occupation_id)
    if f.institution_id:
        frame = frame.where(Course.institution_id == f.institution_id)
    if f.platform_id:
        frame = frame.where(Course.platform_id == f.platform_id)
    if f.key_group:
        frame = frame.where(_in_group(src.c.trainee_id, f.key_group))
    if f.course_ids is not None:
        frame = frame.where(src.c.course_id.in_(f.course_ids))
    return frame.subquery(name)


def _in_group(trainee_id, group: str):
    return exists().where(KeyGroupDeclaration.user_id == trainee_id,
                          KeyGroupDeclaration.group == group,
                          KeyGroupDeclaration.status != "refused")


def _employed_after(trainee_id):
    # IN (uncorrelated) lets both databases build the set of employed people once.
    return trainee_id.in_(select(EmploymentRecord.trainee_id).where(
        EmploymentRecord.status == "confirmed"))


def count(name: str, f: ReportFilter) -> int:
    """Distinct trainees in the figure `name` (0 when its feature is not installed)."""
    frame = _frame(name, f)
    if frame is None:
        return 0
    return db.session.scalar(select(func.count(distinct(frame.c.trainee_id)))) or 0


def employed_of_trained(f: ReportFilter) -> int:
    """How many of the period's trained people have a confirmed job (any start date)."""
    frame = _frame("trained", f)
    return db.session.scalar(select(func.count(distinct(frame.c.trainee_id)))
                             .where(_employed_after(frame.c.trainee_id))) or 0


def money(f: ReportFilter) -> dict:
    result = {}
    for key, name in (("approved_fen", "approved_money"), ("paid_fen", "paid_money")):
        frame = _frame(name, f)
        result[key] = 0 if frame is None else int(db.session.scalar(
            select(func.coalesce(func.sum(frame.c.amount_fen), 0))) or 0)
    return result


def ratio(part: int | None, whole: int | None) -> float | None:
    return round(part / whole, 4) if part is not None and whole else None


def summary(f: ReportFilter, year: int) -> dict:
    """The headline figures against the year's targets for the region."""
    figures = {name: count(name, f) for name in FIGURES}
    occupation_code = ""
    if f.occupation_id:
        occupation_code = db.session.get(Occupation, f.occupation_id).code
    targets = targets_for(year, f.region, occupation_code, f.key_group or "")
    trained = figures["trained"]
    return {
        **figures,
        "targets": targets,
        "completion": {k: ratio(figures[k], targets[k]) for k in FIGURES},
        "employment_rate": ratio(employed_of_trained(f), trained) or 0.0,
        "money": money(f),
        "features": {k: sources.SOURCES[k](f.period) is not None for k in FIGURES},
    }


def _grouped(name: str, f: ReportFilter, dimension: str) -> dict:
    frame = _frame(name, f, dimension)
    if frame is None:
        return {}
    if dimension == "key_group":
        key = KeyGroupDeclaration.group
        stmt = (select(key, func.count(distinct(frame.c.trainee_id)))
                .join(KeyGroupDeclaration, KeyGroupDeclaration.user_id == frame.c.trainee_id)
                .where(KeyGroupDeclaration.status != "refused").group_by(key))
    else:
        key = sources.group_key(frame.c.course_id) if dimension == "course" else frame.c.dim
        stmt = select(key, func.count(distinct(frame.c.trainee_id))).group_by(key)
    return {k: n for k, n in db.session.execute(stmt) if k is not None}


def _grouped_employed_of_trained(f: ReportFilter, dimension: str) -> dict:
    frame = _frame("trained", f, dimension)
    if dimension == "key_group":
        key = KeyGroupDeclaration.group
        stmt = (select(key, func.count(distinct(frame.c.trainee_id)))
                .join(KeyGroupDeclaration, KeyGroupDeclaration.user_id == frame.c.trainee_id)
                .where(KeyGroupDeclaration.status != "refused"))
    else:
        key = sources.group_key(frame.c.course_id) if dimension == "course" else frame.c.dim
        stmt = select(key, func.count(distinct(frame.c.trainee_id)))
    stmt = stmt.where(_employed_after(frame.c.trainee_id)).group_by(key)
    return {k: n for k, n in db.session.execute(stmt) if k is not None}


def labels(dimension: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    locale = str(get_locale() or "zh")
    if dimension == "occupation":
        rows = db.session.scalars(select(Occupation).where(Occupation.id.in_(keys))).all()
        return {o.id: f"{o.name(locale)} ({o.code})" for o in rows}
    if dimension in ("institution", "platform"):
        model = Institution if dimension == "institution" else Platform
        return dict(db.session.execute(
            select(model.id, model.name).where(model.id.in_(keys))).all())
    if dimension == "course":
        return dict(db.session.execute(
            select(Course.id, Course.title).where(sources.ids_clause(Course.id, keys))).all())
    if dimension == "key_group":
        return {k: str(KEY_GROUPS.get(k, k)) for k in keys}
    return {k: k for k in keys}


def breakdown(f: ReportFilter, dimension: str, limit: int | None = None) -> list[dict]:
    """One row per value of `dimension` with every figure and the employment rate."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    counts = {name: _grouped(name, f, dimension) for name in FIGURES}
    employed_cohort = _grouped_employed_of_trained(f, dimension)
    keys = set().union(*counts.values())
    names = labels(dimension, keys)
    rows = [{"key": k, "label": names.get(k, str(k)),
             **{name: counts[name].get(k, 0) for name in FIGURES},
             "employment_rate": ratio(employed_cohort.get(k, 0), counts["trained"].get(k, 0))}
            for k in keys]
    rows.sort(key=lambda r: (-r["trained"], -r["certified"], str(r["label"])))
    return rows[:limit] if limit else rows


def course_table(f: ReportFilter, limit: int | None = 50) -> list[dict]:
    """Per course: trained, sat, passed, pass rate, certified, employed, attendance spread.
    With a limit, the courses that trained the most people; the other figures are then
    counted for those courses only."""
    if limit:
        trained = _grouped("trained", f, "course")
        top = sorted(trained, key=lambda k: (-trained[k], k))[:limit]
        f = replace(f, course_ids=tuple(top))
    rows = breakdown(f, "course", limit)
    sat = _grouped("sat", f, "course")
    attendance = attendance_distribution(f, [r["key"] for r in rows])
    for row in rows:
        row["sat"] = sat.get(row["key"], 0)
        row["pass_rate"] = ratio(row["passed"], row["sat"])
        row["attendance"] = attendance.get(row["key"], empty_distribution())
    return rows


ATTENDANCE_BUCKETS = ("0-20", "20-40", "40-60", "60-80", "80-100")


def empty_distribution() -> dict:
    return dict.fromkeys(ATTENDANCE_BUCKETS, 0)


def attendance_distribution(f: ReportFilter, course_ids: list[int]) -> dict[int, dict]:
    """Trainees per attendance band (% of required hours) per course, from the attendance
    feature's per-trainee totals; empty when that feature is not installed."""
    if not sources.installed("attendance") or not course_ids:
        return {}
    from reports import attendance_source

    return attendance_source.distribution(course_ids)


def _month(column, is_date: bool):
    if db.engine.dialect.name == "postgresql":
        if is_date:
            return func.to_char(column, "YYYY-MM")
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")
    if is_date:
        return func.strftime("%Y-%m", column)
    return func.strftime("%Y-%m", column, literal_column("'+8 hours'"))


def monthly(f: ReportFilter) -> list[dict]:
    """Per month of the period: new people per figure (for cumulative progress charts)."""
    result: dict[str, dict] = {}
    for name in FIGURES:
        frame = _frame(name, f)
        if frame is None:
            continue
        month = _month(frame.c.at, name in sources.DATE_SOURCES)
        # A person counts in the first month they appear in the period.
        first = (select(frame.c.trainee_id, func.min(month).label("month"))
                 .group_by(frame.c.trainee_id).subquery())
        for key, n in db.session.execute(
                select(first.c.month, func.count()).group_by(first.c.month)):
            result.setdefault(key, dict.fromkeys(FIGURES, 0))[name] = n
    months = []
    current = f.period.start
    while current < f.period.end:
        key = f"{current.year:04d}-{current.month:02d}"
        months.append({"month": key, **result.get(key, dict.fromkeys(FIGURES, 0))})
        current = current.replace(year=current.year + (current.month == 12),
                                  month=current.month % 12 + 1)
    return months


def employment_by_month(f: ReportFilter) -> list[dict]:
    """Employment rate per month of training: of those trained that month, how many work."""
    frame = _frame("trained", f)
    month = _month(frame.c.at, False)
    trained = dict(db.session.execute(
        select(month, func.count(distinct(frame.c.trainee_id))).group_by(month)).all())
    employed = dict(db.session.execute(
        select(month, func.count(distinct(frame.c.trainee_id)))
        .where(_employed_after(frame.c.trainee_id)).group_by(month)).all())
    return [{"month": m, "trained": trained[m], "employed": employed.get(m, 0),
             "employment_rate": ratio(employed.get(m, 0), trained[m])} for m in sorted(trained)]


def with_period(f: ReportFilter, period: Period) -> ReportFilter:
    return replace(f, period=period)
