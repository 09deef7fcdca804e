"""One transaction rule: a request in which a service error was raised rolls back, whatever
status its view answers; a step run under `recoverable()` fails alone."""

import pytest
from flask import redirect
from sqlalchemy import select

from accounts.models import User
from core.errors import Conflict, recoverable
from core.extensions import csrf, db
from tests.conftest import IsolatedClient, make_app
from tests.factories import make_user


@pytest.fixture
def rule_app(database_url, instance_dir):
    app = make_app(database_url, instance_dir)
    app.test_client_class = IsolatedClient

    def rename(user_id, name):
        user = db.session.get(User, user_id)
        user.name = name
        db.session.flush()  # the service flushed before it failed

    @app.post("/_test/caught/<int:user_id>")
    def caught(user_id):
        try:
            rename(user_id, "改过的名字")
            raise Conflict("no")
        except Conflict:
            return redirect("/")  # a flash-and-redirect view: 302, yet nothing may commit

    @app.post("/_test/recovered/<int:user_id>")
    def recovered(user_id):
        rename(user_id, "保留的名字")
        try:
            with recoverable():
                db.session.get(User, user_id).email = "lost@example.cn"
                db.session.flush()
                raise Conflict("this step only")
        except Conflict:
            pass
        return redirect("/")

    @app.post("/_test/ok/<int:user_id>")
    def ok(user_id):
        rename(user_id, "新名字")
        return redirect("/")

    for view in (caught, recovered, ok):
        csrf.exempt(view)
    yield app
    with app.app_context():
        db.engine.dispose()


def _name_and_email(user_id):
    db.session.expire_all()
    return db.session.execute(select(User.name, User.email).where(User.id == user_id)).one()


def test_caught_service_error_after_flush_commits_nothing(rule_app):
    user = make_user("trainee", name="原名")
    email = user.email
    db.session.commit()
    response = rule_app.test_client().post(f"/_test/caught/{user.id}")
    assert response.status_code == 302
    assert tuple(_name_and_email(user.id)) == ("原名", email)


def test_recoverable_step_rolls_back_alone(rule_app):
    user = make_user("trainee", name="原名")
    email = user.email
    db.session.commit()
    response = rule_app.test_client().post(f"/_test/recovered/{user.id}")
    assert response.status_code == 302
    assert tuple(_name_and_email(user.id)) == ("保留的名字", email)


def test_successful_redirect_still_commits(rule_app):
    user = make_user("trainee", name="原名")
    db.session.commit()
    assert rule_app.test_client().post(f"/_test/ok/{user.id}").status_code == 302
    assert _name_and_email(user.id).name == "新名字"
