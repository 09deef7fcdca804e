"""JSON shapes of the attendance API."""

from marshmallow import Schema, fields, validate

from attendance.models import ADAPTERS, LIVE_KINDS
from core.api import StrictSchema


class SecretSchema(Schema):
    secret = fields.String(required=True)
    adapter = fields.String()
    fingerprint = fields.String()
    previous_valid_until = fields.String(allow_none=True)


class PlatformAccountArgs(StrictSchema):
    user_ref = fields.String(required=True, validate=validate.Length(min=1, max=128))


class PlatformAccountSchema(Schema):
    id = fields.Integer()
    platform_id = fields.Integer()
    platform = fields.String()
    user_ref = fields.String()
    status = fields.String()
    verification_code = fields.String(allow_none=True)


class SecretArgs(StrictSchema):
    adapter = fields.String(load_default="skillbridge", validate=validate.OneOf(ADAPTERS))
    secret = fields.String(validate=validate.Length(min=16, max=128))


class VerifiedSchema(Schema):
    status = fields.String()


class AccountVerificationItem(StrictSchema):
    user_ref = fields.String(required=True, validate=validate.Length(min=1, max=128))
    verification_code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class AccountVerificationArgs(StrictSchema):
    accounts = fields.List(fields.Nested(AccountVerificationItem), required=True,
                           validate=validate.Length(max=1000))


class AccountVerificationResult(Schema):
    verified = fields.List(fields.String())
    unknown = fields.List(fields.String())


class SuggestionSchema(Schema):
    trainee_id = fields.Integer()
    name = fields.String()
    reasons = fields.List(fields.String())


class ViewerSchema(Schema):
    user_ref = fields.String()
    user_name = fields.String(allow_none=True)
    first_seen = fields.String()
    last_seen = fields.String()
    events = fields.Integer()
    status = fields.String()
    account_id = fields.Integer(allow_none=True)
    trainee = fields.Dict(allow_none=True)
    suggestions = fields.List(fields.Nested(SuggestionSchema))


class ViewerListSchema(Schema):
    items = fields.List(fields.Nested(ViewerSchema))


class AssignArgs(StrictSchema):
    user_ref = fields.String(required=True, validate=validate.Length(min=1, max=128))
    trainee_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class LogLineSchema(Schema):
    at = fields.String()
    adapter = fields.String()
    summary = fields.String()


class WebhookLogSchema(Schema):
    adapter = fields.String()
    received = fields.List(fields.Nested(LogLineSchema))
    errors = fields.List(fields.Nested(LogLineSchema))


class PlatformAccountListSchema(Schema):
    items = fields.List(fields.Nested(PlatformAccountSchema))


class LiveSessionArgs(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    kind = fields.String(load_default="lecture", validate=validate.OneOf(list(LIVE_KINDS)))
    platform_id = fields.Integer(allow_none=True, load_default=None)
    room = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=128))
    stream_url = fields.String(allow_none=True, load_default=None,
                               validate=validate.Length(max=500))


class LiveSessionSchema(Schema):
    id = fields.Integer()
    course_id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    platform_id = fields.Integer(allow_none=True)
    room = fields.String(allow_none=True)
    stream_url = fields.String(allow_none=True)
    starts_at = fields.String()
    ends_at = fields.String()
    state = fields.String()
    closed_at = fields.String(allow_none=True)
    page_url = fields.String()


class LiveSessionListSchema(Schema):
    items = fields.List(fields.Nested(LiveSessionSchema))


class OfflineSessionArgs(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    location = fields.String(allow_none=True, load_default=None,
                             validate=validate.Length(max=200))


class OfflineSessionSchema(Schema):
    id = fields.Integer()
    course_id = fields.Integer()
    title = fields.String()
    location = fields.String(allow_none=True)
    starts_at = fields.String()
    ends_at = fields.String()
    state = fields.String()
    checkin_url = fields.String()


class CodeSchema(Schema):
    code = fields.String()
    expires_in = fields.Integer()
    checkin_url = fields.String()
    qr_svg = fields.String()


class CheckArgs(StrictSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))


class CheckinSchema(Schema):
    session_id = fields.Integer()
    trainee_id = fields.Integer()
    checked_in_at = fields.String(allow_none=True)
    checked_out_at = fields.String(allow_none=True)
    attended_minutes = fields.Integer()
    corrected = fields.Boolean()
    correction_reason = fields.String(allow_none=True)


class CorrectionArgs(StrictSchema):
    checked_in_at = fields.AwareDateTime(required=True, allow_none=True)
    checked_out_at = fields.AwareDateTime(required=True, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(min=4, max=500))


