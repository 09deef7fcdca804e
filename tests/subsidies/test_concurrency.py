"""Parallel transactions on PostgreSQL: no double subsidy, the yearly cap holds, a claim is
decided once and batched once. (The SQLite counterparts run the same steps one after another
in test_claims.py and test_api.py.)"""

import os
import threading

import pytest
from flask import current_app

from certificates.models import Certificate
from core import signals
from core.errors import ServiceError
from core.extensions import db
from core.timeutil import now_utc
from subsidies import batches, service
from subsidies.models import PaymentBatch, SubsidyClaim
from tests import factories
from tests.subsidies.conftest import claim_of, issue

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="needs PostgreSQL (TEST_DATABASE_URL)")


def run_parallel(app, jobs):
    """Run each job in its own thread, app context and transaction, released together."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(index, job):
        with app.app_context():
            try:
                results[index] = job(barrier)
                db.session.commit()
            except ServiceError as error:
                db.session.rollback()
                results[index] = error
            except Exception as error:  # noqa: BLE001 - reported to the test
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def issue_job(trainee_id, course_id, occupation_id, level, serial,
              certificate_type="skill_level"):
    def job(barrier):
        certificate = Certificate(serial=serial, trainee_id=trainee_id, course_id=course_id,
                                  occupation_id=occupation_id, level=level,
                                  certificate_type=certificate_type, status="valid",
                                  issued_at=now_utc(), training_hours=64, holder_name="T")
        db.session.add(certificate)
        db.session.flush()
        barrier.wait(timeout=30)
        signals.certificate_issued.send(current_app._get_current_object(),
                                        certificate=certificate, actor=None)
        return certificate.id
    return job


def live_claims(trainee_id):
    return db.session.scalars(db.select(SubsidyClaim).where(
        SubsidyClaim.trainee_id == trainee_id, SubsidyClaim.kind == "certificate",
        SubsidyClaim.status.in_(["pending", "approved", "in_batch", "paid"]))).all()


def test_parallel_certificates_for_same_occupation_and_level_open_one_subsidy(app, policy,
                                                                             attendance):
    trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
    occupation = factories.make_occupation()
    courses = [factories.make_course(occupation=occupation) for _ in range(4)]
    for course in courses:
        factories.enrol(trainee, course)
    # four certificate types: the database allows one live certificate per person,
    # occupation, level and type, the subsidy one per occupation and level
    types = ["skill_level", "special_ability", "training_completion",
             "vocational_qualification"]
    jobs = [issue_job(trainee.id, c.id, occupation.id, 5, f"SBPAR{i:015d}", types[i])
            for i, c in enumerate(courses)]
    results = run_parallel(app, jobs)
    assert all(isinstance(r, int) for r in results), results
    db.session.expire_all()
    assert len(live_claims(trainee.id)) == 1
    total = db.session.scalar(db.select(db.func.count()).select_from(SubsidyClaim).where(
        SubsidyClaim.trainee_id == trainee.id))
    assert total == 4  # every certificate still has its (explained) claim


def test_parallel_certificates_cannot_beat_the_yearly_cap(app, policy, attendance):
    trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
    courses = [factories.make_course() for _ in range(6)]
    for course in courses:
        factories.enrol(trainee, course)
    jobs = [issue_job(trainee.id, c.id, c.occupation_id, 5, f"SBCAP{i:015d}")
            for i, c in enumerate(courses)]
    results = run_parallel(app, jobs)
    assert all(isinstance(r, int) for r in results), results
    db.session.expire_all()
    assert len(live_claims(trainee.id)) == 3


def test_parallel_decisions_decide_once(app, policy, attendance, officer):
    trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
    claim_id = claim_of(issue(trainee, factories.make_course())).id
    officer_id = officer.id

    def decide(approve):
        def job(barrier):
            from accounts.models import User
            actor = db.session.get(User, officer_id)
            barrier.wait(timeout=30)
            return service.decide_claim(actor, claim_id, approve,
                                        None if approve else "Duplicate").status
        return job

    results = run_parallel(app, [decide(True), decide(False), decide(True)])
    wins = [r for r in results if isinstance(r, str)]
    assert len(wins) == 1, results
    assert all(getattr(r, "status", None) == 409 for r in results if not isinstance(r, str))
    db.session.expire_all()
    assert db.session.get(SubsidyClaim, claim_id).status == wins[0]


def test_parallel_batches_take_each_claim_once(app, policy, attendance, officer, officer2):
    from tests.subsidies.conftest import give_bank_account

    ids = []
    for _ in range(3):
        trainee = factories.make_user("trainee", confirmed_groups=["veteran"])
        give_bank_account(trainee)
        claim = claim_of(issue(trainee, factories.make_course()))
        service.decide_claim(officer, claim.id, True, None)
        ids.append(claim.id)
    db.session.commit()
    officer_id = officer2.id  # four eyes: not the approver

    def batch(barrier):
        from accounts.models import User
        actor = db.session.get(User, officer_id)
        barrier.wait(timeout=30)
        return batches.create_batch(actor).id

    results = run_parallel(app, [batch, batch, batch])
    made = [r for r in results if isinstance(r, int)]
    assert len(made) == 1, results
    assert all(getattr(r, "status", None) == 409 for r in results if not isinstance(r, int))
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentBatch)) == 1
    assert {c.batch_id for c in db.session.scalars(db.select(SubsidyClaim)).all()} == {made[0]}
