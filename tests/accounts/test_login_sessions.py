"""Login by phone / email / ID number, the password policy, sessions that really end, and
deactivation (issue 11.7, 14.4)."""

import pytest
from sqlalchemy import func, select

from accounts import service
from accounts.models import User
from core.audit import AuditLog
from core.auth import ApiToken
from core.extensions import db
from tests.factories import PASSWORD, api_headers, csrf_token, login, make_user


def registration(**overrides):
    body = {"password": "long-enough-1", "name": "李春花", "id_number": "11010519491231002X",
            "phone": "13800138000", "region_code": "430102", "key_groups": ["rural_migrant"],
            "consent": True}
    body.update(overrides)
    return body


def users_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_register_by_phone_without_email_records_consent(client):
    response = client.post("/api/v1/trainees", json=registration())
    assert response.status_code == 201, response.get_json()
    user = db.session.get(User, response.get_json()["id"])
    assert user.email is None and user.phone == "13800138000"
    assert user.consent_version == service.PRIVACY_VERSION and user.consent_at is not None


@pytest.mark.parametrize("login_value", ["13800138000", "+86 138-0013-8000",
                                         "11010519491231002X", "11010519491231002x"])
def test_token_by_phone_or_id_number(client, login_value):
    assert client.post("/api/v1/trainees", json=registration()).status_code == 201
    response = client.post("/api/v1/auth/token",
                           json={"login": login_value, "password": "long-enough-1"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["name"] == "李春花"


def test_token_by_email_with_either_key(client, trainee):
    for key in ("login", "email"):
        response = client.post("/api/v1/auth/token", json={key: trainee.email,
                                                           "password": PASSWORD})
        assert response.status_code == 200
    assert client.post("/api/v1/auth/token", json={"password": PASSWORD}).status_code == 422


def test_login_page_by_phone(client, trainee):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": trainee.phone, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    assert trainee.name in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize("field,value", [
    ("consent", False), ("phone", "12345678901"), ("phone", "1380013800"),
    ("phone", "23800138000"), ("region_code", "330199"), ("email", "not-an-email")])
def test_bad_registration_is_422_and_writes_nothing(client, field, value):
    response = client.post("/api/v1/trainees", json=registration(**{field: value}))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert users_count() == 0


def test_consent_is_required(client):
    body = registration()
    del body["consent"]
    response = client.post("/api/v1/trainees", json=body)
    assert response.status_code == 422 and "consent" in response.get_json()["error"]["fields"]
    assert users_count() == 0


def test_phone_already_registered_is_409(client):
    assert client.post("/api/v1/trainees", json=registration()).status_code == 201
    other = registration(id_number=service.idcard.make_valid("33048219900101001"))
    response = client.post("/api/v1/trainees", json=other)
    assert response.status_code == 409
    assert "phone" in response.get_json()["error"]["fields"]
    assert users_count() == 1


@pytest.mark.parametrize("password", ["12345678", "password", "        ", "          ",
                                      "1234567890", "qwertyuiop", "passwordpassword",
                                      "iloveyou123"])
def test_short_or_common_password_is_refused(client, password):
    response = client.post("/api/v1/trainees", json=registration(password=password))
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["fields"]
    assert users_count() == 0


def test_password_messages_are_translated(client):
    body = client.post("/api/v1/trainees", json=registration(password="password1"),
                       headers={"Accept-Language": "zh"}).get_json()
    assert "至少 10 个字符" in body["error"]["fields"]["password"][0]
    body = client.post("/api/v1/trainees", json=registration(password="qwertyuiop"),
                       headers={"Accept-Language": "en"}).get_json()
    assert "too common" in body["error"]["fields"]["password"][0]


def test_policy_on_password_change_and_cli(client, runner, trainee):
    login(client, trainee)
    response = client.post("/account", data={
        "csrf_token": csrf_token(client, "/account"), "current_password": PASSWORD,
        "new_password": "1234567890", "confirm": "1234567890"})
    assert response.status_code == 422
    db.session.refresh(trainee)
    assert trainee.check_password(PASSWORD)
    result = runner.invoke(args=["users", "create", "--role", "officer", "--email", "o@x.cn",
                                 "--password", "qwertyuiop", "--name", "X"])
    assert result.exit_code != 0 and "too common" in result.output


