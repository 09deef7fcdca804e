"""JSON shapes of the menu and course API."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.api import PageArgs, StrictSchema, page_of
from courses.models import CERTIFICATE_TYPES, LESSON_KINDS, MODES

REGION = validate.Regexp(r"^\d{6}$", error=_l("Region code must be 6 digits."))


class MenuArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100))
    occupation = fields.String(validate=validate.Regexp(r"^\d-\d{2}-\d{2}-\d{2}$"))
    level = fields.Integer(validate=validate.Range(min=1, max=5))
    mode = fields.String(validate=validate.OneOf(list(MODES)))
    region = fields.String(validate=REGION)
    subsidised = fields.Boolean()


class OccupationRefSchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    name_zh = fields.String()
    name_en = fields.String()


class ProviderSchema(StrictSchema):
    kind = fields.String(metadata={"enum": ["platform", "institution"]})
    id = fields.Integer()
    name = fields.String()


class MenuCourseSchema(StrictSchema):
    id = fields.Integer()
    title = fields.String()
    occupation = fields.Nested(OccupationRefSchema)
    level = fields.Integer()
    mode = fields.String()
    required_hours = fields.Integer()
    provider = fields.Nested(ProviderSchema, allow_none=True)
    subsidised = fields.Boolean()
    region_code = fields.String()
    fee_fen = fields.Integer()
    certificate_type = fields.String()
    status = fields.String()


MenuPageSchema = page_of(MenuCourseSchema, "MenuPageSchema")


class LessonSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    position = fields.Integer(validate=validate.Range(min=1, max=1000))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="video", validate=validate.OneOf(list(LESSON_KINDS)))
    video_url = fields.String(allow_none=True, validate=validate.Length(max=500))
    document_url = fields.String(allow_none=True, validate=validate.Length(max=500))
    duration_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1440))
    description_html = fields.String(load_default="", validate=validate.Length(max=20000))


class ApprovalSchema(StrictSchema):
    needed = fields.Boolean(metadata={"description": "The course issues certificates."})
    approved = fields.Boolean()
    approved_at = fields.String(allow_none=True)
    approved_by = fields.Dict(allow_none=True, metadata={"description": "{id, name}"})


class CourseDetailSchema(MenuCourseSchema):
    approval = fields.Nested(ApprovalSchema)
    description_html = fields.String()
    attendance_threshold = fields.Float()
    required_minutes = fields.Integer()
    lessons = fields.List(fields.Nested(LessonSchema))


class ProviderRefSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["institution", "platform"]))
    id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class CourseCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    occupation_code = fields.String(required=True, validate=validate.Length(max=16))
    level = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    mode = fields.String(required=True, validate=validate.OneOf(list(MODES)))
    required_hours = fields.Integer(required=True, validate=validate.Range(min=1, max=2000))
    region_code = fields.String(required=True, validate=REGION)
    subsidised = fields.Boolean(load_default=True)
    attendance_threshold = fields.Float(load_default=0.8,
                                        validate=validate.Range(min=0.01, max=1.0))
    certificate_type = fields.String(load_default="skill_level",
                                     validate=validate.OneOf(list(CERTIFICATE_TYPES)))
    fee_fen = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    description_html = fields.String(load_default="", validate=validate.Length(max=20000))
    platform_id = fields.Integer(allow_none=True, load_default=None)
    institution_id = fields.Integer(allow_none=True, load_default=None)
    provider = fields.Nested(ProviderRefSchema, metadata={
        "description": "Instead of platform_id/institution_id: one you belong to."})
    starts_on = fields.Date(allow_none=True, load_default=None)
    ends_on = fields.Date(allow_none=True, load_default=None)


class CourseUpdateSchema(CourseCreateSchema):
    """PATCH body: the create fields, all optional (load with partial=True)."""


class IdSchema(StrictSchema):
    id = fields.Integer()


class EnrolmentCreatedSchema(StrictSchema):
    enrolment_id = fields.Integer()
    course_id = fields.Integer()
    status = fields.String()


class AttendanceBriefSchema(StrictSchema):
    required_minutes = fields.Integer()
    attended_minutes = fields.Integer()
    ratio = fields.Float()
    eligible_for_exam = fields.Boolean()


class MyEnrolmentSchema(StrictSchema):
    enrolment_id = fields.Integer()
    status = fields.String()
    enrolled_at = fields.String()
    course = fields.Nested(MenuCourseSchema)
    attendance = fields.Dict()


MyEnrolmentPageSchema = page_of(MyEnrolmentSchema, "MyEnrolmentPageSchema")


class PlatformSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    website = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    recommended_by = fields.String(allow_none=True)
    recommended_on = fields.Date(allow_none=True)
    active = fields.Boolean()


class OccupationSchema(StrictSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    levels = fields.List(fields.Integer())
    shortage_regions = fields.List(fields.String())


class InstitutionSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    region_code = fields.String()
    licence_number = fields.String()
    active = fields.Boolean()


PlatformPageSchema = page_of(PlatformSchema, "PlatformPageSchema")
OccupationPageSchema = page_of(OccupationSchema, "OccupationPageSchema")
InstitutionPageSchema = page_of(InstitutionSchema, "InstitutionPageSchema")


class AssignInstructorSchema(StrictSchema):
    user_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class ProviderInstructorsSchema(StrictSchema):
    kind = fields.String()
    id = fields.Integer()
    name = fields.String()
    instructors = fields.List(fields.Dict(), metadata={"description": "[{id, name}]"})
