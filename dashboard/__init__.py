"""The trainee's home page: each course with its next step in plain words."""


def init_app(app) -> None:
    from dashboard import views

    # core.views.index renders this for a logged-in trainee at "/".
    app.extensions.setdefault("skillbridge_home", {})["trainee"] = views.home
