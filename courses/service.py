"""Menu and course operations: search, course authoring, publishing, lessons, enrolment."""

import nh3
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit, regions
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.timeutil import now_utc
from courses import lifecycle, providers
from courses.menu import (  # noqa: F401  (the feature's API)
    MenuFilters,
    menu_page,
    menu_page_json,
    region_clause,
)
from courses.models import (
    CERTIFICATE_TYPES,
    MODES,
    Course,
    CourseInstructor,
    Enrolment,
    Institution,
    Lesson,
    Occupation,
    Platform,
)

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "a", "blockquote", "code"}


def sanitise_html(html: str | None) -> str:
    """Instructor-written HTML, cleaned by nh3 (Ammonia): no scripts, styles or handlers."""
    return nh3.clean(html or "", tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def occupation_by_code(code: str) -> Occupation | None:
    return db.session.scalar(select(Occupation).where(Occupation.code == code))


def get_course(course_id: int, viewer=None) -> Course:
    """A course visible to `viewer`: published and archived ones (read-only: enrolled trainees
    keep their page) to all, drafts to their instructors and officers."""
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound(_("No such course."))
    if course.status == "draft":
        role = getattr(viewer, "role", None)
        if not (role in ("officer", "admin") or (role == "instructor"
                                                 and course.is_instructor(viewer))):
            raise NotFound(_("No such course."))
    return course


def require_instructor(course: Course, user) -> None:
    if not (user.role == "instructor" and course.is_instructor(user)):
        raise Forbidden(_("Only the course's instructors may change it."))


COURSE_FIELDS = ["title", "description_html", "occupation_id", "level", "mode", "required_hours",
                 "region_code", "subsidised", "fee_fen", "attendance_threshold",
                 "certificate_type", "platform_id", "institution_id", "starts_on", "ends_on"]


def _course_values(data: dict, current: Course | None = None) -> dict:
    """Validate course fields (given as plain values) into column values; 422 on any error."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    if "occupation_code" in data:
        occupation = occupation_by_code(data["occupation_code"])
        if occupation is None:
            errors["occupation_code"] = [_("Unknown occupation code.")]
        else:
            values["occupation_id"] = occupation.id
    else:
        occupation = current.occupation if current else None
    level = data.get("level", current.level if current else None)
    if level is not None and occupation is not None and level not in occupation.level_list:
        errors["level"] = [_("This occupation has no level %(level)s.", level=level)]
    if "mode" in data and data["mode"] not in MODES:
        errors["mode"] = [_("Unknown mode.")]
    if "certificate_type" in data and data["certificate_type"] not in CERTIFICATE_TYPES:
        errors["certificate_type"] = [_("Unknown certificate type.")]
    if "region_code" in data and not regions.is_code(data["region_code"]):
        errors["region_code"] = [_("Region code must be a 6-digit administrative division code.")]
    if "platform_id" in data and data["platform_id"] is not None \
            and db.session.get(Platform, data["platform_id"]) is None:
        errors["platform_id"] = [_("Unknown platform.")]
    if "institution_id" in data and data["institution_id"] is not None \
            and db.session.get(Institution, data["institution_id"]) is None:
        errors["institution_id"] = [_("Unknown institution.")]
    if data.get("platform_id") and data.get("institution_id"):
        errors["platform_id"] = [_("A course has one provider: a platform or an institution.")]
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        errors["ends_on"] = [_("The course cannot end before it starts.")]
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    for name in COURSE_FIELDS:
        if name in data and name != "occupation_id":
            values[name] = data[name]
    if "description_html" in values:
        values["description_html"] = sanitise_html(values["description_html"])
    if "title" in values:
        values["title"] = values["title"].strip()
    return values


def _provider_values(data: dict) -> dict:
    """`"provider": {"kind", "id"}` (the API's shape) as platform_id/institution_id."""
    data = dict(data)
    provider = data.pop("provider", None)
    if provider is not None:
        kind = provider.get("kind")
        data["institution_id"] = provider.get("id") if kind == "institution" else None
        data["platform_id"] = provider.get("id") if kind == "platform" else None
    return data


def create_course(instructor, data: dict) -> Course:
    """A draft course taught by its creator, under a provider they belong to (403
    not_your_provider otherwise); with none named, their only provider."""
    values = _course_values(_provider_values(data))
    if not values.get("platform_id") and not values.get("institution_id"):
        values.update(providers.default_provider(instructor))
    key = providers.provider_key(values)
    if key is not None:
        providers.require_member(instructor, key)
    course = Course(status="draft", **values)
    course.instructor_links.append(CourseInstructor(user_id=instructor.id))
    db.session.add(course)
    db.session.flush()
    audit.record(instructor, "course.created", course, after={"title": course.title, **values})
    return course


def update_course(user, course: Course, data: dict) -> Course:
    require_instructor(course, user)
    data = _provider_values(data)
    values = _course_values(data, current=course)
    merged = {k: values.get(k, getattr(course, k)) for k in ("platform_id", "institution_id")}
    if ("platform_id" in values or "institution_id" in values) \
            and providers.provider_key(merged) != providers.provider_key(course):
        if merged["platform_id"] and merged["institution_id"]:
            raise Invalid(_("Some fields are invalid."), fields={"platform_id": [
                _("A course has one provider: a platform or an institution.")]})
        providers.require_member(user, providers.provider_key(merged))
    before, after = audit.changes(course, COURSE_FIELDS, values)
    if after:
        audit.record(user, "course.updated", course, before=before, after=after)
        if set(after) & set(providers.APPROVAL_FIELDS):
            providers.withdraw(user, course, "changed")
    return course


def publish_course(user, course: Course) -> Course:
    """Publish under a provider the publisher belongs to (403 not_your_provider otherwise)."""
    require_instructor(course, user)
    if course.status == "published":
        return course
    if course.status == "archived":
        raise Conflict(_("An archived course cannot be published."), code="archived")
    providers.require_member(user, providers.provider_key(course))
    course.status, course.published_at = "published", now_utc()
    audit.record(user, "course.published", course, before={"status": "draft"},
                 after={"status": "published"})
    return course


LESSON_FIELDS = ["title", "kind", "video_url", "document_url", "duration_minutes",
                 "description_html", "position"]


def save_lesson(user, course: Course, data: dict, lesson: Lesson | None = None) -> Lesson:
    require_instructor(course, user)
    values = {k: data[k] for k in LESSON_FIELDS if k in data}
    if "description_html" in values:
        values["description_html"] = sanitise_html(values["description_html"])
    for url_field in ("video_url", "document_url"):
        url = values.get(url_field)
        if url and not url.startswith(("https://", "http://", "/")):
            raise Invalid(_("Some fields are invalid."),
                          fields={url_field: [_("Links must start with https:// or /.")]})
    if lesson is None:
        values.setdefault("position", len(course.lessons) + 1)
        lesson = Lesson(course=course, **values)
        db.session.add(lesson)
        db.session.flush()
        audit.record(user, "lesson.created", lesson, after=values)
    else:
        before, after = audit.changes(lesson, LESSON_FIELDS, values)
        if after:
            audit.record(user, "lesson.updated", lesson, before=before, after=after)
        if "duration_minutes" in after:  # the watch credit is capped at the duration
            from flask import current_app

            changed = current_app.extensions.get("attendance_lesson_changed")
            if changed is not None:
                db.session.flush()
                changed(lesson)
    return lesson


def enrol(trainee, course_id: int) -> Enrolment:
    """Enrol a trainee in a published course; 404 for drafts, 409 course_archived, 409 when
    already enrolled; after a withdrawal the same enrolment becomes active again."""
    course = get_course(course_id, trainee)
    if course.status == "draft":
        raise NotFound(_("No such course."))
    if course.status == "archived":
        raise Conflict(_("This course is archived: it takes no new work."), code="course_archived")
    existing = enrolment_for(trainee.id, course.id)
    if existing is not None and existing.status == "withdrawn":
        return lifecycle.reactivate(trainee, existing)
    if existing is not None:
        raise Conflict(_("You are already enrolled in this course."), code="already_enrolled")
    enrolment = Enrolment(course_id=course.id, trainee_id=trainee.id, status="active")
    db.session.add(enrolment)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the twin request committed first
        db.session.rollback()
        raise Conflict(_("You are already enrolled in this course."),
                       code="already_enrolled") from exc
    audit.record(trainee, "enrolment.created", enrolment, after={"course_id": course.id})
    return enrolment


def occupation_choices(blank: str | None = None) -> list:
    """Every occupation as (code, "name (code)") select choices in the page's language, with
    an optional blank first choice: the one list every feature's forms use."""
    from flask_babel import get_locale

    from core.forms import choices

    locale = str(get_locale() or "zh")
    rows = db.session.scalars(select(Occupation).order_by(Occupation.code)).all()
    pairs = [(o.code, f"{o.name(locale)} ({o.code})") for o in rows]
    return choices(([("", blank)] if blank else []) + pairs)


def occupation_ref(occupation: Occupation | None) -> dict | None:
    """An occupation as the API shows it: code, name in the caller's language, both names."""
    from flask_babel import get_locale

    if occupation is None:
        return None
    return {"code": occupation.code, "name": occupation.name(str(get_locale() or "zh")),
            "name_zh": occupation.name_zh, "name_en": occupation.name_en}


def enrolment_for(trainee_id: int, course_id: int) -> Enrolment | None:
    """The one enrolment check: the trainee's enrolment in the course, or None."""
    return db.session.scalar(select(Enrolment).where(
        Enrolment.course_id == course_id, Enrolment.trainee_id == trainee_id))


def my_enrolments(trainee) -> list[Enrolment]:
    return db.session.scalars(select(Enrolment).where(Enrolment.trainee_id == trainee.id)
                              .order_by(Enrolment.created_at.desc())).all()


def courses_taught_by(user) -> list[Course]:
    return db.session.scalars(
        select(Course).join(CourseInstructor).where(CourseInstructor.user_id == user.id)
        .order_by(Course.id.desc())).all()


def attendance_summary(enrolment: Enrolment) -> dict:
    """Attendance figures for My courses; the attendance feature replaces this provider."""
    from flask import current_app

    provider = current_app.extensions.get("attendance_summary")
    if provider is not None:
        return provider(enrolment)
    course = enrolment.course
    return {"required_minutes": course.required_minutes, "attended_minutes": 0, "ratio": 0.0,
            "eligible_for_exam": False}


def attendance_gate(enrolment: Enrolment) -> dict:
    """The same figures for the exam gate, from the attendance feature's stored summary when it
    provides one (one row instead of a recomputation), else `attendance_summary`."""
    from flask import current_app

    provider = current_app.extensions.get("attendance_gate")
    return provider(enrolment) if provider is not None else attendance_summary(enrolment)
