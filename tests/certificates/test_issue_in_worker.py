"""CERTIFICATE_ISSUE=worker (the default with Redis): a passing submit answers at once, the
trainee sees "being issued", and the RQ worker issues the certificate (as the trainee who
passed), opens the claim and renders the PDF; a replay issues nothing twice, a failure stays
pending for the cron retry, and a lost hand-off is caught by `flask certificates retry`."""

import uuid

import pytest
from sqlalchemy import func, select

from certificates import jobs, outbox, service
from certificates.models import Certificate, CertificateFile, IssuanceOutbox
from core.audit import AuditLog
from core.extensions import db
from subsidies.models import SubsidyClaim as Claim
from tests import factories
from tests.certificates.conftest import pass_exam
from tests.certificates.test_outbox import sit_and_pass
from tests.exams.helpers import setup_exam

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - no Redis here: skip
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="Redis at 127.0.0.1:6379 is not running")


@pytest.fixture
def worker_mode(app):
    app.config.update(REDIS_URL=REDIS_URL, CERTIFICATE_ISSUE="worker",
                      CERTIFICATE_QUEUE=f"sb-test-{uuid.uuid4().hex}")
    q = jobs.queue(app)
    yield q
    q.delete(delete_jobs=True)
    for kind in ("pdfs", "issues"):
        q.connection.delete(*jobs.redis_keys(app, kind).values())
    app.config.update(REDIS_URL=None, CERTIFICATE_ISSUE="inline",
                      CERTIFICATE_QUEUE="skillbridge-certificates")


def _work(q) -> None:
    from rq import SimpleWorker

    SimpleWorker([q], connection=q.connection).work(burst=True)
    db.session.commit()
    db.session.expire_all()


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_a_pass_is_issued_by_the_worker_after_the_submit_answers(app, client, instructor,
                                                                 trainee, worker_mode):
    exam = setup_exam(instructor, trainee)
    result = sit_and_pass(client, trainee, exam)
    assert result["passed"] is True and result["status"] == "completed"
    # The submit committed the result and the outbox row, and issued nothing itself.
    row = db.session.scalar(select(IssuanceOutbox))
    assert row.state == "pending" and row.tries == 0 and row.attempt_id == result["attempt_id"]
    assert _count(Certificate) == 0 and _count(Claim) == 0
    keys = jobs.redis_keys(app, "issues")
    assert {int(i) for i in worker_mode.connection.smembers(keys["pending"])} == {row.id}
    factories.login(client, trainee)
    mine = client.get("/certificates/mine").get_data(as_text=True)
    assert 'id="issuing"' in mine  # the trainee sees the certificate on its way
    headers = factories.api_headers(client, trainee)
    listed = client.get("/api/v1/me/certificates", headers=headers).get_json()
    assert listed["items"] == [] and listed["issuing"] == 1

    _work(worker_mode)

    row = db.session.get(IssuanceOutbox, row.id)
    cert = db.session.get(Certificate, row.certificate_id)
    assert row.state == "issued" and row.tries == 1 and row.last_error is None
    assert cert.trainee_id == trainee.id and cert.attempt_id == result["attempt_id"]
    assert cert.credential_jwt
    assert db.session.scalar(select(Claim.certificate_id)) == cert.id  # the claim opened
    issued_by = db.session.scalar(select(AuditLog.actor_id).where(
        AuditLog.action == "certificate.issue"))
    assert issued_by == trainee.id  # audited as the trainee who passed, not as "system"
    # The worker's commit queued the PDF, and the same burst rendered it.
    assert db.session.scalar(select(func.count(CertificateFile.id)).where(
        CertificateFile.certificate_id == cert.id)) == 1
    assert worker_mode.connection.scard(keys["pending"]) == 0
    listed = client.get("/api/v1/me/certificates", headers=headers).get_json()
    assert [c["serial"] for c in listed["items"]] == [cert.serial] and listed["issuing"] == 0
    assert client.get(f"/api/v1/certificates/{cert.serial}/verify").get_json()["status"] == \
        "valid"


