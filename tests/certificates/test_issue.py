"""Issuing from exam_passed: serial, signature, idempotency, audit, the issued signal."""

import json
import os
import threading

import pytest
from sqlalchemy import func, select

from accounts.idcard import check_character
from accounts.models import User
from certificates import serials, signing
from certificates.models import Certificate, CertificateFile
from core import signals
from core.audit import AuditLog
from core.extensions import db
from core.timeutil import to_local
from courses.models import Course
from tests import factories
from tests.certificates.conftest import pass_exam


def test_a_passed_exam_issues_one_signed_certificate(trainee, course):
    cert = pass_exam(trainee, course, attempt_id=5)
    assert cert.status == "valid" and cert.holder_name == "李春花"
    assert cert.level == 5 and cert.training_hours == 64 and cert.exam_id == 77
    assert cert.certificate_type == "skill_level" and cert.expires_at is None
    assert cert.provider_name == "平湖市职业技能培训中心"
    assert cert.holder_id_masked == trainee.profile.id_masked and "*" in cert.holder_id_masked
    year = to_local(cert.issued_at).year
    assert cert.serial == serials.format_serial(year, "330482", 5, 1)
    assert cert.serial[2:19] == f"{year}3304825000001"
    assert cert.serial[19] == check_character(cert.serial[2:19])
    payload = json.loads(cert.payload)
    assert payload["holder_name"] == "李春花" and payload["serial"] == cert.serial
    assert cert.payload == json.dumps(payload, sort_keys=True, separators=(",", ":"),
                                      ensure_ascii=False)
    assert signing.verify(cert.payload, cert.signature, cert.key_id)
    files = db.session.scalars(select(CertificateFile)).all()
    assert len(files) == 1 and files[0].content.startswith(b"%PDF")
    audit = db.session.scalars(select(AuditLog).where(
        AuditLog.action == "certificate.issue")).all()
    assert len(audit) == 1 and audit[0].after["serial"] == cert.serial


def test_sequence_counts_up_per_region_and_level(trainee, course, make_user):
    first = pass_exam(trainee, course)
    second = pass_exam(make_user("trainee"), course)
    level4 = factories.make_course(level=4, required_hours=110)
    other = pass_exam(make_user("trainee"), level4)
    assert first.serial[13:19] == "000001" and second.serial[13:19] == "000002"
    assert other.serial[12] == "4" and other.serial[13:19] == "000001"
    assert all(serials.is_valid(c.serial) for c in (first, second, other))


def test_the_same_attempt_twice_yields_one_certificate(trainee, course):
    a = pass_exam(trainee, course, attempt_id=42)
    b = pass_exam(trainee, course, attempt_id=42)
    assert a.id == b.id
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_certificate_issued_signal_is_sent_in_the_transaction(trainee, course):
    seen = []

    def listener(sender, certificate, actor):
        seen.append((certificate.serial, certificate.id is not None))

    signals.certificate_issued.connect(listener)
    try:
        cert = pass_exam(trainee, course)
    finally:
        signals.certificate_issued.disconnect(listener)
    assert seen == [(cert.serial, True)]


def test_training_completion_certificates_expire(trainee, make_course):
    course = make_course(certificate_type="training_completion")
    cert = pass_exam(trainee, course)
    assert cert.expires_at is not None
    assert (cert.expires_at - cert.issued_at).days in (1095, 1096)


def test_serial_check_character_catches_typos():
    serial = serials.format_serial(2026, "330100", 5, 123)
    assert serial == "SB202633010050001238"
    assert serials.is_valid(serial)
    assert not serials.is_valid(serial[:-2] + "4" + serial[-1])
    assert not serials.is_valid("SB2026")


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="parallel transactions need PostgreSQL")
def test_twenty_parallel_issues_for_one_attempt_make_one_certificate(app, trainee, course):
    barrier = threading.Barrier(20)
    errors = []
    trainee_id, course_id = trainee.id, course.id  # the test's session stays in this thread

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                pass_exam(db.session.get(User, trainee_id), db.session.get(Course, course_id),
                          attempt_id=9001)
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.session.scalar(select(func.count(Certificate.id))) == 1
    assert db.session.scalar(select(func.count(CertificateFile.id))) == 1


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="parallel transactions need PostgreSQL")
def test_parallel_issues_for_different_attempts_get_distinct_serials(app, course, make_user):
    trainee_ids = [make_user("trainee").id for _ in range(8)]
    course_id = course.id
    barrier = threading.Barrier(8)
    errors = []

    def worker(i):
        with app.app_context():
            try:
                barrier.wait()
                pass_exam(db.session.get(User, trainee_ids[i]), db.session.get(Course, course_id),
                          attempt_id=7000 + i)
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    found = db.session.scalars(select(Certificate.serial)).all()
    assert len(found) == len(set(found)) == 8


def test_a_serial_taken_by_imported_data_is_skipped(trainee, course, make_user):
    """Rows imported with serials the counter never handed out do not block issuing."""
    from tests.certificates.conftest import pass_exam as issue

    first = issue(trainee, course)
    year = to_local(first.issued_at).year
    taken = Certificate(serial=serials.format_serial(year, "330482", 5, 2),
                        trainee_id=make_user("trainee").id, course_id=course.id,
                        occupation_id=course.occupation_id, level=5,
                        certificate_type="skill_level", status="valid",
                        issued_at=first.issued_at, training_hours=64, holder_name="导入")
    db.session.add(taken)
    db.session.commit()
    second = issue(make_user("trainee"), course)
    assert second.serial == serials.format_serial(year, "330482", 5, 3)
