"""Certificate forms (Flask-WTF: CSRF on every form)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from certificates.models import STATUSES
from core.forms import choices


class SerialForm(FlaskForm):
    class Meta:
        csrf = False  # a public GET lookup changes nothing

    serial = StringField(_l("Certificate serial number"), validators=[
        DataRequired(), Regexp(r"^\s*[Ss][Bb]\d{17}[\dXx]\s*$",
                               message=_l("A serial is SB followed by 18 digits or X."))])


class PdfForm(FlaskForm):
    file = FileField(_l("Certificate PDF"), validators=[FileRequired()])


class RevokeForm(FlaskForm):
    category = SelectField(_l("Public reason"), choices=choices([
        ("fraud", _l("Fraud or cheating")), ("error", _l("Issued in error")),
        ("holder_request", _l("At the holder's request")), ("other", _l("Other reason"))]),
        default="other")
    reason = TextAreaField(_l("Reason for revocation (internal)"),
                           validators=[DataRequired(), Length(max=500)])


class ReissueForm(FlaskForm):
    holder_name = StringField(_l("Corrected holder name"),
                              validators=[DataRequired(), Length(max=100)])


class BulkVerifyForm(FlaskForm):
    file = FileField(_l("CSV of serial, name, last 4 ID characters"),
                     validators=[FileRequired()])


class ListFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Serial or name"), validators=[Optional(), Length(max=100)])
    exam_id = StringField(_l("Exam id"), validators=[Optional(), Regexp(r"^\d{1,9}$")])
    status = SelectField(_l("Status"), validators=[Optional()], choices=choices(
        [("", _l("All"))] + list(STATUSES.items())))
