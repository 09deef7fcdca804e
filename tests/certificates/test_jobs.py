"""Bulk rendering through Redis: issued certificates are drained in chunks by a few jobs, each
rendered exactly once; a failed render is retried, then reported, never silently lost."""

import uuid

import pytest
from sqlalchemy import func, select

from certificates import documents, jobs, service
from certificates.models import CertificateFile
from core.extensions import db
from tests.certificates.conftest import pass_exam


def _redis_up() -> bool:
    try:
        from redis import Redis

        Redis.from_url("redis://127.0.0.1:6379/0").ping()
        return True
    except Exception:  # noqa: BLE001 - no Redis here: skip
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="Redis at 127.0.0.1:6379 is not running")


@pytest.fixture
def redis_queue(app):
    app.config.update(REDIS_URL="redis://127.0.0.1:6379/0",
                      CERTIFICATE_QUEUE=f"sb-test-{uuid.uuid4().hex}")
    q = jobs.queue(app)
    yield q
    q.delete(delete_jobs=True)
    q.connection.delete(*jobs.redis_keys(app).values())
    app.config.update(REDIS_URL=None, CERTIFICATE_QUEUE="skillbridge-certificates")


def _work(q) -> None:
    from rq import SimpleWorker

    SimpleWorker([q], connection=q.connection).work(burst=True)
    db.session.commit()


def _files_per_certificate() -> dict[int, int]:
    return dict(db.session.execute(select(CertificateFile.certificate_id,
                                          func.count(CertificateFile.id))
                                   .group_by(CertificateFile.certificate_id)).all())


def test_a_burst_of_issues_is_rendered_in_chunks_each_pdf_once(app, redis_queue, make_user,
                                                               course, monkeypatch):
    monkeypatch.setattr(jobs, "CHUNK", 2)
    rendered = []
    store = documents.store_pdf
    monkeypatch.setattr(documents, "store_pdf",
                        lambda cert, *a: rendered.append(cert.id) or store(cert, *a))
    certs = [pass_exam(make_user("trainee"), course) for _ in range(5)]
    # Five commits, yet only the drain jobs that can run at once are queued.
    assert redis_queue.count == jobs.DRAINERS
    _work(redis_queue)
    ids = sorted(c.id for c in certs)
    assert sorted(rendered) == ids  # every certificate rendered, none twice
    assert _files_per_certificate() == {cert_id: 1 for cert_id in ids}
    keys = jobs.redis_keys(app)
    assert redis_queue.connection.scard(keys["pending"]) == 0
    finished = [redis_queue.fetch_job(i) for i in
                redis_queue.finished_job_registry.get_job_ids()]
    assert sum(job.return_value()["rendered"] for job in finished) == 5
    # Scheduling again (a second commit of the same ids) renders nothing twice.
    jobs.schedule(ids, app)
    _work(redis_queue)
    assert sorted(rendered) == ids and _files_per_certificate() == {i: 1 for i in ids}


def test_failed_render_is_retried_then_reported_not_lost(app, redis_queue, make_user, course,
                                                         monkeypatch, caplog):
    certs = [pass_exam(make_user("trainee"), course) for _ in range(3)]
    flaky, broken = certs[0].id, certs[1].id
    failures = {flaky: 2, broken: jobs.MAX_TRIES}
    store = documents.store_pdf

    def failing_store(cert, *args):
        if failures.get(cert.id, 0) > 0:
            failures[cert.id] -= 1
            raise RuntimeError("renderer down")
        return store(cert, *args)

    monkeypatch.setattr(documents, "store_pdf", failing_store)
    _work(redis_queue)
    files = _files_per_certificate()
    assert files == {flaky: 1, certs[2].id: 1}  # the flaky one made it on its third try
    keys = jobs.redis_keys(app)
    redis = redis_queue.connection
    assert {int(i) for i in redis.smembers(keys["failed"])} == {broken}
    assert redis.scard(keys["pending"]) == 0 and redis.hlen(keys["tries"]) == 0
    assert f"gave up rendering the PDF of certificate {broken}" in caplog.text
    # A download still renders the reported one on demand.
    monkeypatch.setattr(documents, "store_pdf", store)
    row = service.pdf_for_download(certs[1], certs[1].trainee)
    assert row.content.startswith(b"%PDF")


def test_the_sweep_renders_what_a_dead_worker_took(app, redis_queue, runner, make_user,
                                                    course):
    """A worker killed mid-chunk has taken ids out of Redis without storing their PDFs: the
    cron's `flask certificates retry` finds them in the database and queues them again."""
    certs = [pass_exam(make_user("trainee"), course) for _ in range(3)]
    keys = jobs.redis_keys(app)
    taken = redis_queue.connection.spop(keys["pending"], 10)  # the dying worker's chunk
    assert {int(i) for i in taken} == {c.id for c in certs}
    assert set(jobs.without_pdf()) >= {c.id for c in certs}
    result = runner.invoke(args=["certificates", "retry"])
    assert result.exit_code == 0 and "queued for the workers" in result.output
    _work(redis_queue)
    assert all(_files_per_certificate().get(c.id) == 1 for c in certs)
    assert not set(jobs.without_pdf()) & {c.id for c in certs}


def test_a_render_drain_hands_its_worker_to_a_certificate_waiting_to_be_issued(
        app, redis_queue, make_user, course, monkeypatch):
    """One worker, a backlog of PDFs, and a pass handed off meanwhile: the render drain stops
    after its time slice and queues itself behind the issue drain, so the certificate is
    issued before the backlog is rendered, not after it."""
    from certificates import outbox

    monkeypatch.setattr(jobs, "CHUNK", 1)
    monkeypatch.setattr(jobs, "RENDER_SLICE_SECONDS", 0)
    order = []
    store, issue_rows = documents.store_pdf, outbox.issue_rows
    monkeypatch.setattr(documents, "store_pdf",
                        lambda cert, *a: order.append("pdf") or store(cert, *a))
    monkeypatch.setattr(outbox, "issue_rows",
                        lambda ids: order.append("issue") or issue_rows(ids))
    backlog = [pass_exam(make_user("trainee"), course) for _ in range(3)]
    app.config.update(CERTIFICATE_ISSUE="worker")
    try:
        with app.test_request_context():
            assert pass_exam(make_user("trainee"), course) is None  # handed to the worker
        _work(redis_queue)
    finally:
        app.config.update(CERTIFICATE_ISSUE="inline")
        redis_queue.connection.delete(*jobs.redis_keys(app, "issues").values())
    assert order.index("issue") < 3  # before the third PDF of the backlog
    assert order.count("pdf") == 4  # the backlog and the new certificate, each once
    assert all(_files_per_certificate().get(c.id) == 1 for c in backlog)
    assert len(_files_per_certificate()) == 4
