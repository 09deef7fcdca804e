"""`flask menu import FILE`: all-or-nothing import with a progress bar and per-line errors."""

from pathlib import Path

import click
from flask.cli import AppGroup

from core.errors import ServiceError
from core.extensions import db
from courses import curation

menu_cli = AppGroup("menu", help="Training menu.")


@menu_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Import platforms, institutions and occupations from CSV or JSON (all or nothing)."""
    try:
        rows = curation.parse_rows(file.name, file.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {file}: {exc}") from exc
    try:
        with click.progressbar(length=len(rows), label="Importing") as bar:
            counts = curation.import_rows(None, rows, bar.update)
    except curation.ImportFailed as failed:
        db.session.rollback()
        for line, message in failed.errors:
            click.echo(f"line {line}: {message}", err=True)
        raise click.ClickException(
            f"{len(failed.errors)} bad line(s); nothing was imported") from failed
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo("Imported " + ", ".join(f"{n} {kind}(s)" for kind, n in counts.items()))


@menu_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the menu search index from the course titles."""
    from courses import search

    count = search.reindex_all()
    db.session.commit()
    click.echo(f"indexed {count} courses")
