"""Production refuses to start without a certificate signing key (every passing submit would
fail and roll its result back); the error names the command and the variables that fix it."""

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import create_app
from core.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]


REDIS_URL = "redis://127.0.0.1:6379/7"  # production also requires shared rate limits


@pytest.fixture
def production(monkeypatch, tmp_path, app):
    from core.extensions import limiter

    monkeypatch.setenv("SKILLBRIDGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("SKILLBRIDGE_INSTANCE", str(tmp_path))
    monkeypatch.delenv("CERTIFICATE_SIGNING_KEY", raising=False)
    monkeypatch.delenv("CERTIFICATE_KEY_ID", raising=False)
    yield tmp_path
    limiter.init_app(app)  # the limiter object is shared: back to the suite's settings


def test_production_without_a_signing_key_does_not_start(production):
    with pytest.raises(ConfigError) as raised:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    message = str(raised.value)
    assert "flask --app app certificates keygen" in message
    assert "CERTIFICATE_SIGNING_KEY" in message and "CERTIFICATE_KEY_ID" in message
    assert not (production / "certificate_keys").exists()  # no key made behind the back


def test_production_starts_with_a_key_from_the_environment(production, monkeypatch):
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    monkeypatch.setenv("CERTIFICATE_SIGNING_KEY", pem)
    monkeypatch.setenv("CERTIFICATE_KEY_ID", "sb-prod-1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.extensions["certificate_keys"].active_id == "sb-prod-1"


def test_the_named_command_makes_a_key_and_then_production_starts(production):
    """`flask certificates keygen` itself must run in production before any key exists."""
    env = {"PATH": "/usr/bin:/bin", "SKILLBRIDGE_ENV": "production", "SECRET_KEY": "x" * 32,
           "SKILLBRIDGE_INSTANCE": str(production), "REDIS_URL": REDIS_URL,
           "DATABASE_URL": f"sqlite:///{production}/db.sqlite"}
    flask = str(Path(sys.executable).parent / "flask")
    made = subprocess.run([flask, "--app", "app", "certificates", "keygen"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert list((production / "certificate_keys").glob("*.key"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.extensions["certificate_keys"].private is not None
