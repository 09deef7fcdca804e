"""Where each report figure comes from: one function per figure, each returning a select of
(trainee_id, course_id, at) rows for a period, or None when its feature is not installed.

Figures are computed from the records themselves (enrolments, exam attempts, certificates,
subsidy claims, confirmed employment); nothing is entered by hand.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import select

from certificates.models import Certificate
from core.extensions import db
from core.timeutil import LOCAL_TZ
from courses.models import Enrolment
from reports.models import EmploymentRecord


@dataclass(frozen=True)
class Period:
    """Local (Asia/Shanghai) dates: `start` inclusive, `end` exclusive."""

    start: date
    end: date

    @classmethod
    def of(cls, year: int, quarter: int | None = None, month: int | None = None) -> "Period":
        if month:
            end = date(year + (month == 12), month % 12 + 1, 1)
            return cls(date(year, month, 1), end)
        if quarter:
            first = 3 * (quarter - 1) + 1
            end = date(year + (quarter == 4), (first + 2) % 12 + 1, 1)
            return cls(date(year, first, 1), end)
        return cls(date(year, 1, 1), date(year + 1, 1, 1))

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), LOCAL_TZ).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end, datetime.min.time(), LOCAL_TZ).astimezone(UTC)


WHOLE_TABLE = 500  # above this many ids, scanning everything beats a long IN list


def ids_clause(column, ids: list[int]):
    """`column IN ids`, or for many ids a test every row passes (the caller then keeps the
    rows of `ids`): binding thousands of values cost more than the query itself."""
    return column.in_(ids) if len(ids) <= WHOLE_TABLE else column.is_not(None)


def group_key(column):
    """`column` to GROUP BY. On SQLite written as `column + 0`: for a plain column it walks the
    column's index in order and fetches every row from the table, 2-3 times slower than
    scanning the table and sorting (enrolments by course, the whole-year per-course table)."""
    return column + 0 if db.engine.dialect.name == "sqlite" else column


def installed(feature: str) -> bool:
    return feature in current_app.config.get("FEATURES", ())


def trained(period: Period):
    """People in training: enrolments (not withdrawn) made in the period."""
    return (select(Enrolment.trainee_id.label("trainee_id"),
                   Enrolment.course_id.label("course_id"), Enrolment.created_at.label("at"))
            .where(Enrolment.status != "withdrawn",
                   Enrolment.created_at >= period.start_utc,
                   Enrolment.created_at < period.end_utc))


def passed(period: Period):
    """Passing final exam results (theory and any practical part scored) in the period."""
    if not installed("exams"):
        return None
    from exams.models import Attempt, Exam

    return (select(Attempt.trainee_id.label("trainee_id"), Exam.course_id.label("course_id"),
                   Attempt.completed_at.label("at"))
            .join(Exam, Exam.id == Attempt.exam_id)
            .where(Attempt.status == "completed", Attempt.passed.is_(True),
                   Attempt.completed_at >= period.start_utc,
                   Attempt.completed_at < period.end_utc))


def sat(period: Period):
    """Final exam results in the period, passed or not (the pass-rate denominator)."""
    if not installed("exams"):
        return None
    from exams.models import Attempt, Exam

    return (select(Attempt.trainee_id.label("trainee_id"), Exam.course_id.label("course_id"),
                   Attempt.completed_at.label("at"))
            .join(Exam, Exam.id == Attempt.exam_id)
            .where(Attempt.status == "completed", Attempt.completed_at >= period.start_utc,
                   Attempt.completed_at < period.end_utc))


def certified(period: Period):
    """Certificates issued in the period and not revoked."""

    return (select(Certificate.trainee_id.label("trainee_id"),
                   Certificate.course_id.label("course_id"), Certificate.issued_at.label("at"))
            .where(Certificate.status != "revoked", Certificate.issued_at >= period.start_utc,
                   Certificate.issued_at < period.end_utc))


def subsidised(period: Period):
    """Subsidy claims approved (or since batched and paid) with a decision in the period."""
    if not installed("subsidies"):
        return None
    from subsidies.models import SubsidyClaim

    return (select(SubsidyClaim.trainee_id.label("trainee_id"),
                   Certificate.course_id.label("course_id"), SubsidyClaim.decided_at.label("at"))
            .join(Certificate, Certificate.id == SubsidyClaim.certificate_id)
            .where(SubsidyClaim.status.in_(("approved", "in_batch", "paid")),
                   SubsidyClaim.decided_at >= period.start_utc,
                   SubsidyClaim.decided_at < period.end_utc))


def employed(period: Period):
    """Confirmed jobs that started in the period."""
    return (select(EmploymentRecord.trainee_id.label("trainee_id"),
                   EmploymentRecord.course_id.label("course_id"),
                   EmploymentRecord.started_on.label("at"),
                   EmploymentRecord.occupation_id.label("occupation_id"))
            .where(EmploymentRecord.status == "confirmed",
                   EmploymentRecord.started_on >= period.start,
                   EmploymentRecord.started_on < period.end))


def approved_money(period: Period):
    """Subsidy money approved (decided in the period), with the claim's amount in fen."""
    if not installed("subsidies"):
        return None
    from subsidies.models import SubsidyClaim

    return (select(SubsidyClaim.trainee_id.label("trainee_id"),
                   Certificate.course_id.label("course_id"), SubsidyClaim.decided_at.label("at"),
                   SubsidyClaim.amount_fen.label("amount_fen"))
            .join(Certificate, Certificate.id == SubsidyClaim.certificate_id)
            .where(SubsidyClaim.status.in_(("approved", "in_batch", "paid")),
                   SubsidyClaim.decided_at >= period.start_utc,
                   SubsidyClaim.decided_at < period.end_utc))


def paid_money(period: Period):
    """Subsidy money paid in the period, in fen."""
    if not installed("subsidies"):
        return None
    from subsidies.models import SubsidyClaim

    return (select(SubsidyClaim.trainee_id.label("trainee_id"),
                   Certificate.course_id.label("course_id"), SubsidyClaim.paid_at.label("at"),
                   SubsidyClaim.amount_fen.label("amount_fen"))
            .join(Certificate, Certificate.id == SubsidyClaim.certificate_id)
            .where(SubsidyClaim.status == "paid", SubsidyClaim.paid_at >= period.start_utc,
                   SubsidyClaim.paid_at < period.end_utc))


SOURCES = {"trained": trained, "passed": passed, "certified": certified,
           "subsidised": subsidised, "employed": employed, "sat": sat}
DATE_SOURCES = {"employed"}  # their `at` is a date, not a UTC timestamp
NULLABLE_COURSE = {"employed"}  # rows may lack a course: they count in the home region
