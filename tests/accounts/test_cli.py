"""`flask users create`."""

from sqlalchemy import select

from accounts.models import User
from core.extensions import db


def test_users_create(runner):
    result = runner.invoke(args=["users", "create", "--role", "officer", "--email",
                                 "O@Example.cn", "--password", "officer-pass-1", "--name", "周敏"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "o@example.cn"))
    assert user.role == "officer" and user.name == "周敏"


def test_users_create_refuses_duplicates_and_bad_roles(runner, officer):
    dup = runner.invoke(args=["users", "create", "--role", "officer", "--email", officer.email,
                              "--password", "officer-pass-1", "--name", "X"])
    assert dup.exit_code != 0 and "already registered" in dup.output
    bad = runner.invoke(args=["users", "create", "--role", "trainee", "--email", "t@x.cn",
                              "--password", "officer-pass-1", "--name", "X"])
    assert bad.exit_code != 0
    short = runner.invoke(args=["users", "create", "--role", "officer", "--email", "s@x.cn",
                                "--password", "short", "--name", "X"])
    assert short.exit_code != 0 and "at least 10" in short.output
