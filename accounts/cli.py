"""`flask users create --role ROLE --email E --password P --name N`."""

import click
from flask.cli import AppGroup

from accounts import service
from core.auth import STAFF_ROLES
from core.errors import ServiceError
from core.extensions import db

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("create")
@click.option("--role", required=True, type=click.Choice(STAFF_ROLES))
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", required=True)
@click.option("--organisation", default=None, help="Enterprise name.")
def create(role: str, email: str, password: str, name: str, organisation: str | None) -> None:
    """Create a staff account (trainees register themselves)."""
    try:
        user = service.create_staff(None, role, email, password, name, organisation=organisation)
    except ServiceError as error:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
        raise click.ClickException(f"{error.message} {details}".strip()) from error
    db.session.commit()
    click.echo(f"Created {role} #{user.id} <{user.email}>")
