"""`flask users create --role ROLE --email E --password P --name N`, `deactivate`, `reactivate`."""

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
@click.option("--phone", default=None, help="Mobile number (also a login).")
def create(role: str, email: str, password: str, name: str, organisation: str | None,
           phone: str | None) -> None:
    """Create a staff account (trainees register themselves)."""
    try:
        user = service.create_staff(None, role, email, password, name, organisation=organisation,
                                    phone=phone)
    except ServiceError as error:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
        raise click.ClickException(f"{error.message} {details}".strip()) from error
    db.session.commit()
    click.echo(f"Created {role} #{user.id} <{user.email}>")


def _set_active(login: str, active: bool) -> None:
    user = service.find_by_login(login)
    if user is None:
        raise click.ClickException(f"No account {login}")
    service.set_active(None, user, active)
    db.session.commit()
    verb = "Reactivated" if active else "Deactivated"
    click.echo(f"{verb} #{user.id} {user.email or user.phone_masked}")


@users_cli.command("deactivate")
@click.argument("login")
def deactivate(login: str) -> None:
    """Deactivate an account (email, phone or ID number): login refused, every session ends."""
    _set_active(login, False)


@users_cli.command("reactivate")
@click.argument("login")
def reactivate(login: str) -> None:
    """Reactivate a deactivated account."""
    _set_active(login, True)
