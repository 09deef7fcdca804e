"""Attendance forms: scheduling sessions, checking in, corrections, platform accounts."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from attendance.models import LIVE_KINDS
from core.forms import choices
from core.timeutil import LOCAL_TZ


def to_utc(value: datetime | None) -> datetime | None:
    """A datetime-local field is Beijing time; store it as aware UTC."""
    return value.replace(tzinfo=LOCAL_TZ) if value is not None else None


class LiveSessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(LIVE_KINDS.items()))
    starts_at = DateTimeLocalField(_l("Starts (Beijing time)"), validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends (Beijing time)"), validators=[DataRequired()])
    platform_id = SelectField(_l("Streaming platform"), coerce=str, validators=[Optional()])
    room = StringField(_l("Room id on the platform"), validators=[Optional(), Length(max=128)])
    stream_url = StringField(_l("Stream or replay link"), validators=[
        Optional(), URL(message=_l("A web address starts with http:// or https://.")),
        Length(max=500)])


class OfflineSessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    location = StringField(_l("Classroom"), validators=[Optional(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts (Beijing time)"), validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends (Beijing time)"), validators=[DataRequired()])


class CheckForm(FlaskForm):
    code = StringField(_l("Code on the screen"), validators=[
        DataRequired(), Regexp(r"^\d{6}$", message=_l("The code has 6 digits."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 6})


class CheckOutForm(CheckForm):
    confirm = BooleanField(_l("Yes, I am leaving the class now"), validators=[
        DataRequired(message=_l("Confirm that you are leaving the class."))])


class CorrectionForm(FlaskForm):
    checked_in_at = DateTimeLocalField(_l("Checked in (Beijing time)"), validators=[Optional()])
    checked_out_at = DateTimeLocalField(_l("Checked out (Beijing time)"),
                                        validators=[Optional()])
    reason = TextAreaField(_l("Reason for the correction"),
                           validators=[DataRequired(), Length(min=4, max=500)])


class PlatformAccountForm(FlaskForm):
    platform_id = SelectField(_l("Platform"), coerce=int)
    user_ref = StringField(_l("Your user id on the platform"),
                           validators=[DataRequired(), Length(max=128)])


class MediaForm(FlaskForm):
    file = FileField(_l("Lesson file (MP4 or WebM video, or PDF)"),
                     validators=[FileRequired()])


class UndoForm(FlaskForm):
    """Just the CSRF token: undoing a check-out needs no input."""
