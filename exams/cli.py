"""`flask exams close-expired`: finalise attempts whose deadline has passed (run from cron)."""

import click
from flask.cli import AppGroup

from core.extensions import db
from exams import attempts

exams_cli = AppGroup("exams", help="Skill exams.")


@exams_cli.command("close-expired")
@click.option("--batch", default=500, show_default=True, help="Attempts per transaction.")
def close_expired(batch: int) -> None:
    """Grade every open attempt past its deadline with the answers saved so far."""
    total = 0
    while True:
        closed = attempts.close_expired(limit=batch)
        db.session.commit()
        total += closed
        if closed < batch:
            break
    click.echo(f"Closed {total} expired attempt(s).")
