"""`flask certificates keygen | render --exam N | retry`, and `flask worker`."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from certificates import jobs, keys, outbox
from certificates.models import Certificate
from core.extensions import db

certificates_cli = AppGroup("certificates", help="Certificate keys and bulk rendering.")


@certificates_cli.command("keygen")
def keygen() -> None:
    """Rotate the signing key: a new active key; old public keys stay for verification."""
    directory = keys.key_dir(current_app)
    kid = keys.generate(directory)
    current_app.extensions["certificate_keys"] = keys.load(current_app, create=False)
    click.echo(f"New signing key {kid} in {directory}. Restart the app servers to use it.")


@certificates_cli.command("render")
@click.option("--exam", "exam_id", type=int, required=True, help="Exam id of the batch.")
def render(exam_id: int) -> None:
    """Re-render every certificate of an exam (RQ jobs when REDIS_URL is set)."""
    ids = db.session.scalars(select(Certificate.id).where(Certificate.exam_id == exam_id)
                             .order_by(Certificate.id)).all()
    if not ids:
        raise click.ClickException(f"No certificates for exam {exam_id}.")
    with click.progressbar(length=len(ids), label="Rendering certificates") as bar:
        result = jobs.render_batch(ids, progress=bar.update)
    verb = "queued for `flask worker`" if result["mode"] == "queued" else "rendered"
    click.echo(f"{result['count']} certificates {verb}.")


@certificates_cli.command("retry")
@click.option("--limit", type=int, default=None, help="At most this many pending results.")
def retry(limit: int | None) -> None:
    """Issue the certificates of passed results still waiting in the outbox, and render the
    PDFs no worker stored (cron)."""
    issued, failed = outbox.retry_pending(limit)
    click.echo(f"{issued} certificates issued, {failed} still pending.")
    missing = jobs.without_pdf(limit or 1000)
    if missing and current_app.config.get("REDIS_URL"):
        jobs.schedule(missing)
        click.echo(f"{len(missing)} PDFs not yet stored: queued for the workers.")
    elif missing:
        click.echo(f"{jobs.render_many(missing)} PDFs not yet stored: rendered now.")
    for row in outbox.pending(20):
        click.echo(f"  attempt {row.attempt_id}: {row.last_error or 'not tried yet'}")
    if failed:
        raise SystemExit(1)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker for background jobs (needs REDIS_URL)."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker needed.")
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        """RQ listens for its commands in a thread that waits up to 60 s per read, and
        redis-py's PubSubWorkerThread.stop() joins it: every worker exit (each `--burst` run)
        sat idle for up to a minute. A one-second wait ends it at once."""

        def subscribe(self):
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(
                sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler)

    q = jobs.queue(current_app)
    # No fork per job: the worker keeps one app and one connection pool.
    Worker([q], connection=q.connection).work(burst=burst)


def init_app(app) -> None:
    app.cli.add_command(certificates_cli)
    if "worker" not in app.cli.commands:
        app.cli.add_command(worker)
