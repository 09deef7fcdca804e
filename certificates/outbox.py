"""The issuance outbox: a passed exam result never waits on (or dies with) its certificate.

exam_passed writes an outbox row in the result's own transaction. Inline (the default without
Redis) it tries to issue at once inside a savepoint: if issuing fails (no signing key, renderer
down, a listener error) the savepoint rolls back, the row stays pending with its error, and the
result still commits. With CERTIFICATE_ISSUE=worker (the default with REDIS_URL) a request's
row is handed to the RQ worker after the commit, so the exam submit answers without signing,
the credential and the claim; the trainee sees "being issued" until the worker has run.
Pending rows are retried by the RQ worker (queued after commit when REDIS_URL is set) and by
`flask certificates retry` (cron).
"""

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import func, or_, select

from accounts import scope
from accounts.models import TraineeProfile, User
from certificates.models import Certificate, IssuanceOutbox
from core.extensions import db
from core.models import conflict_insert
from core.timeutil import now_utc
from courses.models import Course

PENDING_AFTER_COMMIT = "certificate_outbox_pending"
ISSUE_AFTER_COMMIT = "certificate_outbox_to_issue"


def issues_in_worker(app=None) -> bool:
    """Hand off to the worker only from a request: a command (the demo loader, the cron's
    `exams close-expired`, the worker itself) has nobody waiting on it and issues inline."""
    app = app or current_app
    return (app.config.get("CERTIFICATE_ISSUE") == "worker" and bool(app.config.get("REDIS_URL"))
            and has_request_context())


def _insert_once(values: dict) -> int:
    """The outbox row's id: one INSERT … ON CONFLICT DO NOTHING (both databases), and the
    existing row's id when the attempt already has one (a replayed or concurrent pass);
    cheaper on the submit path than a look-up, a savepoint and an INSERT."""
    row_id = db.session.scalar(
        conflict_insert(IssuanceOutbox).values(**values, state="pending", tries=0)
        .on_conflict_do_nothing(index_elements=[IssuanceOutbox.attempt_id])
        .returning(IssuanceOutbox.id))
    if row_id is None:
        row_id = db.session.scalar(select(IssuanceOutbox.id).where(
            IssuanceOutbox.attempt_id == values["attempt_id"]))
    return row_id


def record_pass(*, trainee_id: int, course_id: int, exam_id: int | None, attempt_id: int,
                actor=None) -> int:
    """Write (or find) the outbox row of a passed attempt; issue it now, or (in worker mode)
    hand it to the worker once this transaction commits. Returns the row's id."""
    row_id = _insert_once({"attempt_id": attempt_id, "trainee_id": trainee_id,
                           "course_id": course_id, "exam_id": exam_id,
                           "actor_id": getattr(actor, "id", None)})
    if issues_in_worker():
        db.session.info.setdefault(ISSUE_AFTER_COMMIT, set()).add(row_id)
    else:
        process(db.session.get(IssuanceOutbox, row_id), actor)
    return row_id


def process(row: IssuanceOutbox, actor=None, schedule: bool = True) -> Certificate | None:
    """Issue the row's certificate in a savepoint; on failure keep the error, stay pending
    (and, with `schedule`, ask the worker to retry after this transaction commits)."""
    from certificates import service

    if row.state == "issued":
        return row.certificate
    row.tries += 1
    row.last_tried_at = now_utc()
    try:
        with db.session.begin_nested():
            cert = service.issue_for_attempt(
                trainee_id=row.trainee_id, course_id=row.course_id, exam_id=row.exam_id,
                attempt_id=row.attempt_id, actor=actor)
    except Exception as error:  # noqa: BLE001 - any failure leaves the result standing
        row.last_error = f"{type(error).__name__}: {error}"[:500]
        db.session.flush()
        if schedule:
            db.session.info.setdefault(PENDING_AFTER_COMMIT, set()).add(row.id)
        if has_app_context():
            current_app.logger.warning("certificate issue for attempt %s failed: %s",
                                       row.attempt_id, row.last_error)
        return None
    row.state, row.certificate_id, row.last_error = "issued", cert.id, None
    db.session.flush()
    return cert


def pending_query(viewer=None):
    """Results still waiting for their certificate, oldest first; for a region-limited
    officer only those of their regions (the course's or the trainee's, as certificates)."""
    stmt = select(IssuanceOutbox).where(IssuanceOutbox.state == "pending") \
        .order_by(IssuanceOutbox.id)
    inside = scope.clause(viewer, Course.region_code)
    if inside is None:
        return stmt
    return stmt.where(or_(
        IssuanceOutbox.course_id.in_(select(Course.id).where(inside)),
        IssuanceOutbox.trainee_id.in_(select(TraineeProfile.user_id).where(
            scope.clause(viewer, TraineeProfile.region_code)))))


def pending(limit: int | None = None, viewer=None) -> list[IssuanceOutbox]:
    stmt = pending_query(viewer)
    return list(db.session.scalars(stmt.limit(limit) if limit else stmt))


def pending_count(trainee_id: int) -> int:
    """How many of a trainee's passed results still wait for their certificate."""
    return db.session.scalar(select(func.count(IssuanceOutbox.id)).where(
        IssuanceOutbox.trainee_id == trainee_id, IssuanceOutbox.state == "pending")) or 0


def retry_pending(limit: int | None = None) -> tuple[int, int]:
    """Retry every pending row, one transaction each; returns (issued, still pending)."""
    issued = failed = 0
    for row_id in [row.id for row in pending(limit)]:
        row = db.session.get(IssuanceOutbox, row_id)
        if row is None or row.state != "pending":
            continue
        if process(row, schedule=False) is None:
            failed += 1
        else:
            issued += 1
        db.session.commit()
    return issued, failed


def issue_rows(row_ids: list[int]) -> tuple[list[int], list[int]]:
    """The worker's drain: issue each row in its own transaction (the serial counter is held
    for one certificate at a time), as the actor who passed it; returns (done, failed). A row
    already issued, by cron or another worker, counts as done."""
    done, failed = [], []
    for row_id in row_ids:
        row = db.session.get(IssuanceOutbox, row_id, with_for_update=True)
        if row is None or row.state == "issued":
            done.append(row_id)
        elif process(row, db.session.get(User, row.actor_id) if row.actor_id else None,
                     schedule=False) is None:
            failed.append(row_id)
        else:
            done.append(row_id)
        db.session.commit()
    return done, failed


def retry_job() -> tuple[int, int]:
    """RQ entry point: build an app context when run by a plain `rq worker`."""
    if has_app_context():
        return retry_pending()
    from app import create_app

    with create_app().app_context():
        return retry_pending()
