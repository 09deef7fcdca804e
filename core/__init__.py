"""Shared foundation: database, extensions, auth and roles, audit log, API plumbing."""


def init_app(app) -> None:
    from core import cli, templating, views

    templating.init_app(app)
    app.register_blueprint(views.bp)
    cli.init_app(app)