class EventsResultSchema(Schema):
    accepted = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)
    unmatched = fields.List(fields.String(), required=True)
    unmatched_reasons = fields.Dict(keys=fields.String(), values=fields.String())


class HeartbeatArgs(StrictSchema):
    position = fields.Float(required=True, validate=validate.Range(min=0, max=86400))
    # What the page saw since this beat: only a span that starts "playing" (a video playing,
    # or a document "visible") in a visible page can earn.
    state = fields.String(load_default="playing", validate=validate.OneOf(
        ["playing", "paused", "hidden", "ended", "visible"]))
    active = fields.Boolean(load_default=False)  # touch, scroll, keys, or the idle prompt
    answer = fields.String(validate=validate.Length(max=8))  # the attention prompt's code


class LiveHeartbeatArgs(StrictSchema):
    tab = fields.String(validate=validate.Length(max=32))


class BySourceSchema(Schema):
    lesson = fields.Integer()
    offline = fields.Integer()
    live = fields.Integer()


class SummarySchema(Schema):
    required_minutes = fields.Integer(required=True)
    attended_minutes = fields.Integer(required=True)
    ratio = fields.Float(required=True)
    eligible_for_exam = fields.Boolean(required=True)
    threshold = fields.Float()
    by_source = fields.Nested(BySourceSchema)


class LessonMediaSchema(Schema):
    lesson_id = fields.Integer()
    kind = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    url = fields.String()


class TodaySchema(Schema):
    credited_seconds = fields.Integer()
    cap_seconds = fields.Integer()
    hours = fields.Float()
    cap_hours = fields.Integer()
    class_hours = fields.Float()
    class_hour_minutes = fields.Integer()
    idle_minutes = fields.Integer()
    lost_seconds = fields.Dict(keys=fields.String(), values=fields.Integer())


class PromptSchema(Schema):
    kind = fields.String()  # presence (idle cut-off) | attention
    code = fields.String()
    expires_in = fields.Integer()


class LessonHeartbeatSchema(Schema):
    credited_seconds = fields.Integer()
    reason = fields.String(allow_none=True)
    prompt = fields.Nested(PromptSchema, allow_none=True)
    today = fields.Nested(TodaySchema)
    watched_seconds = fields.Integer()
    duration_seconds = fields.Integer()
    ratio = fields.Float()
    completed = fields.Boolean()
    course = fields.Nested(SummarySchema)


class LiveHeartbeatSchema(Schema):
    attended_minutes = fields.Integer()
    session_minutes = fields.Integer()
    state = fields.String()
    next_in = fields.Integer()


class SessionRowSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    state = fields.String()
    minutes = fields.Integer()
    attended_minutes = fields.Integer()
    status = fields.String(allow_none=True)
    present = fields.Integer()
    partial = fields.Integer()
    absent = fields.Integer()
    join_url = fields.String(allow_none=True)
    today = fields.Boolean()


class LessonRowSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    duration_minutes = fields.Integer()
    watched_minutes = fields.Integer()
    ratio = fields.Float()
    completed = fields.Boolean()


class TraineeRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class TraineeRowSchema(SummarySchema):
    trainee = fields.Nested(TraineeRefSchema)
    flags = fields.List(fields.String())


class AttendanceSchema(SummarySchema):
    course_id = fields.Integer()
    sessions = fields.List(fields.Nested(SessionRowSchema), required=True)
    lessons = fields.List(fields.Nested(LessonRowSchema))
    trainees = fields.List(fields.Nested(TraineeRowSchema))
    enrolled = fields.Integer()
    eligible_count = fields.Integer()


class SessionSheetRowSchema(Schema):
    trainee = fields.Nested(TraineeRefSchema)
    attended_minutes = fields.Integer()
    status = fields.String()
    first_seen = fields.String(allow_none=True)
    last_seen = fields.String(allow_none=True)
    flags = fields.List(fields.String())
    checked_in_at = fields.String(allow_none=True)
    checked_out_at = fields.String(allow_none=True)
    correction_reason = fields.String(allow_none=True)


class SessionSheetSchema(Schema):
    session = fields.Nested(SessionRowSchema)
    rows = fields.List(fields.Nested(SessionSheetRowSchema))


class UnmatchedSchema(Schema):
    platform_id = fields.Integer(allow_none=True)
    room = fields.String(allow_none=True)
    user_ref = fields.String(allow_none=True)
    events = fields.Integer()
    first = fields.String()
    last = fields.String()
    reason = fields.String()


class UnmatchedListSchema(Schema):
    items = fields.List(fields.Nested(UnmatchedSchema))
