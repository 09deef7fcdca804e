"""Reports, annual targets, employment follow-up and enterprise demand orders."""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from core import nav
    from core.api import register
    from reports import api, cli, models, views, views_people  # noqa: F401
    from reports.blueprint import bp

    app.register_blueprint(bp)
    register(app, api.blp)
    app.cli.add_command(cli.reports_cli)
    nav.add(app, "reports.index", _l("Reports"), roles=("officer",), order=70)
    nav.add(app, "reports.follow_ups", _l("Follow-up"), roles=("officer",), order=72)
    nav.add(app, "reports.orders", _l("Demand orders"),
            roles=("officer", "enterprise", "instructor"), order=74)
    nav.add(app, "reports.my_employment", _l("My job"), roles=("trainee",), order=40)
    nav.add(app, "reports.review_employment", _l("Jobs to confirm"), roles=("enterprise",),
            order=76)
