"""Menu and course API."""

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import select

from core.api import PageArgs, api_blueprint, paginate
from core.auth import INSTRUCTOR, OFFICER, TRAINEE, api_auth, current_api_user
from core.timeutil import iso
from courses import lifecycle, providers, service
from courses.models import Course, Institution, Occupation, Platform
from courses.schemas import (
    AssignInstructorSchema,
    CourseCreateSchema,
    CourseDetailSchema,
    CourseUpdateSchema,
    EnrolmentCreatedSchema,
    IdSchema,
    InstitutionPageSchema,
    LessonSchema,
    MenuArgs,
    MenuPageSchema,
    MyEnrolmentPageSchema,
    OccupationPageSchema,
    PlatformPageSchema,
    ProviderInstructorsSchema,
)

blp = api_blueprint("courses_api", __name__, "Training menu, courses, lessons, enrolment")


occupation_ref = service.occupation_ref


def course_brief(course: Course) -> dict:
    return {
        "id": course.id, "title": course.title, "occupation": occupation_ref(course.occupation),
        "level": course.level, "mode": course.mode, "required_hours": course.required_hours,
        "provider": course.provider, "subsidised": course.subsidised,
        "region_code": course.region_code, "fee_fen": course.fee_fen,
        "certificate_type": course.certificate_type, "status": course.status,
    }


def approval_payload(course: Course) -> dict:
    by = course.approved_by
    return {"needed": course.issues_certificates, "approved": course.approved_at is not None,
            "approved_at": iso(course.approved_at),
            "approved_by": {"id": by.id, "name": by.name} if by is not None else None}


def course_detail(course: Course) -> dict:
    return {**course_brief(course), "approval": approval_payload(course),
            "description_html": course.description_html,
            "attendance_threshold": course.attendance_threshold,
            "required_minutes": course.required_minutes,
            "lessons": [lesson_payload(lesson) for lesson in course.lessons]}


def lesson_payload(lesson) -> dict:
    return {k: getattr(lesson, k) for k in ("id", "position", "title", "kind", "video_url",
                                            "document_url", "duration_minutes",
                                            "description_html")}


@blp.route("/menu", methods=["GET"])
# One schema instance for every request (a class would be instantiated, its fields bound, on
# each): the menu is the busiest public read.
@blp.arguments(MenuArgs(), location="query")
@blp.response(200, MenuPageSchema)
def menu(args):
    """Published courses, searchable and filterable. Public."""
    page, per_page = args.pop("page"), args.pop("per_page")
    # The schema documents the shape; the body is the JSON that service.menu_page_json keeps
    # with the cached page (no marshmallow pass, no second encoding of a page served again).
    body = service.menu_page_json(service.MenuFilters(**args), page, per_page,
                                  str(get_locale()))
    return current_app.response_class(body, mimetype="application/json")


@blp.route("/courses/<int:course_id>", methods=["GET"])
@blp.response(200, CourseDetailSchema)
def get_course(course_id):
    """One course with its lessons (drafts only to their instructors and officers)."""
    return course_detail(service.get_course(course_id, current_api_user()))


