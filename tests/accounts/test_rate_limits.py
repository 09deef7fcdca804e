"""Login and token endpoints are rate-limited against password guessing (failures count)."""

import pytest

from core.extensions import db, limiter
from tests.conftest import make_app
from tests.factories import PASSWORD, csrf_token


@pytest.fixture
def client(database_url, instance_dir):
    """A client of an app with rate limits on (the shared test app has them off)."""
    limited = make_app(database_url, instance_dir, RATELIMIT_ENABLED=True)
    limiter.reset()
    yield limited.test_client()
    limiter.reset()
    limiter.enabled = False  # the limiter object is shared with the session's app
    with limited.app_context():
        db.engine.dispose()  # close its pool now, not when the garbage collector finds it


@pytest.fixture
def limits_on(client):
    return client


def test_token_endpoint_limits_failed_attempts_per_account(client, trainee, limits_on):
    for _ in range(10):
        response = client.post("/api/v1/auth/token", json={"email": trainee.email,
                                                           "password": "guess-guess"})
        assert response.status_code == 401
    blocked = client.post("/api/v1/auth/token", json={"email": trainee.email,
                                                      "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"
    # another account from the same address is not locked out by someone else's guessing
    other = client.post("/api/v1/auth/token", json={"email": "x@example.cn", "password": "x"})
    assert other.status_code == 401


def test_successful_logins_do_not_count(client, trainee, limits_on):
    for _ in range(15):
        response = client.post("/api/v1/auth/token", json={"email": trainee.email,
                                                           "password": PASSWORD})
        assert response.status_code == 200


def test_login_page_limits_failed_attempts(client, trainee, limits_on):
    token = csrf_token(client, "/login")
    for _ in range(10):
        client.post("/login", data={"email": trainee.email, "password": "guess-guess",
                                    "csrf_token": token})
    response = client.post("/login", data={"email": trainee.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)
