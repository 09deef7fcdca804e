"""Menu pages for trainees and the public; course authoring pages for instructors."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from core import regions
from core.auth import INSTRUCTOR, OFFICER, TRAINEE, role_required
from core.errors import ServiceError
from core.extensions import db
from core.forms import choices, fill_region_choices, picking_region, show_service_error
from courses import lifecycle, providers, service
from courses.forms import CourseForm, LessonForm, MenuSearchForm
from courses.models import Lesson

bp = Blueprint("courses", __name__)
PER_PAGE = 20


occupation_choices = service.occupation_choices



def _region_choices(asked: str) -> list[tuple[str, str]]:
    """Anywhere; a trainee's own district and city; every province; and the code asked for
    (a shared link may name any district)."""
    own = []
    profile = getattr(current_user, "profile", None) if current_user.is_authenticated else None
    if profile is not None:
        code, city = profile.region_code, profile.region_code[:4] + "00"
        own = [(code, _("Where I live: %(region)s", region=regions.full_name(code)))]
        if city != code:
            own.append((city, regions.full_name(city)))
    listed = dict(own)
    provinces = [(c, n) for c, n in regions.children() if c not in listed]
    found = [("", _("Anywhere"))] + own + provinces
    if asked and asked not in dict(found):
        found.append((asked, regions.full_name(asked)))
    return found


@bp.get("/menu")
def menu():
    form = MenuSearchForm(request.args)
    form.occupation.choices = occupation_choices(_("Any occupation"))
    form.region.choices = _region_choices(request.args.get("region", ""))
    if request.args and not form.validate():
        return render_template("courses/menu.html", form=form, page=None), 422
    filters = service.MenuFilters(
        q=form.q.data or None, occupation=form.occupation.data or None,
        level=int(form.level.data) if form.level.data else None, mode=form.mode.data or None,
        region=form.region.data or None,
        subsidised={"1": True, "0": False}.get(form.subsidised.data or ""))
    page_number = request.args.get("page", 1, type=int)
    page = service.menu_page(filters, max(page_number, 1), PER_PAGE, str(get_locale()))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("courses/menu.html", form=form, page=page, args=args,
                           pages=max((page["total"] + PER_PAGE - 1) // PER_PAGE, 1))


@bp.get("/courses/<int:course_id>")
def detail(course_id: int):
    course = service.get_course(course_id, current_user if current_user.is_authenticated
                                else None)
    enrolment = None
    if current_user.is_authenticated and current_user.role == TRAINEE:
        enrolment = service.enrolment_for(current_user.id, course.id)
    return render_template("courses/detail.html", course=course, enrolment=enrolment,
                           locale=str(get_locale()))


@bp.post("/courses/<int:course_id>/enrol")
@role_required(TRAINEE)
def enrol(course_id: int):
    try:
        service.enrol(current_user, course_id)
    except ServiceError as error:
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
        return redirect(url_for("courses.detail", course_id=course_id))
    flash(_("You are enrolled. The course is now under My courses."), "success")
    return redirect(url_for("courses.my_courses"))


@bp.get("/my/courses")
@role_required(TRAINEE)
def my_courses():
    rows = [(e, service.attendance_summary(e)) for e in service.my_enrolments(current_user)]
    return render_template("courses/my_courses.html", rows=rows)


@bp.post("/my/courses/<int:enrolment_id>/withdraw")
@role_required(TRAINEE)
def withdraw(enrolment_id: int):
    try:
        lifecycle.withdraw(current_user, enrolment_id)
    except ServiceError as error:
        if error.status in (403, 404):
            abort(error.status)
        flash(error.message, "error")
    else:
        flash(_("You have withdrawn from the course. You may enrol again later."), "success")
    return redirect(url_for("courses.my_courses"))


@bp.post("/courses/<int:course_id>/archive")
@role_required(INSTRUCTOR, OFFICER)
def archive(course_id: int):
    course = service.get_course(course_id, current_user)
    try:
        lifecycle.archive(current_user, course)
    except ServiceError as error:
        abort(error.status)
    flash(_("Archived: the course is off the menu and takes no new enrolments or exam "
            "attempts."), "success")
    return redirect(url_for("courses.detail", course_id=course.id))


@bp.get("/teach")
@role_required(INSTRUCTOR)
def teach():
    return render_template("courses/teach.html", courses=service.courses_taught_by(current_user),
                           my_providers=providers.providers_of(current_user))


def provider_choices(user) -> list:
    """Only the providers an officer assigned this instructor to."""
    pairs = [(f"{kind}:{p.id}", f"{_('Institution') if kind == 'institution' else _('Platform')}"
              f": {p.name}") for kind, p in providers.providers_of(user)]
    return choices(pairs or [("", _("None yet: ask a subsidy officer to assign you"))])


def _provider_data(value: str | None) -> dict:
    kind, _sep, ident = (value or "").partition(":")
    if kind in providers.KINDS and ident.isdigit():
        return {"provider": {"kind": kind, "id": int(ident)}}
    return {}


def _course_data(form: CourseForm) -> dict:
    return {**_provider_data(form.provider.data),
        "title": form.title.data, "occupation_code": form.occupation_code.data,
        "level": form.level.data, "mode": form.mode.data,
        "required_hours": form.required_hours.data, "region_code": form.region_code.data,
        "subsidised": form.subsidised.data, "fee_fen": (form.fee_yuan.data or 0) * 100,
        "attendance_threshold": form.attendance_threshold.data,
        "certificate_type": form.certificate_type.data, "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data, "description_html": form.description_html.data or "",
    }


@bp.route("/teach/courses/new", methods=["GET", "POST"])
@role_required(INSTRUCTOR)
def new_course():
    form = CourseForm()
    form.occupation_code.choices = occupation_choices()
    form.provider.choices = provider_choices(current_user)
    fill_region_choices(form, whole_areas=True)
    picking = picking_region()
    if not picking and form.validate_on_submit():
        try:
            course = service.create_course(current_user, _course_data(form))
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Draft course created. Add lessons, then publish it."), "success")
            return redirect(url_for("courses.edit_course", course_id=course.id))
    return render_template("courses/course_form.html", form=form, course=None), \
        422 if form.is_submitted() and not picking else 200


@bp.route("/teach/courses/<int:course_id>", methods=["GET", "POST"])
@role_required(INSTRUCTOR)
def edit_course(course_id: int):
    course = service.get_course(course_id, current_user)
    service.require_instructor(course, current_user)
    form = CourseForm(obj=course)
    form.occupation_code.choices = occupation_choices()
    form.provider.choices = provider_choices(current_user)
    if not form.is_submitted():
        form.occupation_code.data = course.occupation.code
        key = providers.provider_key(course)
        form.provider.data = f"{key[0]}:{key[1]}" if key else ""
    if course.provider and f"{course.provider['kind']}:{course.provider['id']}" not in \
            [choice.value for choice in form.provider.choices]:
        # Kept as it is (a co-instructor's provider); they cannot move it elsewhere.
        form.provider.choices += choices([(f"{course.provider['kind']}:{course.provider['id']}",
                                           course.provider["name"])])
        form.fee_yuan.data = course.fee_fen // 100
    fill_region_choices(form, whole_areas=True)
    picking = picking_region()
    if not picking and form.validate_on_submit():
        try:
            service.update_course(current_user, course, _course_data(form))
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Course saved."), "success")
            return redirect(url_for("courses.edit_course", course_id=course.id))
    return render_template("courses/course_form.html", form=form, course=course,
                           lesson_form=LessonForm()), \
        422 if form.is_submitted() and not picking else 200


@bp.post("/teach/courses/<int:course_id>/publish")
@role_required(INSTRUCTOR)
def publish(course_id: int):
    course = service.get_course(course_id, current_user)
    try:
        service.publish_course(current_user, course)
    except ServiceError as error:
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
    else:
        flash(_("Published: the course is on the menu."), "success")
    return redirect(url_for("courses.edit_course", course_id=course.id))


@bp.post("/courses/<int:course_id>/approve")
@role_required(OFFICER)
def approve(course_id: int):
    course = service.get_course(course_id, current_user)
    try:
        providers.approve(current_user, course)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Approved: this course's exams may now be taken and issue certificates."),
              "success")
    return redirect(url_for("courses.detail", course_id=course.id))


@bp.post("/courses/<int:course_id>/withdraw-approval")
@role_required(OFFICER)
def withdraw_approval(course_id: int):
    course = service.get_course(course_id, current_user)
    providers.withdraw_by_officer(current_user, course)
    flash(_("Approval withdrawn: no new exam attempts until the course is approved again."),
          "success")
    return redirect(url_for("courses.detail", course_id=course.id))


def _lesson_data(form: LessonForm) -> dict:
    return {name: getattr(form, name).data for name in
            ("title", "kind", "video_url", "document_url", "duration_minutes",
             "description_html")}


@bp.route("/teach/courses/<int:course_id>/lessons/new", methods=["GET", "POST"])
@bp.route("/teach/courses/<int:course_id>/lessons/<int:lesson_id>", methods=["GET", "POST"])
@role_required(INSTRUCTOR)
def lesson_form(course_id: int, lesson_id: int | None = None):
    course = service.get_course(course_id, current_user)
    service.require_instructor(course, current_user)
    lesson = db.session.get(Lesson, lesson_id) if lesson_id else None
    if lesson_id and (lesson is None or lesson.course_id != course.id):
        abort(404)
    form = LessonForm(obj=lesson)
    if form.validate_on_submit():
        try:
            service.save_lesson(current_user, course, _lesson_data(form), lesson)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Lesson saved."), "success")
            return redirect(url_for("courses.edit_course", course_id=course.id))
    return render_template("courses/lesson_form.html", form=form, course=course, lesson=lesson), \
        422 if form.is_submitted() else 200
