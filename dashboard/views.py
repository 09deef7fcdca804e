"""The trainee dashboard, shown at "/" (core.views.index) to a logged-in trainee."""

from flask import render_template
from flask_login import current_user

from dashboard import service


def home():
    return render_template("dashboard/home.html", **service.trainee_home(current_user))