def test_a_replayed_hand_off_issues_nothing_twice(app, make_user, course, worker_mode):
    trainees = [make_user("trainee") for _ in range(3)]
    for trainee in trainees:
        with app.test_request_context():
            assert pass_exam(trainee, course) is None  # handed off, not issued in the request
    # Five commits of three passes: only the drain jobs that can run at once are queued.
    assert worker_mode.count == jobs.DRAINERS
    rows = db.session.scalars(select(IssuanceOutbox.id)).all()
    jobs.schedule_issues(rows, app)  # the same rows again (a retried commit hook)
    _work(worker_mode)
    assert _count(Certificate) == 3 and _count(Claim) == 3
    assert {c.trainee_id for c in db.session.scalars(select(Certificate))} == \
        {t.id for t in trainees}
    jobs.schedule_issues(rows, app)  # and once more after they were issued
    _work(worker_mode)
    assert _count(Certificate) == 3
    assert db.session.scalar(select(func.max(IssuanceOutbox.tries))) == 1


def test_a_failing_issue_is_retried_then_left_pending_for_cron(app, runner, make_user, course,
                                                              worker_mode, monkeypatch,
                                                              caplog):
    trainee = make_user("trainee")
    with app.test_request_context():
        pass_exam(trainee, course)
    row_id = db.session.scalar(select(IssuanceOutbox.id))
    real = service.issue_for_attempt

    def broken(**_kwargs):
        raise RuntimeError("signing service down")

    monkeypatch.setattr(service, "issue_for_attempt", broken)
    _work(worker_mode)
    row = db.session.get(IssuanceOutbox, row_id)
    assert row.state == "pending" and row.tries == jobs.MAX_TRIES
    assert "signing service down" in row.last_error
    assert f"gave up issuing the certificate of outbox row {row_id}" in caplog.text
    keys = jobs.redis_keys(app, "issues")
    assert {int(i) for i in worker_mode.connection.smembers(keys["failed"])} == {row_id}
    assert _count(Certificate) == 0
    monkeypatch.setattr(service, "issue_for_attempt", real)
    outcome = runner.invoke(args=["certificates", "retry"])
    assert "1 certificates issued, 0 still pending" in outcome.output
    db.session.expire_all()
    assert db.session.get(IssuanceOutbox, row_id).state == "issued"
    assert _count(Certificate) == 1


def test_redis_down_at_the_hand_off_keeps_the_result_for_cron(app, runner, client, instructor,
                                                             trainee, worker_mode,
                                                             monkeypatch, caplog):
    exam = setup_exam(instructor, trainee)

    def unreachable(*_args, **_kwargs):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(jobs, "schedule_issues", unreachable)
    result = sit_and_pass(client, trainee, exam)
    assert result["passed"] is True  # the trainee's result stands
    assert "could not queue certificate issuance" in caplog.text
    row = db.session.scalar(select(IssuanceOutbox))
    assert row.state == "pending" and _count(Certificate) == 0
    monkeypatch.undo()
    outcome = runner.invoke(args=["certificates", "retry"])
    assert "1 certificates issued, 0 still pending" in outcome.output


def test_a_command_issues_inline_even_in_worker_mode(app, make_user, course, worker_mode):
    """The demo loader and the cron's close-expired have nobody waiting: no hand-off."""
    cert = pass_exam(make_user("trainee"), course)
    assert cert is not None and worker_mode.connection.scard(
        jobs.redis_keys(app, "issues")["pending"]) == 0


def test_worker_mode_needs_redis(app, make_user, course):
    app.config.update(CERTIFICATE_ISSUE="worker")  # but no REDIS_URL: issue inline
    try:
        with app.test_request_context():
            assert not outbox.issues_in_worker(app)
            assert pass_exam(make_user("trainee"), course) is not None
    finally:
        app.config.update(CERTIFICATE_ISSUE="inline")


def test_an_unknown_mode_refuses_to_start(monkeypatch):
    from app import create_app
    from core.config import ConfigError

    monkeypatch.setenv("CERTIFICATE_ISSUE", "later")
    with pytest.raises(ConfigError, match="CERTIFICATE_ISSUE must be one of inline, worker"):
        create_app({"TESTING": True})
