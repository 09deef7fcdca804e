"""Report filters, targets, employment, follow-up and demand-order forms."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from accounts.models import KEY_GROUPS
from core.forms import AnyLevelRegionFields, RegionFilterFields, choices
from courses.models import LEVELS
from reports.models import FOLLOW_UP_OUTCOMES


class ReportFilterForm(RegionFilterFields, FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    quarter = SelectField(_l("Period"), validators=[Optional()], choices=choices([
        ("", _l("Whole year")), ("1", _l("Q1")), ("2", _l("Q2")), ("3", _l("Q3")),
        ("4", _l("Q4"))]))
    occupation = SelectField(_l("Occupation"), validators=[Optional()])
    key_group = SelectField(_l("Key group"), validators=[Optional()],
                            choices=choices([("", _l("All groups")), *KEY_GROUPS.items()]))


class TargetForm(AnyLevelRegionFields, FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    occupation_code = SelectField(_l("Occupation"), validators=[Optional()])
    key_group = SelectField(_l("Key group"), validators=[Optional()],
                            choices=choices([("", _l("All groups")), *KEY_GROUPS.items()]))
    trained = IntegerField(_l("Trained"), validators=[Optional(), NumberRange(min=0)])
    passed = IntegerField(_l("Passed"), validators=[Optional(), NumberRange(min=0)])
    certified = IntegerField(_l("Certified"), validators=[Optional(), NumberRange(min=0)])
    subsidised = IntegerField(lazy_pgettext("report figure", "Subsidised"),
                              validators=[Optional(), NumberRange(min=0)])
    employed = IntegerField(_l("Employed"), validators=[Optional(), NumberRange(min=0)])


class EmploymentForm(FlaskForm):
    employer = StringField(_l("Employer"), validators=[DataRequired(), Length(max=200)])
    started_on = DateField(_l("Start date"), validators=[DataRequired()])
    occupation_code = SelectField(_l("Occupation"), validators=[Optional()])
    monthly_wage = StringField(_l("Monthly wage (yuan)"), validators=[
        DataRequired(), Regexp(r"^\d{1,6}(\.\d{1,2})?$", message=_l("Enter an amount in yuan."))])
    contract_months = IntegerField(_l("Contract length (months)"),
                                   validators=[Optional(), NumberRange(min=0, max=600)])
    course_id = SelectField(_l("Course you trained in"), validators=[Optional()])


class FollowUpNoteForm(FlaskForm):
    trainee_id = IntegerField(validators=[DataRequired()])
    course_id = IntegerField(validators=[Optional()])
    # No default: a call note must say what the officer actually heard.
    outcome = SelectField(_l("Outcome"), validators=[DataRequired()],
                          choices=choices([("", _l("Choose the outcome"))]
                                          + list(FOLLOW_UP_OUTCOMES.items())))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class OrderForm(AnyLevelRegionFields, FlaskForm):
    occupation_code = SelectField(_l("Occupation"), validators=[DataRequired()])
    level = SelectField(_l("Level"), coerce=int, choices=choices(LEVELS.items()))
    workers = IntegerField(_l("Workers needed"),
                           validators=[DataRequired(), NumberRange(min=1, max=10000)])
    wage = StringField(_l("Monthly wage offered (yuan)"), validators=[
        DataRequired(), Regexp(r"^\d{1,6}(\.\d{1,2})?$", message=_l("Enter an amount in yuan."))])
    starts_on = DateField(_l("Start date"), validators=[DataRequired()])
    note = TextAreaField(_l("Details for institutions"), validators=[Optional(), Length(max=2000)])


class DispatchForm(FlaskForm):
    institution_ids = SelectMultipleField(_l("Institutions"), coerce=int,
                                          validators=[DataRequired()])


class AcceptForm(FlaskForm):
    course_id = SelectField(_l("Course for this order"), coerce=int)


class HireForm(FlaskForm):
    trainee_id = IntegerField(validators=[DataRequired()])
    started_on = DateField(_l("Start date"), validators=[Optional()])


class ActionForm(FlaskForm):
    """A button that only needs CSRF protection."""