@blp.route("/courses", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(CourseCreateSchema)
@blp.response(201, IdSchema)
def create_course(args):
    """Create a draft course; the caller becomes its instructor."""
    course = service.create_course(current_api_user(), args)
    return {"id": course.id}


@blp.route("/courses/<int:course_id>", methods=["PATCH"])
@api_auth(INSTRUCTOR)
@blp.arguments(CourseUpdateSchema(partial=True))
@blp.response(200, CourseDetailSchema)
def update_course(args, course_id):
    """Edit a course you teach."""
    user = current_api_user()
    course = service.get_course(course_id, user)
    return course_detail(service.update_course(user, course, args))


@blp.route("/courses/<int:course_id>/publish", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.response(200, CourseDetailSchema)
def publish_course(course_id):
    """Publish a course you teach: it appears on the menu."""
    user = current_api_user()
    course = service.get_course(course_id, user)
    return course_detail(service.publish_course(user, course))


@blp.route("/courses/<int:course_id>/lessons", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(LessonSchema)
@blp.response(201, LessonSchema)
def create_lesson(args, course_id):
    """Add a lesson to a course you teach (description HTML is sanitised)."""
    user = current_api_user()
    course = service.get_course(course_id, user)
    return lesson_payload(service.save_lesson(user, course, args))


@blp.route("/courses/<int:course_id>/enrolments", methods=["POST"])
@api_auth(TRAINEE)
@blp.response(201, EnrolmentCreatedSchema)
def enrol(course_id):
    """Enrol the calling trainee; twice → 409, a draft course → 404."""
    enrolment = service.enrol(current_api_user(), course_id)
    return {"enrolment_id": enrolment.id, "course_id": course_id, "status": enrolment.status}


@blp.route("/me/enrolments/<int:enrolment_id>/withdraw", methods=["POST"])
@api_auth(TRAINEE)
@blp.response(200, EnrolmentCreatedSchema)
def withdraw(enrolment_id):
    """Leave a course: attendance stops counting and its exams close to you; enrolling again
    reactivates the same enrolment."""
    enrolment = lifecycle.withdraw(current_api_user(), enrolment_id)
    return {"enrolment_id": enrolment.id, "course_id": enrolment.course_id,
            "status": enrolment.status}


@blp.route("/courses/<int:course_id>/archive", methods=["POST"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.response(200, CourseDetailSchema)
def archive_course(course_id):
    """Archive a course (its instructors or an officer): off the menu, no new enrolments or
    exam attempts; results and certificates stay."""
    user = current_api_user()
    return course_detail(lifecycle.archive(user, service.get_course(course_id, user)))


@blp.route("/me/enrolments", methods=["GET"])
@api_auth(TRAINEE)
@blp.arguments(PageArgs, location="query")
@blp.response(200, MyEnrolmentPageSchema)
def my_enrolments(args):
    """The caller's enrolments with an attendance summary per course."""
    from courses.models import Enrolment

    stmt = (select(Enrolment).where(Enrolment.trainee_id == current_api_user().id)
            .order_by(Enrolment.id.desc()))
    return paginate(stmt, args["page"], args["per_page"], lambda e: {
        "enrolment_id": e.id, "status": e.status, "enrolled_at": iso(e.created_at),
        "course": course_brief(e.course), "attendance": service.attendance_summary(e)})


@blp.route("/platforms", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, PlatformPageSchema)
def platforms(args):
    """Recommended online training platforms. Public."""
    stmt = select(Platform).where(Platform.active.is_(True)).order_by(Platform.name)
    return paginate(stmt, args["page"], args["per_page"], lambda p: {
        k: getattr(p, k) for k in ("id", "name", "website", "description", "recommended_by",
                                   "recommended_on", "active")})


@blp.route("/occupations", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, OccupationPageSchema)
def occupations(args):
    """Occupations with their national codes and levels. Public."""
    stmt = select(Occupation).order_by(Occupation.code)
    return paginate(stmt, args["page"], args["per_page"], lambda o: {
        **occupation_ref(o), "id": o.id, "levels": o.level_list,
        "shortage_regions": [s.region_prefix for s in o.shortages]})


@blp.route("/institutions", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, InstitutionPageSchema)
def institutions(args):
    """Licensed training institutions. Public."""
    stmt = select(Institution).where(Institution.active.is_(True)).order_by(Institution.name)
    return paginate(stmt, args["page"], args["per_page"], lambda i: {
        k: getattr(i, k) for k in ("id", "name", "region_code", "licence_number", "active")})



@blp.route("/courses/<int:course_id>/approve", methods=["POST"])
@api_auth(OFFICER)
@blp.response(200, CourseDetailSchema)
def approve_course(course_id):
    """Approve a course to issue certificates: its exams can be started from now on."""
    user = current_api_user()
    return course_detail(providers.approve(user, service.get_course(course_id, user)))


@blp.route("/courses/<int:course_id>/approval", methods=["DELETE"])
@api_auth(OFFICER)
@blp.response(200, CourseDetailSchema)
def withdraw_approval(course_id):
    """Withdraw the approval: no new exam attempts until an officer approves again."""
    user = current_api_user()
    return course_detail(providers.withdraw_by_officer(user, service.get_course(course_id, user)))


def _instructors_payload(kind: str, provider_id: int) -> dict:
    provider = providers.get_provider(kind, provider_id)
    return {"kind": kind, "id": provider.id, "name": provider.name,
            "instructors": [{"id": u.id, "name": u.name}
                            for u in providers.instructors_of(kind, provider.id)]}


def _provider_routes(kind: str, plural: str) -> None:
    """GET/POST /<plural>/{id}/instructors and DELETE .../{user_id}, for officers."""

    def listing(provider_id):
        return _instructors_payload(kind, provider_id)

    def assign(args, provider_id):
        providers.assign_instructor(current_api_user(), kind, provider_id, args["user_id"])
        return _instructors_payload(kind, provider_id)

    def remove(provider_id, user_id):
        providers.remove_instructor(current_api_user(), kind, provider_id, user_id)
        return _instructors_payload(kind, provider_id)

    listing.__doc__ = f"Instructors who may publish under this {kind}."
    assign.__doc__ = f"Assign an instructor to this {kind} (idempotent)."
    remove.__doc__ = f"Take an instructor off this {kind}."
    path = f"/{plural}/<int:provider_id>/instructors"
    blp.route(path, methods=["GET"], endpoint=f"{kind}_instructors")(
        api_auth(OFFICER)(blp.response(200, ProviderInstructorsSchema)(listing)))
    blp.route(path, methods=["POST"], endpoint=f"assign_{kind}_instructor")(
        api_auth(OFFICER)(blp.arguments(AssignInstructorSchema)(
            blp.response(200, ProviderInstructorsSchema)(assign))))
    blp.route(path + "/<int:user_id>", methods=["DELETE"], endpoint=f"remove_{kind}_instructor")(
        api_auth(OFFICER)(blp.response(200, ProviderInstructorsSchema)(remove)))


_provider_routes("institution", "institutions")
_provider_routes("platform", "platforms")
