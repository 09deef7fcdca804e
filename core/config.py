"""Configuration from environment variables, with safe development defaults."""

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot run the app safely."""


def _instance_secret(instance_path: str) -> str:
    # Development only: one random key kept in instance/ so restarts and several workers agree.
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the config dict: environment first, then explicit overrides (tests)."""
    overrides = dict(overrides or {})
    env_name = overrides.get("ENV_NAME") or os.environ.get("SKILLBRIDGE_ENV", "development")
    testing = bool(overrides.get("TESTING"))
    development = env_name == "development" or testing
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "skillbridge.db")
    )
    secret = os.environ.get("SECRET_KEY") or overrides.get("SECRET_KEY")
    if not secret:
        if not development:
            raise ConfigError("SECRET_KEY must be set when SKILLBRIDGE_ENV is not development")
        secret = _instance_secret(instance_path)
    redis_url = os.environ.get("REDIS_URL") or overrides.get("REDIS_URL") or None
    if not redis_url and not development:
        # Without a shared store each worker counts failed logins on its own (four workers let
        # four times the guesses through): refuse to start rather than run unprotected.
        raise ConfigError(f"REDIS_URL must be set when SKILLBRIDGE_ENV is {env_name}: rate "
                          "limits (failed logins, webhook signatures) are shared by all "
                          "workers through Redis")
    certificate_issue = os.environ.get("CERTIFICATE_ISSUE") or (
        "worker" if redis_url and not testing else "inline")
    if certificate_issue not in ("inline", "worker"):
        raise ConfigError("CERTIFICATE_ISSUE must be one of inline, worker")
    cfg = {
        "ENV_NAME": env_name,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # No pool_pre_ping: core.setup pings a pooled connection only after it sat idle or
        # when its socket shows the server closed it (pre-ping cost every request a round trip)
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "REDIS_URL": redis_url,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "API_TOKEN_TTL_SECONDS": int(os.environ.get("API_TOKEN_TTL_SECONDS", 12 * 3600)),
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh": "简体中文", "en": "English"},
        # Menu pages are kept per process until a menu table changes, and at most this long
        # (courses/menu_cache.py); 0 turns the cache off. Without Redis another process's
        # change (`flask menu import` beside `make run`) is seen only when this runs out.
        "MENU_CACHE_SECONDS": int(os.environ.get("MENU_CACHE_SECONDS",
                                                 60 if redis_url else 5)),
        # Who issues a passed exam's certificate: the submit request itself ("inline"), or the
        # RQ worker right after the result commits ("worker", so exam day's submits do not
        # queue behind signing); see certificates/outbox.py.
        "CERTIFICATE_ISSUE": certificate_issue,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # flask-smorest: the OpenAPI document is served at /api/v1/openapi.json
        "API_TITLE": "SkillBridge API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "TESTING": testing,
    }
    cfg.update(overrides)
    return cfg
