"""Account pages: login, logout, registration, password change, staff administration."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from accounts import service
from accounts.forms import LoginForm, PasswordChangeForm, RegistrationForm, StaffForm
from accounts.models import ROLE_TITLES
from core.api import paginate
from core.auth import ADMIN, STAFF_ROLES, role_required
from core.errors import ServiceError
from core.extensions import limiter
from core.forms import choices, show_service_error
from core.views import safe_next

bp = Blueprint("accounts", __name__)
USERS_PER_PAGE = 50



@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"], deduct_when=lambda r: r.status_code != 302)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user:
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("core.index")))
        flash(_("Email or password is wrong."), "error")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "success")
    return redirect(url_for("core.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def register():
    form = RegistrationForm()
    if form.validate_on_submit():
        data = service.Registration(
            email=form.email.data, password=form.password.data, name=form.name.data,
            id_number=form.id_number.data, phone=form.phone.data,
            region_code=form.region_code.data, key_groups=form.key_groups.data or [])
        try:
            user = service.register_trainee(data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            login_user(user)
            flash(_("Your account is ready. Browse the training menu to enrol."), "success")
            return redirect(url_for("courses.menu"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data,
                                    form.new_password.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            # the session must carry the new auth_version (pass the user, not the proxy)
            login_user(current_user._get_current_object())
            flash(_("Password changed. Other sessions and API tokens were signed out."),
                  "success")
            return redirect(url_for("accounts.account"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/account.html", form=form, user=current_user), status


@bp.route("/admin/users", methods=["GET", "POST"])
@role_required(ADMIN)
def admin_users():
    form = StaffForm()
    form.role.choices = choices((r, ROLE_TITLES[r]) for r in STAFF_ROLES)
    if form.validate_on_submit():
        try:
            user = service.create_staff(current_user, form.role.data, form.email.data,
                                        form.password.data, form.name.data,
                                        organisation=form.organisation.data or None)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("accounts.admin_users"))
    query = request.args.get("q", "")[:100]
    role = request.args.get("role") or ""
    number = min(max(request.args.get("page", 1, type=int), 1), 10**6)
    page = paginate(service.list_users(role, query), number, USERS_PER_PAGE)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/admin_users.html", form=form, users=page["items"],
                           page=page, pages=max((page["total"] + USERS_PER_PAGE - 1)
                                                // USERS_PER_PAGE, 1),
                           query=query, role=role, roles=ROLE_TITLES), status
