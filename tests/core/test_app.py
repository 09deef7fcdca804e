"""Skeleton behaviour: config, security headers, error shapes, OpenAPI, language switch."""

import pytest

from app import create_app
from core.config import ConfigError


def test_missing_secret_key_outside_development_is_a_startup_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLBRIDGE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SKILLBRIDGE_INSTANCE", str(tmp_path))
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_missing_redis_url_in_production_is_a_startup_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLBRIDGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SKILLBRIDGE_INSTANCE", str(tmp_path))
    with pytest.raises(ConfigError, match="REDIS_URL must be set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_redis_url_backs_the_rate_limits(monkeypatch, tmp_path, app):
    from bench.production import production_env
    from core.extensions import db, limiter

    monkeypatch.setenv("SKILLBRIDGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("CERTIFICATE_SIGNING_KEY", production_env()["CERTIFICATE_SIGNING_KEY"])
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/7")
    monkeypatch.setenv("SKILLBRIDGE_INSTANCE", str(tmp_path))
    production = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    try:
        assert production.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/7"
        assert type(limiter.storage).__name__ == "RedisStorage"
    finally:
        with production.app_context():
            db.engine.dispose()
        limiter.init_app(app)  # the limiter object is shared: back to the suite's settings


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    from bench.production import production_env

    monkeypatch.setenv("SKILLBRIDGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("CERTIFICATE_SIGNING_KEY", production_env()["CERTIFICATE_SIGNING_KEY"])
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/7")
    monkeypatch.setenv("SKILLBRIDGE_INSTANCE", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]


def test_security_headers_on_pages(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_api_errors_have_the_contract_shape(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"]["code"] == "not_found" and "message" in body["error"]
    assert body["error"]["fields"] == {}


def test_malformed_json_is_a_clear_4xx(client):
    response = client.post("/api/v1/trainees", data="{not json",
                           content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["code"] in ("malformed_json", "validation_error")


def test_html_errors_are_friendly_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "404" in response.get_data(as_text=True)


def test_openapi_document_lists_the_contract_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/trainees", "/api/v1/menu",
                 "/api/v1/courses", "/api/v1/courses/{course_id}/publish",
                 "/api/v1/courses/{course_id}/enrolments", "/api/v1/me/enrolments",
                 "/api/v1/platforms", "/api/v1/occupations"):
        assert path in spec["paths"], path
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_language_switch_changes_the_page_language(client):
    client.get("/lang/en")
    assert "Training menu" in client.get("/").get_data(as_text=True)
    client.get("/lang/zh")
    assert "培训菜单" in client.get("/").get_data(as_text=True)


def test_language_switch_refuses_offsite_redirects(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
