"""`flask reports ...`: officer regions and a quick summary from the command line."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.extensions import db

reports_cli = AppGroup("reports", help="Reports, targets and officer regions.")


@reports_cli.command("officer-region")
@click.argument("email")
@click.argument("region_code", required=False)
def officer_region(email: str, region_code: str | None) -> None:
    """Limit an officer to REGION_CODE (6 digits); without it, the officer sees all regions."""
    from accounts.models import User
    from reports import service

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.role != "officer":
        raise click.ClickException("no officer with that email")
    if region_code is not None and not (region_code.isdigit() and len(region_code) == 6):
        raise click.ClickException("region code must be 6 digits")
    service.set_officer_region(None, user, region_code)
    db.session.commit()
    click.echo(f"{email}: {region_code or 'all regions'}")


@reports_cli.command("summary")
@click.option("--year", type=int, required=True)
@click.option("--region", default=None)
def summary(year: int, region: str | None) -> None:
    """Print the year's headline figures (JSON)."""
    import json

    from reports import figures
    from reports.sources import Period

    result = figures.summary(figures.ReportFilter(Period.of(year), region), year)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))
