"""`flask subsidies ...`: policy import/export and the overdue report, for cron and scripts."""

import json

import click
from flask.cli import AppGroup

from core.extensions import db
from subsidies import policies, service

subsidies_cli = AppGroup("subsidies", help="Subsidy policies and claims.")


@subsidies_cli.command("import-policy")
@click.argument("path", type=click.File("r", encoding="utf-8"))
def import_policy(path) -> None:
    """Add a policy (JSON as exported) as a new version for its region."""
    policy = policies.create_policy(None, policies.parse_import(json.load(path)))
    db.session.commit()
    click.echo(f"Imported policy #{policy.id} ({policy.region_prefix or 'national'} "
               f"v{policy.version}).")


@subsidies_cli.command("export-policy")
@click.argument("policy_id", type=int)
def export_policy(policy_id: int) -> None:
    """Print a policy as JSON."""
    click.echo(json.dumps(policies.export_policy(policies.get_policy(policy_id)),
                          ensure_ascii=False, indent=2))


@subsidies_cli.command("reconcile")
def reconcile() -> None:
    """Open claims for valid certificates that have none (e.g. after a failed receiver)."""
    count = service.open_missing_claims()
    db.session.commit()
    click.echo(f"Opened claims for {count} certificate(s).")


@subsidies_cli.command("overdue")
def overdue() -> None:
    """List pending claims past their 10-working-day review date."""
    claims = db.session.scalars(service.claims_query(overdue=True)).all()
    for claim in claims:
        click.echo(f"#{claim.id}\t{claim.trainee.name}\tdue {claim.due_at:%Y-%m-%d}")
    click.echo(f"{len(claims)} overdue claim(s).")
