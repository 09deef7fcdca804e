"""Two officers acting on one certificate at once: the first change wins and the second gets
409, with nothing of its own written. Each request checks the row it read first, so both
pass that check; only the status in the UPDATE's WHERE clause can tell them apart."""

import os

import pytest
from sqlalchemy import func, select, update

from certificates import service
from certificates.models import Certificate
from core.audit import AuditLog
from core.errors import Conflict
from core.extensions import db
from core.timeutil import now_utc
from tests.subsidies.test_concurrency import run_parallel


def _revoked_meanwhile(cert: Certificate, officer) -> None:
    """Another officer's revocation, committed on its own connection after this session read
    the certificate as valid (the object here still says so)."""
    with db.engine.begin() as conn:
        conn.execute(update(Certificate).where(Certificate.id == cert.id).values(
            status="revoked", revoked_at=now_utc(), revoked_reason="先到：考试作弊",
            revoked_by_id=officer.id, revocation_category="fraud"))


def _audited(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action == action))


def test_a_revocation_racing_another_gets_409_and_keeps_the_first_reason(
        officer, make_user, certificate):
    second = make_user("officer")  # (makes commit: before this request reads the row)
    serial = certificate.serial
    assert certificate.status == "valid"  # what this request read
    _revoked_meanwhile(certificate, officer)
    with pytest.raises(Conflict) as refused:
        service.revoke(serial, second, "后到：另一个理由", "other")
    assert refused.value.code == "certificate_revoked"
    db.session.rollback()
    stored = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
    assert (stored.revoked_reason, stored.revoked_by_id, stored.revocation_category) == (
        "先到：考试作弊", officer.id, "fraud")
    assert _audited("certificate.revoke") == 0  # the winner wrote its own row elsewhere


def test_a_reissue_racing_a_revocation_gets_409_and_issues_nothing(
        officer, make_user, certificate):
    second = make_user("officer")  # (makes commit: before this request reads the row)
    serial = certificate.serial
    assert certificate.status == "valid"
    _revoked_meanwhile(certificate, officer)
    with pytest.raises(Conflict) as refused:
        service.reissue(serial, second, "李春华")
    assert refused.value.code == "certificate_revoked"
    db.session.rollback()
    assert db.session.scalars(select(Certificate.status)).all() == ["revoked"]
    assert _audited("certificate.reissue") == 0


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_parallel_revocations_and_a_reissue_change_the_certificate_once(
        app, officer, make_user, certificate):
    serial = certificate.serial
    officers = [officer.id] + [make_user("officer").id for _ in range(4)]
    db.session.commit()

    def revoke(officer_id, reason):
        def job(barrier):
            actor = db.session.get(type(officer), officer_id)
            barrier.wait()
            return service.revoke(serial, actor, reason, "fraud").status
        return job

    def reissue(barrier):
        actor = db.session.get(type(officer), officers[0])
        barrier.wait()
        return service.reissue(serial, actor, "李春华").serial

    jobs = [revoke(o, f"理由{k}") for k, o in enumerate(officers)] + [reissue]
    results = run_parallel(app, jobs)
    done = [r for r in results if not isinstance(r, Exception)]
    assert len(done) == 1, results
    assert all(isinstance(r, Conflict) for r in results if r not in done), results
    db.session.expire_all()
    old = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
    audited = _audited("certificate.revoke") + _audited("certificate.supersede")
    assert audited == 1
    if old.status == "revoked":
        assert old.revoked_reason == f"理由{officers.index(old.revoked_by_id)}"
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    else:
        assert old.status == "superseded"
