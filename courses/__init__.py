"""The training menu: platforms, institutions, occupations, courses, lessons, enrolment."""

from flask_babel import lazy_gettext as _l

_connected = False


def init_app(app) -> None:
    global _connected
    from core import labels, nav, signals
    from core.api import register
    from courses import api, cli, curation_views, lifecycle, models, search, views  # noqa: F401

    if not _connected:  # once per process; the receiver works on the current app's session
        signals.exam_passed.connect(lifecycle.on_exam_passed)
        _connected = True

    labels.register("course_mode", models.MODES)
    labels.register("level", models.LEVELS)
    labels.register("certificate_type", models.CERTIFICATE_TYPES)
    app.register_blueprint(views.bp)
    app.register_blueprint(curation_views.bp)
    register(app, api.blp)
    app.cli.add_command(cli.menu_cli)
    nav.add(app, "courses.menu", _l("Training menu"), order=10)
    nav.add(app, "courses.my_courses", _l("My courses"), roles=("trainee",), order=20)
    nav.add(app, "courses.teach", _l("My teaching"), roles=("instructor",), order=20)
    nav.add(app, "curation.index", _l("Menu curation"), roles=("officer",), order=60)
