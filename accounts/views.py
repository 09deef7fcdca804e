"""Account pages: login, logout, registration, password change and reset, user administration."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from accounts import service
from accounts.forms import (
    ConfirmForm,
    ForgotForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    RegistrationForm,
    StaffForm,
    TraineeSearchForm,
)
from accounts.models import ROLE_TITLES, User
from core import regions
from core.api import paginate
from core.auth import ADMIN, OFFICER, STAFF_ROLES, role_required
from core.errors import ServiceError
from core.extensions import db, limiter
from core.forms import choices, fill_region_choices, picking_region, show_service_error
from core.views import safe_next

bp = Blueprint("accounts", __name__)
USERS_PER_PAGE = 50
# Pages a user who must replace a temporary password may still open.
_WHILE_MUST_CHANGE = {"accounts.account", "accounts.logout", "accounts.privacy", "static",
                      "core.set_language"}


@bp.before_app_request
def require_new_password():
    # The path first: API calls (bearer tokens; `core.auth` holds their callers to the same
    # rule) then skip loading the page session's user here.
    if (not request.path.startswith("/api/") and request.endpoint not in _WHILE_MUST_CHANGE
            and current_user.is_authenticated and current_user.must_change_password):
        return redirect(url_for("accounts.account"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"], deduct_when=lambda r: r.status_code != 302)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user:
            login_user(user)
            if user.must_change_password:
                flash(_("Choose a new password to continue."), "warning")
                return redirect(url_for("accounts.account"))
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("core.index")))
        flash(_("The login or password is wrong."), "error")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    service.logout(current_user._get_current_object())
    logout_user()
    flash(_("You have logged out."), "success")
    return redirect(url_for("core.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def register():
    form = RegistrationForm()
    fill_region_choices(form)
    picking = picking_region()
    if not picking and form.validate_on_submit():
        data = service.Registration(
            email=form.email.data or None, password=form.password.data, name=form.name.data,
            id_number=form.id_number.data, phone=form.phone.data,
            region_code=form.region_code.data, key_groups=form.key_groups.data or [],
            consent=bool(form.consent.data))
        try:
            user = service.register_trainee(data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            login_user(user)
            flash(_("Your account is ready. Browse the training menu to enrol."), "success")
            return redirect(url_for("courses.menu"))
    status = 422 if form.is_submitted() and not picking else 200
    return render_template("accounts/register.html", form=form,
                           privacy_version=service.PRIVACY_VERSION), status


@bp.get("/regions.json")
def region_children():
    """The children of a province or city, for the registration page's selects."""
    parent = request.args.get("parent", "")
    if parent and not (parent.isdigit() and len(parent) == 6 and regions.is_known(parent)):
        abort(404)
    items = regions.children(parent or None)
    if parent and not items and not parent.endswith("0000"):
        items = [(parent, regions.name(parent))]
    return jsonify(items=[{"code": c, "name": n} for c, n in items])


@bp.get("/privacy")
def privacy():
    return render_template("accounts/privacy.html", version=service.PRIVACY_VERSION)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            service.change_password(user, form.current_password.data, form.new_password.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            # this session carries the new auth_version; every other one has ended
            login_user(user)
            flash(_("Password changed. Other sessions and API tokens were signed out."),
                  "success")
            return redirect(url_for("accounts.account"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/account.html", form=form, user=current_user), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5/hour", methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        # The configured public address, never the request's Host header (a forged Host would
        # otherwise put an attacker's link in the mail).
        base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
        service.email_reset(form.email.data, lambda token: base + url_for(
            "accounts.reset_password", token=token))
        # The same answer whether or not the email is registered.
        flash(_("If an account has this email, a reset link is on its way. No email? An "
                "officer can reset your password after checking your ID."), "success")
        return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def reset_password(token: str):
    user = service.user_for_reset_token(token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            service.reset_with_token(token, form.password.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            logout_user()
            flash(_("Password changed. Log in with the new password."), "success")
            return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/reset.html", form=form), status


@bp.get("/accounts/reset")
@role_required(OFFICER, ADMIN)
def reset_search():
    form = TraineeSearchForm(request.args)
    found = (service.find_trainees(form.q.data, current_user._get_current_object())
             if form.q.data and form.validate() else [])
    return render_template("accounts/reset_search.html", form=form, found=found,
                           button=ConfirmForm(), searched=bool(form.q.data))


@bp.post("/accounts/reset/<int:user_id>")
@role_required(OFFICER, ADMIN)
def reset_by_officer(user_id: int):
    form = ConfirmForm()
    user = db.session.get(User, user_id) if user_id < 2**31 else None
    if user is None or (user.role != "trainee" and current_user.role != ADMIN):
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    temporary = service.officer_reset(current_user._get_current_object(), user)
    return render_template("accounts/reset_done.html", user=user, temporary=temporary)


@bp.route("/admin/users", methods=["GET", "POST"])
@role_required(ADMIN)
def admin_users():
    form = StaffForm()
    form.role.choices = choices((r, ROLE_TITLES[r]) for r in STAFF_ROLES)
    if form.validate_on_submit():
        try:
            user = service.create_staff(current_user, form.role.data, form.email.data,
                                        form.password.data, form.name.data,
                                        organisation=form.organisation.data or None,
                                        phone=form.phone.data or None)
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
                           query=query, role=role, roles=ROLE_TITLES,
                           button=ConfirmForm()), status


@bp.post("/admin/users/<int:user_id>/<any(deactivate, reactivate):action>")
@role_required(ADMIN)
def set_active(user_id: int, action: str):
    form = ConfirmForm()
    user = db.session.get(User, user_id) if user_id < 2**31 else None
    if user is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    try:
        service.set_active(current_user._get_current_object(), user, action == "reactivate")
    except ServiceError as error:
        flash(error.message, "error")  # nothing was changed
        return redirect(url_for("accounts.admin_users"))
    flash(_("Account %(who)s reactivated.", who=user.email or user.phone_masked)
          if action == "reactivate" else
          _("Account %(who)s deactivated: every session has ended.",
            who=user.email or user.phone_masked), "success")
    return redirect(url_for("accounts.admin_users"))
