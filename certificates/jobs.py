"""Bulk rendering: RQ jobs when REDIS_URL is set (`flask worker`), inline otherwise."""

import os
from collections.abc import Callable, Iterable

from flask import current_app, has_app_context

from certificates.models import Certificate
from core.extensions import db

CHUNK = 25


def queue(app=None):
    from redis import Redis
    from rq import Queue

    app = app or current_app
    return Queue(app.config["CERTIFICATE_QUEUE"],
                 connection=Redis.from_url(app.config["REDIS_URL"]))


def render_many(certificate_ids: list[int]) -> int:
    """Re-render and store the PDFs of these certificates; commits (job or CLI)."""
    from certificates import service

    def work() -> int:
        done = 0
        for cert_id in certificate_ids:
            cert = db.session.get(Certificate, cert_id)
            if cert is None:
                continue
            service.store_pdf(cert, "revoked" if cert.status == "revoked" else "none")
            done += 1
        db.session.commit()
        return done

    if has_app_context():
        return work()
    # An RQ worker started outside `flask worker`: the app FLASK_APP names, found the way the
    # `flask` command finds it (this module does not import the application factory).
    from flask.cli import ScriptInfo

    with ScriptInfo(app_import_path=os.environ.get("FLASK_APP", "app")).load_app().app_context():
        return work()


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
    if not (has_app_context() and current_app.config.get("REDIS_URL")):
        return  # without Redis, `flask certificates retry` (cron) retries the outbox
    if ids:
        try:
            render_batch(ids)
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


def init_app(app) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
