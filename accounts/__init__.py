"""Users, roles, trainee profiles, login and registration."""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from accounts import api, cli, models, region_views, views
    from core import labels, nav
    from core.api import register
    from core.extensions import db, login_manager

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _sep, version = session_id.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(models.User, int(user_id))
        if user is None or not user.active or str(user.auth_version) != version:
            return None
        return user

    login_manager.login_message = _l("Please log in to continue.")
    labels.register("key_group", models.KEY_GROUPS)
    labels.register("key_group_status", models.KEY_GROUP_STATUS_TITLES)
    labels.register("role", models.ROLE_TITLES)
    app.register_blueprint(views.bp)
    app.register_blueprint(region_views.bp)
    register(app, api.blp)
    app.cli.add_command(cli.users_cli)
    nav.add(app, "accounts.admin_users", _l("Users"), roles=("admin",), order=90)
    nav.add(app, "officer_regions.officer_regions", _l("Officer regions"), roles=("admin",),
            order=91)
    nav.add(app, "accounts.reset_search", _l("Password resets"), roles=("officer",), order=95)
