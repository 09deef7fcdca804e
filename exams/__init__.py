"""Skill exams: question banks, timed attempts graded by the server, practical scoring."""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from core import nav
    from core.api import register
    from exams import api, bank_api, cli, models, teach_edit_views, teach_views, views  # noqa: F401

    app.register_blueprint(views.bp)
    register(app, api.blp)
    register(app, bank_api.blp)
    app.cli.add_command(cli.exams_cli)
    nav.add(app, "exams.my_exams", _l("My exams"), roles=("trainee",), order=25)
    nav.add(app, "exams.teach", _l("Exams"), roles=("instructor",), order=25)
