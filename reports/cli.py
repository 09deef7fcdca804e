"""`flask reports ...`: officer regions and a quick summary from the command line."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.extensions import db

reports_cli = AppGroup("reports", help="Reports, targets and officer regions.")


@reports_cli.command("officer-region")
@click.argument("email")
@click.argument("region_codes", nargs=-1)
def officer_region(email: str, region_codes: tuple[str, ...]) -> None:
    """Limit an officer to REGION_CODES (6 digits each, several allowed); without any, the
    officer sees all regions."""
    from accounts import scope
    from accounts.models import User
    from core.errors import ServiceError
    from core.regions import full_name

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.role != "officer":
        raise click.ClickException("no officer with that email")
    for code in region_codes:
        if not (code.isdigit() and len(code) == 6):
            raise click.ClickException("region code must be 6 digits")
    try:
        kept = scope.set_regions(None, user, region_codes)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    shown = ", ".join(f"{c} {full_name(c)}" for c in kept)
    click.echo(f"{email}: {shown or 'all regions'}")


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
