"""Builders for report tests: certificates and dated enrolments without the other features."""

from datetime import UTC, date, datetime

from accounts import idcard
from certificates.models import Certificate
from core.extensions import db
from courses.models import Enrolment
from reports.models import EmploymentRecord

_serial = iter(range(1, 10**6))


def at(year: int, month: int, day: int = 15) -> datetime:
    return datetime(year, month, day, 4, 0, tzinfo=UTC)


def enrol_at(trainee, course, when: datetime, status: str = "active") -> Enrolment:
    row = Enrolment(course_id=course.id, trainee_id=trainee.id, status=status, created_at=when)
    db.session.add(row)
    db.session.commit()
    return row


def certify(trainee, course, when: datetime, status: str = "valid") -> Certificate:
    first17 = f"{when.year}{course.region_code}{course.level}{next(_serial):06d}"
    cert = Certificate(serial=f"SB{first17}{idcard.check_character(first17)}",
                       trainee_id=trainee.id, course_id=course.id,
                       occupation_id=course.occupation_id, level=course.level,
                       certificate_type="skill_level", status=status, issued_at=when,
                       training_hours=course.required_hours, holder_name=trainee.name)
    db.session.add(cert)
    db.session.commit()
    return cert


def job(trainee, course=None, started: date = date(2026, 6, 1), status: str = "confirmed",
        employer: str = "某某公司") -> EmploymentRecord:
    row = EmploymentRecord(trainee_id=trainee.id, course_id=course.id if course else None,
                           employer=employer, started_on=started, monthly_wage_fen=400000,
                           status=status)
    db.session.add(row)
    db.session.commit()
    return row
