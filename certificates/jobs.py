"""Background work: RQ jobs when REDIS_URL is set (`flask worker`), inline otherwise.

Issued certificates are not one job each: their ids go into a Redis set and a few drain jobs
take them CHUNK at a time (SPOP hands each id to one worker), so a burst of 1,000 passes costs
the workers a handful of jobs. A render that fails goes back into the set, up to MAX_TRIES,
then is logged and kept in a failed set; a download renders on demand meanwhile. With
CERTIFICATE_ISSUE=worker, passed results' outbox rows are drained the same way, so an exam
submit does not wait for signing, the credential and the claim."""

import os
import time
from collections.abc import Callable, Iterable

from flask import current_app, has_app_context
from sqlalchemy import case, exists, select

from certificates.models import Certificate, CertificateFile
from core.extensions import db
from core.redisclient import redis_client

CHUNK = 25
DRAINERS = 2  # drain jobs waiting at once: one per worker keeps every worker busy
MAX_TRIES = 3
# A render drain hands its worker back after this long (and queues itself again if PDFs are
# left): an issue drain queued meanwhile runs next, so on exam day a certificate waits seconds
# behind a backlog of PDFs, not minutes.
RENDER_SLICE_SECONDS = 5.0


def connection(app=None):
    return redis_client((app or current_app).config["REDIS_URL"])  # one pool per process


def queue(app=None):
    from rq import Queue

    app = app or current_app
    return Queue(app.config["CERTIFICATE_QUEUE"], connection=connection(app))


def redis_keys(app=None, kind: str = "pdfs") -> dict:
    """The Redis keys of one drained set: "pdfs" (certificates to render) or "issues"
    (outbox rows to issue)."""
    name = f"{(app or current_app).config['CERTIFICATE_QUEUE']}:{kind}"
    return {"pending": f"{name}:pending", "tries": f"{name}:tries",
            "failed": f"{name}:failed", "drains": f"{name}:drains-queued"}


def _in_app(work: Callable):
    if has_app_context():
        return work()
    # An RQ worker started outside `flask worker`: the app FLASK_APP names, found the way the
    # `flask` command finds it (this module does not import the application factory).
    from flask.cli import ScriptInfo

    with ScriptInfo(app_import_path=os.environ.get("FLASK_APP", "app")).load_app().app_context():
        return work()


def _render(certificate_ids: list[int], only_missing: bool) -> tuple[list[int], list[int]]:
    """Render and store each PDF in its own savepoint, one commit for the lot; returns (done,
    failed). `only_missing` skips certificates whose current PDF is already stored."""
    from certificates import documents

    done, failed = [], []
    for cert_id in certificate_ids:
        try:
            with db.session.begin_nested():
                cert = db.session.get(Certificate, cert_id)
                if cert is not None:
                    watermark = "revoked" if cert.status == "revoked" else "none"
                    if not (only_missing and documents.latest_file(cert, watermark)):
                        documents.store_pdf(cert, watermark)
            done.append(cert_id)
        except Exception:  # noqa: BLE001 - one bad certificate must not sink its chunk
            current_app.logger.exception("rendering the PDF of certificate %s failed", cert_id)
            failed.append(cert_id)
    try:
        db.session.commit()
    except Exception:  # noqa: BLE001 - nothing of the chunk was stored: all of it failed
        current_app.logger.exception("storing the PDFs of certificates %s failed",
                                     certificate_ids)
        db.session.rollback()
        return [], list(certificate_ids)
    return done, failed


def render_many(certificate_ids: list[int]) -> int:
    """Re-render and store the PDFs of these certificates; commits (job or CLI)."""
    return _in_app(lambda: len(_render(certificate_ids, only_missing=False)[0]))


def _schedule(kind: str, ids: list[int], drain: Callable, app) -> None:
    """Add ids to the kind's set and make sure a drain job will see them: a queued drain job
    (not yet started) always does, so another is queued only when fewer than DRAINERS wait.
    The count expires with the job timeout, should a queued job vanish."""
    if not ids:
        return
    keys, redis = redis_keys(app, kind), connection(app)
    with redis.pipeline() as pipe:
        waiting = pipe.sadd(keys["pending"], *ids).get(keys["drains"]).execute()[1]
    _queue_drain(kind, drain, app, int(waiting or 0))


def _queue_drain(kind: str, drain: Callable, app, waiting: int) -> None:
    if waiting < DRAINERS:
        keys, redis = redis_keys(app, kind), connection(app)
        with redis.pipeline() as pipe:
            pipe.incr(keys["drains"]).expire(keys["drains"], 600).execute()
        queue(app).enqueue(drain, job_timeout=600)


