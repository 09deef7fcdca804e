"""Certificate fixtures: a passed attempt is simulated by sending core.signals.exam_passed,
exactly as the exams feature does (attempt ids are plain integers until exams lands)."""

import itertools

import pytest
from flask import current_app

from certificates.models import Certificate, IssuanceOutbox
from core import signals
from core.extensions import db
from tests import factories

_attempts = itertools.count(1000)


def pass_exam(trainee, course, attempt_id: int | None = None, exam_id: int = 77,
              actor=None) -> Certificate:
    """What the exams feature does on a final passing result; commits like a request would."""
    attempt_id = attempt_id or next(_attempts)
    signals.exam_passed.send(current_app._get_current_object(), trainee_id=trainee.id,
                             course_id=course.id, exam_id=exam_id, attempt_id=attempt_id,
                             actor=actor)
    db.session.commit()
    row = db.session.scalar(db.select(IssuanceOutbox).where(
        IssuanceOutbox.attempt_id == attempt_id))
    if row is None or row.certificate_id is None:
        return None
    return db.session.get(Certificate, row.certificate_id)


@pytest.fixture
def course(instructor):
    occupation = factories.make_occupation(code="4-01-02-07")
    institution = factories.make_institution(name="平湖市职业技能培训中心")
    return factories.make_course(instructor, occupation=occupation, level=5,
                                 title="直播销售员五级实训班", required_hours=64,
                                 institution_id=institution.id)


@pytest.fixture
def certificate(trainee, course):
    return pass_exam(trainee, course)
