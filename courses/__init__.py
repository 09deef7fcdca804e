"""The training menu: platforms, institutions, occupations, courses, lessons, enrolment."""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from core import labels, nav
    from core.api import register
    from courses import api, cli, curation_views, models, search, views  # noqa: F401

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
