"""JSON shapes of the certificate API."""

from marshmallow import fields, validate

from core.api import PageArgs, StrictSchema, page_of


class CertOccupationSchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    name_zh = fields.String()
    name_en = fields.String()


class CertHolderSchema(StrictSchema):
    name_masked = fields.String()
    id_masked = fields.String()


class CertificateSchema(StrictSchema):
    id = fields.Integer()
    serial = fields.String()
    status = fields.String(metadata={"enum": ["valid", "revoked", "superseded", "expired"]})
    certificate_type = fields.String()
    holder_name = fields.String()
    holder_id_masked = fields.String()
    trainee_id = fields.Integer()
    course_id = fields.Integer()
    course_title = fields.String()
    exam_id = fields.Integer(allow_none=True)
    attempt_id = fields.Integer(allow_none=True)
    occupation = fields.Nested(CertOccupationSchema)
    level = fields.Integer()
    training_hours = fields.Integer()
    provider = fields.String(allow_none=True)
    issued_at = fields.String()
    expires_at = fields.String(allow_none=True)
    revoked_at = fields.String(allow_none=True)
    revoked_reason = fields.String(allow_none=True)
    revocation_category = fields.String(allow_none=True)
    superseded_by = fields.String(allow_none=True)
    replaces = fields.String(allow_none=True)
    key_id = fields.String()
    pdf_url = fields.String()
    verify_url = fields.String()
    credential_url = fields.String()


CertificatePageSchema = page_of(CertificateSchema, "CertificatePageSchema")


class MyCertificatePageSchema(CertificatePageSchema):
    # Passed results whose certificate the worker has not issued yet (or that wait for a
    # retry): the app shows "being issued" instead of an empty list.
    issuing = fields.Integer(required=True)


class CertificateListArgs(PageArgs):
    exam_id = fields.Integer()
    course_id = fields.Integer()
    trainee_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(["valid", "revoked", "superseded"]))
    q = fields.String(validate=validate.Length(max=100))


class VerificationSchema(StrictSchema):
    serial = fields.String()
    status = fields.String(metadata={"enum": ["valid", "revoked", "superseded", "expired",
                                              "altered"]})
    holder = fields.Nested(CertHolderSchema)
    occupation = fields.Nested(CertOccupationSchema)
    level = fields.Integer()
    certificate_type = fields.String()
    issued_at = fields.String(metadata={"description": "Beijing time (+08:00)"})
    issued_on = fields.String(metadata={"description": "Beijing date"})
    expires_at = fields.String(allow_none=True)
    signature_valid = fields.Boolean()
    key_id = fields.String()
    provider = fields.String(allow_none=True)
    revoked_at = fields.String()
    revoked_reason = fields.String(metadata={
        "enum": ["fraud", "error", "holder_request", "other"],
        "description": "a category; the officer's own words stay internal"})
    superseded_by = fields.String()
    qr_signature_matches = fields.Boolean()


class VerifyArgs(StrictSchema):
    s = fields.String(validate=validate.Length(max=200),
                      metadata={"description": "signature from the QR code"})


class PdfCheckSchema(StrictSchema):
    result = fields.String(metadata={"enum": ["authentic", "altered", "unknown"]})
    serial = fields.String()
    status = fields.String()
    sha256 = fields.String()


class RevokeSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "internal: officers and the audit log"})
    category = fields.String(load_default="other", validate=validate.OneOf(
        ["fraud", "error", "holder_request", "other"]),
        metadata={"description": "the public revocation reason"})


class ReissueSchema(StrictSchema):
    holder_name = fields.String(validate=validate.Length(min=1, max=100))


class RenderSchema(StrictSchema):
    exam_id = fields.Integer(required=True)


class RenderResultSchema(StrictSchema):
    mode = fields.String()
    count = fields.Integer()
    jobs = fields.List(fields.String())


class StatusListArgs(StrictSchema):
    alg = fields.String(validate=validate.OneOf(["RS256", "EdDSA"]))


class CredentialArgs(StatusListArgs):
    format = fields.String(validate=validate.OneOf(["json", "jwt"]))


class IssuingSchema(StrictSchema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": ["issuing"]})
    attempt_id = fields.Integer()
    exam_id = fields.Integer(allow_none=True)
    course_id = fields.Integer()
    trainee_id = fields.Integer()
    trainee_name = fields.String(allow_none=True)
    tries = fields.Integer()
    last_error = fields.String(allow_none=True)
    last_tried_at = fields.String(allow_none=True)
    created_at = fields.String(allow_none=True)


IssuingPageSchema = page_of(IssuingSchema, "IssuingPageSchema")
