"""Subsidy forms: decisions, batches, evidence upload, policies."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from accounts.models import KEY_GROUPS
from core.forms import RegionFilterFields, choices


class QueueFilterForm(RegionFilterFields, FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    status = SelectField(_l("Status"), validators=[Optional()], choices=choices([
        ("pending", _l("Pending review")), ("approved", _l("Approved")),
        ("in_batch", _l("Approved, in a payment batch")), ("rejected", _l("Rejected")),
        ("ineligible", _l("Not eligible")), ("paid", _l("Paid")), ("", _l("All"))]))
    occupation = SelectField(_l("Occupation"), validators=[Optional()])
    key_group = SelectField(_l("Key group"), validators=[Optional()],
                            choices=choices([("", _l("Any group"))] + list(KEY_GROUPS.items())))
    overdue = BooleanField(_l("Overdue only (over 10 working days)"))


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason (required to reject)"),
                           validators=[Optional(), Length(max=500)])


class BulkApproveForm(FlaskForm):
    pass


class BatchForm(FlaskForm):
    pass


class EvidenceForm(FlaskForm):
    group = SelectField(_l("Key group"), choices=choices(list(KEY_GROUPS.items())))
    file = FileField(_l("Evidence (PDF, PNG or JPEG, at most 5 MB)"),
                     validators=[FileRequired()])


class ConfirmForm(FlaskForm):
    pass


class PolicyForm(RegionFilterFields, FlaskForm):
    """The region is picked (core.forms.fill_region_filter): nothing picked is national."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    effective_from = DateField(_l("Effective from"), validators=[DataRequired()])
    effective_to = DateField(_l("Effective to"), validators=[Optional()])
    settings = TextAreaField(_l("Settings (JSON)"), validators=[DataRequired()])


class PolicyImportForm(FlaskForm):
    file = FileField(_l("Policy JSON file"), validators=[FileRequired()])


class BankAccountForm(FlaskForm):
    bank_name = StringField(_l("Bank"), validators=[DataRequired(), Length(max=100)],
                            render_kw={"autocomplete": "off", "placeholder": "中国农业银行"})
    account_number = StringField(
        _l("Card or account number"), validators=[DataRequired(), Length(max=60)],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9 ]*"})
    kind = SelectField(_l("Type"), choices=choices([
        ("", _l("Bank card (also the social security card)")),
        ("account", _l("Bank account (not a card)"))]), validators=[Optional()])
