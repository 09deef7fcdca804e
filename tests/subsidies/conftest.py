"""Subsidy test helpers: a policy, attendance figures, and certificates issued through the
signal the certificates feature sends."""

import itertools
from datetime import date, timedelta

import pytest
from flask import current_app

from certificates.models import Certificate
from core import signals
from core.extensions import db
from core.timeutil import now_utc
from courses.models import Enrolment
from subsidies import policies
from subsidies.models import SubsidyClaim
from tests import factories

_serial = itertools.count(1)


def make_policy(region_prefix: str = "", effective_from: date = date(2020, 1, 1), **changes):
    settings = policies.default_settings()
    settings.update(changes)
    policy = policies.create_policy(None, {
        "name": f"Policy {region_prefix or 'national'}", "region_prefix": region_prefix,
        "effective_from": effective_from, "effective_to": None, "settings": settings})
    db.session.commit()
    return policy


@pytest.fixture
def policy():
    return make_policy()


@pytest.fixture
def attendance(app, monkeypatch):
    """attendance[enrolment_id] = attended minutes (default: the whole course)."""
    minutes: dict[int, int] = {}

    def provider(enrolment):
        required = enrolment.course.required_minutes
        done = minutes.get(enrolment.id, required)
        return {"required_minutes": required, "attended_minutes": done,
                "ratio": done / required, "eligible_for_exam": done >= 0.8 * required}

    monkeypatch.setitem(app.extensions, "attendance_summary", provider)
    return minutes


def issue(trainee, course, *, level: int | None = None, issued_at=None,
          certificate_type: str | None = None, enrol: bool = True) -> Certificate:
    """A certificate row plus the certificate_issued signal, committed like a request."""
    if enrol and db.session.scalar(db.select(Enrolment).where(
            Enrolment.trainee_id == trainee.id, Enrolment.course_id == course.id)) is None:
        factories.enrol(trainee, course)
    certificate = Certificate(
        serial=f"SB{next(_serial):018d}", trainee_id=trainee.id, course_id=course.id,
        occupation_id=course.occupation_id, level=level or course.level,
        certificate_type=certificate_type or course.certificate_type, status="valid",
        issued_at=issued_at or now_utc(), training_hours=course.required_hours,
        holder_name=trainee.name)
    db.session.add(certificate)
    db.session.flush()
    signals.certificate_issued.send(current_app._get_current_object(), certificate=certificate,
                                    actor=None)
    db.session.commit()
    return certificate


def claim_of(certificate, kind: str = "certificate") -> SubsidyClaim:
    return db.session.scalar(db.select(SubsidyClaim).where(
        SubsidyClaim.certificate_id == certificate.id, SubsidyClaim.kind == kind))


def make_due(claim: SubsidyClaim, days_ago: int = 20) -> None:
    claim.due_at = now_utc() - timedelta(days=days_ago)
    db.session.commit()


# Luhn-valid UnionPay test card numbers (published by card networks' test suites).
CARDS = ("6200000000000005", "6205500000000000004", "6250941006528599")


def give_bank_account(trainee, number: str = CARDS[0], bank_name: str = "中国农业银行"):
    """A bank account on file, as the trainee would save it under My subsidies."""
    from subsidies import bank

    bank.set_account(trainee, bank_name, number)
    db.session.commit()


@pytest.fixture
def officer2(make_user):
    """A second officer (four eyes: batches what the first approved, and so on)."""
    return make_user("officer", name="Second Officer")
