"""JSON shapes of the accounts API."""

from marshmallow import fields, validate

from accounts.models import KEY_GROUPS
from core.api import StrictSchema


class TokenRequestSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=200))


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
    email = fields.String()
    phone_masked = fields.String()
    region_code = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True, metadata={"description": "the holder's own, full"})
    id_masked = fields.String(allow_none=True)
    key_groups = fields.List(fields.Nested(KeyGroupSchema))


class RegistrationSchema(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=8, max=200))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    id_number = fields.String(required=True, validate=validate.Length(max=18))
    phone = fields.String(required=True, validate=validate.Length(max=20))
    region_code = fields.String(required=True, validate=validate.Length(equal=6))
    key_groups = fields.List(fields.String(validate=validate.OneOf(list(KEY_GROUPS))),
                             load_default=list, validate=validate.Length(max=len(KEY_GROUPS)))


class RegisteredSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    id_masked = fields.String()
    region_code = fields.String()
    key_groups = fields.List(fields.Nested(KeyGroupSchema))
