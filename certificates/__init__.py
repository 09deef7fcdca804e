"""Certificates: issuing, signing, PDF rendering, QR, verification, revocation."""

import os

from flask_babel import lazy_gettext as _l

_connected = False


def _on_exam_passed(sender, *, trainee_id, course_id, exam_id, attempt_id, actor=None, **_kw):
    """A final passing result issues its certificate in the same transaction."""
    from certificates import service

    service.issue_for_attempt(trainee_id=trainee_id, course_id=course_id, exam_id=exam_id,
                              attempt_id=attempt_id, actor=actor)


def init_app(app) -> None:
    global _connected
    from certificates import api, cli, jobs, keys, models, pdf, views  # noqa: F401
    from core import labels, nav, signals
    from core.api import register

    app.config.setdefault("CERTIFICATE_VALIDITY_YEARS", {"training_completion": 3})
    app.config.setdefault("CERTIFICATE_VERIFY_RATE_LIMIT", "60/minute")
    app.config.setdefault("CERTIFICATE_QUEUE",
                          os.environ.get("CERTIFICATE_QUEUE", "skillbridge-certificates"))
    app.config.setdefault("CERTIFICATE_VERIFY_CACHE_SECONDS",
                          0 if app.config.get("TESTING") else 5)
    pdf.check_font(app)
    development = app.config.get("ENV_NAME") == "development" or app.config.get("TESTING")
    store = keys.load(app, create=bool(development))
    if store.private is None:
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
