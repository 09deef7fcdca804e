"""`flask live ...`: close ended sessions, send a simulated signed webhook batch;
`flask attendance rebuild-summaries`: recompute the stored summaries."""

import json
import random
import urllib.request
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from attendance import live, summary_store, webhook_keys
from attendance.models import LiveSession, PlatformAccount
from core.extensions import db
from core.timeutil import now_utc

live_cli = AppGroup("live", help="Live-stream sessions and webhook events.")


def simulated_events(session: LiveSession, refs: list[str], rng: random.Random,
                     prefix: str = "sim", heartbeat_every: int = 60) -> list[dict]:
    """Join, heartbeats and leave per viewer inside the session window (webhook shape)."""
    events = []
    span = (session.ends_at - session.starts_at).total_seconds()
    for ref in refs:
        start = session.starts_at + timedelta(seconds=rng.uniform(0, span * 0.1))
        stay = rng.uniform(0.5, 1.0) * (session.ends_at - start).total_seconds()
        end = start + timedelta(seconds=stay)
        events.append({"id": f"{prefix}-{session.id}-{ref}-join", "type": "join",
                       "room": session.room, "user_ref": ref, "at": start.isoformat()})
        t, n = start, 0
        while t + timedelta(seconds=heartbeat_every) < end:
            t += timedelta(seconds=heartbeat_every)
            n += 1
            events.append({"id": f"{prefix}-{session.id}-{ref}-hb{n}", "type": "heartbeat",
                           "room": session.room, "user_ref": ref, "at": t.isoformat()})
        events.append({"id": f"{prefix}-{session.id}-{ref}-leave", "type": "leave",
                       "room": session.room, "user_ref": ref, "at": end.isoformat()})
    return events


@live_cli.command("simulate")
@click.argument("session_id", type=int)
@click.option("--viewers", default=5, help="Extra unknown viewers besides linked trainees.")
@click.option("--url", default=None, help="POST to a running server instead of in-process.")
@click.option("--seed", default=1)
def simulate(session_id: int, viewers: int, url: str | None, seed: int) -> None:
    """Send one signed webhook batch of simulated viewers for a live session."""
    session = db.session.get(LiveSession, session_id)
    if session is None or session.platform_id is None:
        raise click.ClickException("No such live session with a platform.")
    secrets = webhook_keys.active_secrets(session.platform_id)
    if not secrets:
        raise click.ClickException("The platform has no webhook secret: an officer sets one.")
    refs = list(db.session.scalars(select(PlatformAccount.user_ref).where(
        PlatformAccount.platform_id == session.platform_id)))
    refs += [f"guest-{n}" for n in range(viewers)]
    now = now_utc()
    events = [e for e in simulated_events(session, refs, random.Random(seed))
              if datetime.fromisoformat(e["at"]) <= now][:1000]
    if not events:
        raise click.ClickException("The session has not started yet: nothing to simulate.")
    body = json.dumps({"events": events}).encode()
    headers = {"Content-Type": "application/json",
               webhook_keys.SIGNATURE_HEADER: webhook_keys.sign(secrets[0], body),
               webhook_keys.PLATFORM_HEADER: str(session.platform_id)}
    if url:
        request = urllib.request.Request(url.rstrip("/") + "/api/v1/live/events", data=body,
                                         headers=headers, method="POST")
        with urllib.request.urlopen(request) as response:  # noqa: S310 (operator-given URL)
            click.echo(response.read().decode())
        return
    client = current_app.test_client()
    response = client.post("/api/v1/live/events", data=body, headers=headers)
    click.echo(json.dumps(response.get_json(), ensure_ascii=False))
    if response.status_code != 200:
        raise click.ClickException(f"The webhook answered {response.status_code}.")


@live_cli.command("close")
def close() -> None:
    """Close every ended live session (run it from cron every few minutes)."""
    count = live.close_due_sessions()
    db.session.commit()
    click.echo(f"Closed {count} session(s).")


attendance_cli = AppGroup("attendance", help="Attendance summaries.")


@attendance_cli.command("rebuild-summaries")
@click.option("--course", "course_ids", type=int, multiple=True,
              help="Only these course ids (repeatable); default every course.")
def rebuild_summaries(course_ids: tuple[int, ...]) -> None:
    """Recompute every stored attendance summary from the evidence (after the migration, or
    as a repair): lesson progress, offline check-ins and closed live sessions' results."""
    result = summary_store.rebuild(list(course_ids) or None)
    db.session.commit()
    click.echo(f"Rebuilt {result['rows']} summary row(s) in {result['courses']} course(s); "
               f"{result['changed']} changed.")
