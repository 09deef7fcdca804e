"""JSON shapes of the accounts API."""

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate, validates_schema

from accounts.models import KEY_GROUPS
from core.api import StrictSchema


class TokenRequestSchema(StrictSchema):
    login = fields.String(validate=validate.Length(max=254),
                          metadata={"description": "email, mobile number or resident ID number"})
    email = fields.String(validate=validate.Length(max=254),
                          metadata={"description": "the same as login (older clients)"})
    password = fields.String(required=True, validate=validate.Length(max=200))

    @validates_schema
    def one_login(self, data, **_kwargs):
        if not (data.get("login") or data.get("email")):
            raise ValidationError(_("Send login (email, phone or ID number)."), "login")


class UserBriefSchema(StrictSchema):
    id = fields.Integer()
    role = fields.String()
    name = fields.String()


class TokenSchema(StrictSchema):
    token = fields.String()
    expires_at = fields.String()
    user = fields.Nested(UserBriefSchema)


class KeyGroupSchema(StrictSchema):
    group = fields.String()
    status = fields.String()


class MeSchema(StrictSchema):
    id = fields.Integer()
    role = fields.String()
    name = fields.String()
    email = fields.String(allow_none=True)
    phone_masked = fields.String()
    region_code = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True, metadata={"description": "the holder's own, full"})
    id_masked = fields.String(allow_none=True)
    key_groups = fields.List(fields.Nested(KeyGroupSchema))


class RegistrationSchema(StrictSchema):
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    # Length and strength are checked by the service (accounts.passwords), in words.
    password = fields.String(required=True, validate=validate.Length(max=200))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    id_number = fields.String(required=True, validate=validate.Length(max=18))
    phone = fields.String(required=True, validate=validate.Length(max=20))
    region_code = fields.String(required=True, validate=validate.Length(equal=6))
    key_groups = fields.List(fields.String(validate=validate.OneOf(list(KEY_GROUPS))),
                             load_default=list, validate=validate.Length(max=len(KEY_GROUPS)))
    consent = fields.Boolean(required=True, metadata={
        "description": "agreement to the privacy notice (ID number and evidence); must be true"})


class RegisteredSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    id_masked = fields.String()
    region_code = fields.String()
    key_groups = fields.List(fields.Nested(KeyGroupSchema))
