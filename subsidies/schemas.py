"""JSON shapes of the subsidy API."""

from marshmallow import fields, validate

from core.api import PageArgs, StrictSchema, page_of

API_STATUSES = ["pending", "approved", "rejected", "paid"]


class ClaimArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(API_STATUSES))
    region = fields.String(validate=validate.Regexp(r"^\d{2,6}$"))
    occupation = fields.String(validate=validate.Regexp(r"^\d-\d{2}-\d{2}-\d{2}$"))
    key_group = fields.String(validate=validate.Length(max=32))
    overdue = fields.Boolean()
    kind = fields.String(validate=validate.OneOf(["certificate", "living_allowance"]))


class ReasonSchema(StrictSchema):
    rule = fields.String()
    value = fields.Raw(allow_none=True)
    limit = fields.Raw(allow_none=True)
    passed = fields.Boolean()
    message = fields.String()
    title = fields.String()


class DecisionSchema(StrictSchema):
    eligible = fields.Boolean()
    reasons = fields.List(fields.Nested(ReasonSchema))
    policy = fields.Dict(allow_none=True)
    computed_fen = fields.Integer()


class ClaimSchema(StrictSchema):
    id = fields.Integer()
    kind = fields.String()
    trainee = fields.Dict()
    certificate = fields.Dict()
    occupation = fields.Dict()
    level = fields.Integer()
    region_code = fields.String()
    amount_fen = fields.Integer()
    status = fields.String(metadata={"enum": API_STATUSES})
    state = fields.String()
    batch_id = fields.Integer(allow_none=True)
    decision = fields.Nested(DecisionSchema)
    review = fields.Dict(allow_none=True)
    due_at = fields.String(allow_none=True)
    overdue = fields.Boolean()
    flagged = fields.Boolean()
    flag_reason = fields.String(allow_none=True)
    created_at = fields.String()
    paid_at = fields.String(allow_none=True)


ClaimPageSchema = page_of(ClaimSchema, "ClaimPageSchema")


class DecisionArgs(StrictSchema):
    approve = fields.Boolean(required=True)
    reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class BulkApproveArgs(StrictSchema):
    claim_ids = fields.List(fields.Integer(), required=True,
                            validate=validate.Length(min=1, max=500))


class ConfirmArgs(StrictSchema):
    confirmed = fields.Boolean(required=True)


class KeyGroupStatusSchema(StrictSchema):
    group = fields.String()
    status = fields.String()
    decided_at = fields.String(allow_none=True)
    evidence = fields.List(fields.Dict())


class BatchArgs(StrictSchema):
    claim_ids = fields.List(fields.Integer(), validate=validate.Length(min=1, max=5000))


class BatchSchema(StrictSchema):
    id = fields.Integer()
    status = fields.String()
    claims = fields.List(fields.Integer())
    claim_count = fields.Integer()
    total_fen = fields.Integer()
    totals_by_region = fields.List(fields.Dict())
    created_at = fields.String()
    paid_at = fields.String(allow_none=True)
    csv_url = fields.String()


BatchPageSchema = page_of(BatchSchema, "BatchPageSchema")


class PolicySchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    region_prefix = fields.String(load_default="",
                                  validate=validate.Regexp(r"^(\d{2}|\d{4}|\d{6})?$"))
    version = fields.Integer(dump_only=True)
    effective_from = fields.Date(required=True)
    effective_to = fields.Date(allow_none=True, load_default=None)
    active = fields.Boolean(dump_only=True)
    settings = fields.Dict(required=True)


class PolicyOutSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    region_prefix = fields.String()
    version = fields.Integer()
    effective_from = fields.String()
    effective_to = fields.String(allow_none=True)
    active = fields.Boolean()
    settings = fields.Dict()


class BankAccountArgs(StrictSchema):
    bank_name = fields.String(required=True, validate=validate.Length(max=100))
    account_number = fields.String(required=True, validate=validate.Length(max=60))
    kind = fields.String(validate=validate.OneOf(["card", "account"]),
                         metadata={"description": "card (16-19 digits, Luhn) or account "
                                                  "(12-30 digits); default: card when 16-19 "
                                                  "digits"})


class BankAccountSchema(StrictSchema):
    bank_name = fields.String()
    kind = fields.String()
    account_masked = fields.String()
    account_number = fields.String()
