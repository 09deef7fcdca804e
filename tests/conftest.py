"""Shared fixtures: a fresh database per run (SQLite file, or a new PostgreSQL database when
TEST_DATABASE_URL is set), emptied after every test; clients whose requests run in their own
app context, like real requests."""

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, make_url, text

from app import create_app
from core import timeutil
from core.extensions import db
from courses import menu_cache
from tests import factories

# The machine may be loaded by other work: slow input generation is not a failure.
settings.register_profile("skillbridge", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("skillbridge")

# Every test runs on a clock that starts at this moment (10:00 in Beijing on a Monday in the
# middle of the year) and then moves at real speed, so no test depends on the day it runs:
# dates built from "today" never cross a year end or reach a hard-coded window's close.
FIXED_NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def _fixed_clock():
    timeutil.run_clock_from(FIXED_NOW)
    yield
    timeutil.run_clock_from(datetime.now(UTC))


def _create_pg_database(base_url: str) -> tuple[str, callable]:
    url = make_url(base_url)
    name = f"sb_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        url, drop = _create_pg_database(base)
        yield url
        drop()
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


def make_app(database_url: str, instance_dir: Path, **overrides):
    os.environ["SKILLBRIDGE_INSTANCE"] = str(instance_dir)
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI":
              database_url, "RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": "http://localhost"}
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url, instance_dir):
    app = make_app(database_url, instance_dir)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (so `g` and the login never leak between
    requests), and the test's own session is committed before and refreshed after."""

    def open(self, *args, **kwargs):
        if _cv_app.get(None) is not None:
            db.session.commit()
        token = _cv_app.set(None)
        try:
            response = super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
        if _cv_app.get(None) is not None:
            db.session.commit()  # ends the read snapshot and expires cached rows
        return response


def truncate_all() -> None:
    # DELETE, children first: on PostgreSQL it is far cheaper than TRUNCATE for the few rows
    # a test leaves (TRUNCATE rewrites every table's files). Ids are not reset; tests never
    # rely on them.
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    menu_cache.clear()


@pytest.fixture(autouse=True)
def _app_context(app):
    """Every test runs inside an app context, and leaves an empty database behind."""
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield
        db.session.remove()
        truncate_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user():
    return factories.make_user


@pytest.fixture
def make_course():
    return factories.make_course


@pytest.fixture
def trainee():
    return factories.make_user("trainee", name="李春花")


@pytest.fixture
def instructor():
    return factories.make_user("instructor", name="陈老师")


@pytest.fixture
def officer():
    return factories.make_user("officer", name="周敏")


@pytest.fixture
def artifacts_dir() -> Path:
    path = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