def test_session_cookie_copied_before_logout_stops_working(app, client, trainee):
    login(client, trainee)
    assert client.get("/account").status_code == 200
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/account").status_code == 200
    headers = api_headers(app.test_client(), trainee)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert thief.get("/account").status_code == 302  # to the login page
    assert thief.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=headers).status_code == 401  # tokens too


def test_password_change_ends_other_sessions_but_not_this_one(app, client, trainee):
    login(client, trainee)
    other = app.test_client()
    login(other, trainee)
    response = client.post("/account", data={
        "csrf_token": csrf_token(client, "/account"), "current_password": PASSWORD,
        "new_password": "new-password-2", "confirm": "new-password-2"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


def test_admin_deactivates_and_reactivates(app, client, trainee):
    admin = make_user("admin")
    victim = app.test_client()
    login(victim, trainee)
    headers = api_headers(app.test_client(), trainee)
    login(client, admin)
    token = csrf_token(client, "/admin/users")
    assert trainee.email in client.get("/admin/users").get_data(as_text=True)
    response = client.post(f"/admin/users/{trainee.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(trainee)
    assert trainee.active is False
    assert victim.get("/account").status_code == 302
    assert victim.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/token", json={"login": trainee.email,
                                                   "password": PASSWORD}).status_code == 401
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "user.deactivated"))
    client.post(f"/admin/users/{trainee.id}/reactivate", data={"csrf_token": token})
    db.session.refresh(trainee)
    assert trainee.active is True
    login(victim, trainee)
    # an admin cannot lock themselves out, and others may not deactivate at all
    client.post(f"/admin/users/{admin.id}/deactivate", data={"csrf_token": token})
    db.session.refresh(admin)
    assert admin.active is True
    assert victim.post(f"/admin/users/{admin.id}/deactivate",
                       data={"csrf_token": csrf_token(victim, "/account")}).status_code == 403


def test_cli_deactivate_and_reactivate(runner, trainee):
    result = runner.invoke(args=["users", "deactivate", trainee.email])
    assert result.exit_code == 0, result.output
    db.session.refresh(trainee)
    assert not trainee.active
    assert runner.invoke(args=["users", "reactivate", trainee.phone]).exit_code == 0
    db.session.refresh(trainee)
    assert trainee.active
    assert runner.invoke(args=["users", "deactivate", "nobody@x.cn"]).exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action.in_(["user.deactivated",
                                                         "user.activated"]))) == 2


def test_unknown_login_costs_a_password_hash_like_a_known_one(client, trainee, monkeypatch):
    """Login time must not tell whether an account exists: both paths run scrypt once."""
    import werkzeug.security

    calls = []
    real = werkzeug.security.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash.split("$")[0])
        return real(pwhash, password)

    monkeypatch.setattr("accounts.service.check_password_hash", counting)
    monkeypatch.setattr("accounts.models.check_password_hash", counting)
    for login_value in (trainee.email, "nobody@example.test", trainee.phone, "13999999999",
                        "33048219900101001X", "garbage"):
        calls.clear()
        response = client.post("/api/v1/auth/token", json={"login": login_value,
                                                           "password": "wrong-password"})
        assert response.status_code == 401
        assert len(calls) == 1 and calls[0].startswith("scrypt"), login_value


def test_unknown_and_known_login_take_about_as_long(client, trainee):
    import statistics
    import time

    def median(login_value):
        times = []
        for _i in range(5):
            start = time.perf_counter()
            client.post("/api/v1/auth/token", json={"login": login_value,
                                                    "password": "wrong-password"})
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    known, unknown = median(trainee.email), median("nobody@example.test")
    # Before: 4 ms vs 111 ms. Generous bounds: shared CI machines jitter.
    assert unknown > known / 3 and known > unknown / 3, (known, unknown)


def test_tokens_rows_revoked_on_deactivation(client, trainee):
    api_headers(client, trainee)
    service.set_active(None, trainee, False)
    db.session.commit()
    live = db.session.scalar(select(func.count()).select_from(ApiToken)
                             .where(ApiToken.revoked_at.is_(None)))
    assert live == 0
