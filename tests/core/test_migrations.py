"""Alembic migrations build exactly the schema the models describe (SQLite and PostgreSQL)."""

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from core.extensions import db
from tests.conftest import _create_pg_database, make_app


def test_migrations_match_models(tmp_path, instance_dir):
    base = os.environ.get("TEST_DATABASE_URL")
    drop = None
    if base:
        url, drop = _create_pg_database(base)
    else:
        url = "sqlite:///" + str(tmp_path / "migrated.db")
    app = make_app(url, instance_dir)
    try:
        with app.app_context():
            upgrade(directory=os.path.join(app.root_path, "migrations"))
            dialect = db.engine.dialect.name

            def for_this_database(obj, name, type_, reflected, compare_to):
                # an index made only on one database (Index.ddl_if), e.g. PostgreSQL's trigrams
                only = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
                return only is None or only == dialect

            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={
                    "compare_type": True, "include_object": for_this_database})
                diff = compare_metadata(context, db.metadata)
            assert diff == [], diff
            db.engine.dispose()
    finally:
        if drop:
            drop()
