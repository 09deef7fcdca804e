"""Attendance: recorded lessons, offline classes and live-stream classes, gating the exam."""

import os

from flask_babel import lazy_gettext as _l

DEFAULTS = {
    "ATTENDANCE_HEARTBEAT_SECONDS": 30,  # lesson and live pages send a heartbeat this often
    "ATTENDANCE_PRESENCE_TOLERANCE_SECONDS": 150,  # heartbeat gaps bridged as presence
    "ATTENDANCE_WEBHOOK_TOLERANCE_SECONDS": 300,  # signature timestamp window
    "ATTENDANCE_WEBHOOK_GRACE_SECONDS": 24 * 3600,  # old secret valid after a rotation
    "ATTENDANCE_WEBHOOK_MAX_EVENTS": 1000,
    "ATTENDANCE_WEBHOOK_MAX_BYTES": 512 * 1024,
    "LESSON_MEDIA_MAX_VIDEO_BYTES": 500 * 1024 * 1024,
    "LESSON_MEDIA_MAX_DOCUMENT_BYTES": 20 * 1024 * 1024,
    # failed signatures per platform and sending address, then 429 until the minute is over
    "ATTENDANCE_WEBHOOK_BAD_SIGNATURES_PER_MINUTE": 20,
}


def init_app(app) -> None:
    from attendance import (  # noqa: F401  (offline_api adds routes to api.blp)
        api,
        classroom,
        cli,
        media_views,
        models,
        offline_api,
        service,
        summary_store,
        views,
    )
    from core import labels, nav
    from core.api import register

    labels.register("live_adapter", models.ADAPTER_TITLES)
    for key, value in DEFAULTS.items():  # environment variables of the same name override
        app.config.setdefault(key, int(os.environ.get(key, value)))
    app.extensions["attendance_summary"] = lambda enrolment: service.summary(
        enrolment.trainee_id, enrolment.course)
    app.extensions["attendance_gate"] = lambda enrolment: service.stored_summary(
        enrolment.trainee_id, enrolment.course)
    app.extensions["attendance_lesson_changed"] = summary_store.lesson_changed
    # Lesson uploads may exceed MAX_CONTENT_LENGTH: raise the limit for those two endpoints
    # before anything (the CSRF check) reads the body.
    app.before_request_funcs.setdefault(None, []).insert(0, media_views.allow_large_upload)
    app.register_blueprint(views.bp)
    register(app, api.blp)
    app.cli.add_command(cli.live_cli)
    app.cli.add_command(cli.attendance_cli)
    nav.add(app, "attendance.upcoming", _l("Live classes"), roles=("trainee",), order=25)
    nav.add(app, "attendance.platforms", _l("Live platforms"), roles=("officer",), order=65)
    app.jinja_env.filters["local_iso"] = _local_iso


def _local_iso(value: str | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """An ISO 8601 string from a sheet, shown in Beijing time."""
    from datetime import datetime

    from core.templating import local_datetime

    return local_datetime(datetime.fromisoformat(value), fmt) if value else "—"
