"""JSON shapes of the reports, employment and demand-order API."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from accounts.models import KEY_GROUPS
from core.api import PageArgs, StrictSchema, page_of
from reports.models import DIMENSION_NAMES, FOLLOW_UP_OUTCOMES

REGION = validate.Regexp(r"^\d{6}$", error=_l("Region code must be 6 digits."))
OCCUPATION = validate.Regexp(r"^\d-\d{2}-\d{2}-\d{2}$", error=_l("Use a code like 4-01-02-07."))
WAGE = validate.Range(min=0, max=10_000_000)


class ReportArgs(StrictSchema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    quarter = fields.Integer(validate=validate.Range(min=1, max=4))
    month = fields.Integer(validate=validate.Range(min=1, max=12))
    region = fields.String(validate=REGION)
    occupation = fields.String(validate=OCCUPATION)
    key_group = fields.String(validate=validate.OneOf(list(KEY_GROUPS)))
    institution_id = fields.Integer(validate=validate.Range(min=1))
    platform_id = fields.Integer(validate=validate.Range(min=1))


class ReportSummarySchema(StrictSchema):
    year = fields.Integer()
    region = fields.String(allow_none=True, metadata={
        "description": "the region asked for, or the officer's only one; null for every "
                       "region or several"})
    regions = fields.List(fields.String(), metadata={
        "description": "the regions counted: [] for every region, else the codes"})
    period = fields.Dict()
    trained = fields.Integer()
    passed = fields.Integer()
    certified = fields.Integer()
    subsidised = fields.Integer()
    employed = fields.Integer()
    targets = fields.Dict()
    completion = fields.Dict()
    employment_rate = fields.Float()
    money = fields.Dict()
    features = fields.Dict()


class ReportBreakdownRowSchema(StrictSchema):
    key = fields.Raw()
    label = fields.String()
    trained = fields.Integer()
    passed = fields.Integer()
    certified = fields.Integer()
    subsidised = fields.Integer()
    employed = fields.Integer()
    employment_rate = fields.Float(allow_none=True)
    sat = fields.Integer()
    pass_rate = fields.Float(allow_none=True)
    attendance = fields.Dict()


class ReportBreakdownSchema(StrictSchema):
    dimension = fields.String(metadata={"enum": list(DIMENSION_NAMES)})
    items = fields.List(fields.Nested(ReportBreakdownRowSchema))


class ReportMonthlySchema(StrictSchema):
    items = fields.List(fields.Dict())


class ReportTargetSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    region_code = fields.String(required=True, validate=REGION)
    occupation_code = fields.String(load_default="", validate=validate.Regexp(
        r"^(\d-\d{2}-\d{2}-\d{2})?$"))
    key_group = fields.String(load_default="", validate=validate.OneOf(["", *KEY_GROUPS]))
    trained = fields.Integer(allow_none=True, load_default=None,
                             validate=validate.Range(min=0, max=10_000_000))
    passed = fields.Integer(allow_none=True, load_default=None,
                            validate=validate.Range(min=0, max=10_000_000))
    certified = fields.Integer(allow_none=True, load_default=None,
                               validate=validate.Range(min=0, max=10_000_000))
    subsidised = fields.Integer(allow_none=True, load_default=None,
                                validate=validate.Range(min=0, max=10_000_000))
    employed = fields.Integer(allow_none=True, load_default=None,
                              validate=validate.Range(min=0, max=10_000_000))


class ReportTargetArgs(StrictSchema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class ReportTargetListSchema(StrictSchema):
    items = fields.List(fields.Nested(ReportTargetSchema))


class ReportEmploymentCreateSchema(StrictSchema):
    employer = fields.String(required=True, validate=validate.Length(min=1, max=200))
    started_on = fields.Date(required=True)
    occupation_code = fields.String(allow_none=True, load_default=None, validate=OCCUPATION)
    monthly_wage_fen = fields.Integer(required=True, validate=WAGE)
    contract_months = fields.Integer(allow_none=True, load_default=None,
                                     validate=validate.Range(min=0, max=600))
    course_id = fields.Integer(allow_none=True, load_default=None)
    employer_id = fields.Integer(allow_none=True, load_default=None, metadata={
        "description": "The employer's enterprise account, when it has one (it may confirm)."})


class ReportEmploymentSchema(StrictSchema):
    id = fields.Integer()
    trainee = fields.Dict()
    course = fields.Dict(allow_none=True)
    employer = fields.String()
    order_id = fields.Integer(allow_none=True)
    occupation_code = fields.String(allow_none=True)
    started_on = fields.Date()
    monthly_wage_fen = fields.Integer()
    contract_months = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": ["reported", "confirmed", "rejected"]})
    confirmed_at = fields.String(allow_none=True)
    created_at = fields.String()


ReportEmploymentPageSchema = page_of(ReportEmploymentSchema, "ReportEmploymentPageSchema")


class ReportEmploymentListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["reported", "confirmed", "rejected"]))


class ReportFollowUpArgs(PageArgs):
    stage = fields.String(load_default="30", validate=validate.OneOf(["30", "90"]))


class ReportFollowUpRowSchema(StrictSchema):
    trainee = fields.Dict()
    course = fields.Dict()
    ended_on = fields.Date()
    days_since = fields.Integer()
    employment_status = fields.String(allow_none=True)
    notes = fields.List(fields.Dict())


ReportFollowUpPageSchema = page_of(ReportFollowUpRowSchema, "ReportFollowUpPageSchema")


class ReportFollowUpNoteCreateSchema(StrictSchema):
    trainee_id = fields.Integer(required=True)
    course_id = fields.Integer(allow_none=True, load_default=None)
    outcome = fields.String(required=True, validate=validate.OneOf(list(FOLLOW_UP_OUTCOMES)))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReportFollowUpNoteSchema(StrictSchema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    course_id = fields.Integer(allow_none=True)
    outcome = fields.String()
    note = fields.String()
    author = fields.String()
    at = fields.String()


class ReportOrderCreateSchema(StrictSchema):
    occupation_code = fields.String(required=True, validate=OCCUPATION)
    level = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    workers = fields.Integer(required=True, validate=validate.Range(min=1, max=10000))
    region_code = fields.String(required=True, validate=REGION)
    wage_fen = fields.Integer(required=True, validate=WAGE)
    starts_on = fields.Date(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReportOrderSchema(StrictSchema):
    id = fields.Integer()
    status = fields.String()
    employer = fields.String()
    occupation = fields.Dict()
    level = fields.Integer()
    workers = fields.Integer()
    region_code = fields.String()
    wage_fen = fields.Integer()
    starts_on = fields.Date()
    note = fields.String()
    created_at = fields.String()
    pipeline = fields.Dict()
    dispatches = fields.List(fields.Dict())


ReportOrderPageSchema = page_of(ReportOrderSchema, "ReportOrderPageSchema")


class ReportDispatchCreateSchema(StrictSchema):
    institution_ids = fields.List(fields.Integer(), required=True,
                                  validate=validate.Length(min=1, max=50))


class ReportAcceptSchema(StrictSchema):
    course_id = fields.Integer(required=True)


class ReportHireCreateSchema(StrictSchema):
    trainee_id = fields.Integer(required=True)
    started_on = fields.Date(allow_none=True, load_default=None)
    monthly_wage_fen = fields.Integer(allow_none=True, load_default=None, validate=WAGE)
    contract_months = fields.Integer(allow_none=True, load_default=None,
                                     validate=validate.Range(min=0, max=600))


class ReportCandidateSchema(StrictSchema):
    trainee_id = fields.Integer()
    name = fields.String()
    phone_masked = fields.String()
    serial = fields.String()
    course_id = fields.Integer()
    level = fields.Integer()
    hired = fields.Boolean()


class ReportCandidateListSchema(StrictSchema):
    items = fields.List(fields.Nested(ReportCandidateSchema))


class ReportOfferSchema(StrictSchema):
    order_id = fields.Integer()
    employer = fields.String()
    occupation = fields.Dict()
    level = fields.Integer()
    workers = fields.Integer()
    wage_fen = fields.Integer()
    starts_on = fields.Date()
    region_code = fields.String()
    course = fields.Dict()


class ReportOfferListSchema(StrictSchema):
    items = fields.List(fields.Nested(ReportOfferSchema))