def _drain(kind: str, handle: Callable[[list[int]], tuple[list[int], list[int]]],
           what: str, drain: Callable, slice_seconds: float | None = None
           ) -> tuple[int, list[int]]:
    """Take the kind's ids CHUNK at a time until none is left, or until `slice_seconds` have
    passed: then the same `drain` job is queued again behind whatever came meanwhile.
    `handle(ids)` returns (done, failed). A failed id goes back into the set up to MAX_TRIES,
    then is logged and kept in the failed set. Returns (done, given up)."""
    keys, redis = redis_keys(kind=kind), connection()
    # Started: no longer waiting. Ids scheduled from now on may find no queued job and queue
    # another; the ones already in the set are this job's.
    if redis.decr(keys["drains"]) < 0:
        redis.set(keys["drains"], 0, ex=600)
    handled, given_up = 0, []
    started = time.monotonic()
    while ids := [int(i) for i in redis.spop(keys["pending"], CHUNK)]:
        done, failed = handle(ids)
        handled += len(done)
        with redis.pipeline() as pipe:
            if done:
                pipe.hdel(keys["tries"], *done)
            for item in failed:
                pipe.hincrby(keys["tries"], item, 1)
            tries = pipe.execute()[1 if done else 0:]
        for item, count in zip(failed, tries, strict=True):
            if count < MAX_TRIES:
                redis.sadd(keys["pending"], item)
            else:
                current_app.logger.error("gave up %s %s after %s tries", what, item, count)
                redis.sadd(keys["failed"], item)
                redis.hdel(keys["tries"], item)
                given_up.append(item)
        if slice_seconds is not None and time.monotonic() - started > slice_seconds:
            # Time's up (after one chunk at least): the rest goes to a drain queued behind
            # whatever came meanwhile, unless one is queued already.
            if redis.scard(keys["pending"]):
                _queue_drain(kind, drain, current_app, int(redis.get(keys["drains"]) or 0))
            break
    return handled, given_up


def schedule(certificate_ids: Iterable[int], app=None) -> None:
    """Queue these certificates' PDFs for the render drain (`<queue>:pdfs:pending`)."""
    _schedule("pdfs", list(certificate_ids), render_pending, app or current_app)


def render_pending() -> dict:
    """RQ job: render the scheduled PDFs CHUNK at a time until none is left."""
    def work() -> dict:
        rendered, given_up = _drain("pdfs", lambda ids: _render(ids, only_missing=True),
                                    "rendering the PDF of certificate", render_pending,
                                    RENDER_SLICE_SECONDS)
        return {"rendered": rendered, "failed": given_up}

    return _in_app(work)


def schedule_issues(outbox_ids: Iterable[int], app=None) -> None:
    """Queue passed results' outbox rows for the issue drain (`<queue>:issues:pending`)."""
    _schedule("issues", list(outbox_ids), issue_pending, app or current_app)


def issue_pending() -> dict:
    """RQ job: issue the scheduled outbox rows' certificates until none is left. A row that
    keeps failing stays pending in the database for `flask certificates retry` (cron)."""
    from certificates import outbox

    def work() -> dict:
        issued, given_up = _drain("issues", outbox.issue_rows,
                                  "issuing the certificate of outbox row", issue_pending)
        return {"issued": issued, "failed": given_up}

    return _in_app(work)


def without_pdf(limit: int = 1000) -> list[int]:
    """Certificates whose current PDF (plain, or watermarked once revoked) was never stored:
    a worker died holding their ids, or Redis lost them. Downloads render these on demand;
    the sweep (`flask certificates retry`) renders them ahead."""
    watermark = case((Certificate.status == "revoked", "revoked"), else_="none")
    stored = exists().where(CertificateFile.certificate_id == Certificate.id,
                            CertificateFile.watermark == watermark)
    return list(db.session.scalars(select(Certificate.id).where(~stored)
                                   .order_by(Certificate.id).limit(limit)))


def render_batch(certificate_ids: Iterable[int], progress: Callable[[int], None] = lambda n: None,
                 app=None) -> dict:
    """Queue the batch in chunks (Redis) or render it here; `progress(n)` after each chunk."""
    app = app or current_app
    ids = list(certificate_ids)
    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    if app.config.get("REDIS_URL"):
        q = queue(app)
        jobs = []
        for chunk in chunks:
            jobs.append(q.enqueue(render_many, chunk, job_timeout=600).id)
            progress(len(chunk))
        return {"mode": "queued", "count": len(ids), "jobs": jobs}
    for chunk in chunks:
        render_many(chunk)
        progress(len(chunk))
    return {"mode": "inline", "count": len(ids), "jobs": []}


def _after_commit(session) -> None:
    from certificates import outbox

    ids = session.info.pop("certificates_to_render", None)
    failed = session.info.pop(outbox.PENDING_AFTER_COMMIT, None)
    to_issue = session.info.pop(outbox.ISSUE_AFTER_COMMIT, None)
    if not (has_app_context() and current_app.config.get("REDIS_URL")):
        return  # without Redis, `flask certificates retry` (cron) retries the outbox
    if to_issue:
        try:
            schedule_issues(sorted(to_issue))
        except Exception:  # noqa: BLE001 - the rows stay pending for the cron retry
            current_app.logger.exception("could not queue certificate issuance for outbox "
                                         "rows %s", sorted(to_issue))
    if ids:
        try:
            schedule(ids)
        except Exception:  # noqa: BLE001 - the commit stands; downloads render on demand
            current_app.logger.exception("could not queue certificate rendering for %s", ids)
    if failed:
        try:
            queue().enqueue(outbox.retry_job, job_timeout=600)
        except Exception:  # noqa: BLE001 - the outbox row stays pending for the cron retry
            current_app.logger.exception("could not queue the certificate outbox retry")


def _after_rollback(session) -> None:
    from certificates import outbox

    session.info.pop("certificates_to_render", None)
    session.info.pop(outbox.PENDING_AFTER_COMMIT, None)
    session.info.pop(outbox.ISSUE_AFTER_COMMIT, None)


def init_app(app) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
