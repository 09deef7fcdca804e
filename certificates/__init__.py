"""Certificates: issuing, signing, PDF rendering, QR, verification, revocation."""

import os

from flask_babel import lazy_gettext as _l

from core.config import ConfigError

_connected = False


def _serving() -> bool:
    """True unless a `flask` command other than `run` is loading the app: those (keygen
    first of all) must work before a key exists; WSGI servers and `flask run` serve."""
    import click

    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.command.name == "run"


def _on_exam_passed(sender, *, trainee_id, course_id, exam_id, attempt_id, actor=None, **_kw):
    """A final passing result writes an outbox row in the same transaction and is issued at
    once when it can be; a failure to issue never rolls the result back."""
    from certificates import outbox

    outbox.record_pass(trainee_id=trainee_id, course_id=course_id, exam_id=exam_id,
                       attempt_id=attempt_id, actor=actor)


def init_app(app) -> None:
    global _connected
    from certificates import api, cli, fonts, jobs, keys, models, views  # noqa: F401
    from core import labels, nav, signals
    from core.api import register

    app.config.setdefault("CERTIFICATE_VALIDITY_YEARS", {"training_completion": 3})
    app.config.setdefault("CERTIFICATE_VERIFY_RATE_LIMIT", "60/minute")
    app.config.setdefault("CERTIFICATE_QUEUE",
                          os.environ.get("CERTIFICATE_QUEUE", "skillbridge-certificates"))
    app.config.setdefault("CERTIFICATE_VERIFY_CACHE_SECONDS",
                          0 if app.config.get("TESTING") else 5)
    fonts.check_font(app)
    development = app.config.get("ENV_NAME") == "development" or app.config.get("TESTING")
    store = keys.load(app, create=bool(development))
    if store.private is None:
        if not development and _serving():
            # Without a key every passing submit would fail: refuse to serve at all.
            raise ConfigError(
                "No certificate signing key in production: run `flask --app app certificates "
                "keygen` (writes the key under the instance folder's certificate_keys/) or set "
                "CERTIFICATE_SIGNING_KEY (Ed25519 private key, PEM) and CERTIFICATE_KEY_ID.")
        app.logger.warning("No certificate signing key: issuing will fail until "
                           "`flask certificates keygen` runs or CERTIFICATE_SIGNING_KEY is set.")
    app.extensions["certificate_keys"] = store
    if not _connected:  # once per process; the receiver works on the current app
        signals.exam_passed.connect(_on_exam_passed)
        _connected = True
    labels.register("certificate_status", models.STATUSES)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.well_known)
    register(app, api.blp)
    cli.init_app(app)
    jobs.init_app(app)
    nav.add(app, "certificates.mine", _l("My certificates"), roles=("trainee",), order=40)
    nav.add(app, "certificates.manage", _l("Certificates"), roles=("officer",), order=45)
    nav.add(app, "certificates.verify", _l("Verify a certificate"), order=80)
