"""Account forms (Flask-WTF: CSRF on every form)."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from accounts.models import KEY_GROUPS
from accounts.passwords import MAX_LENGTH, MIN_LENGTH
from core.auth import STAFF_ROLES
from core.forms import RegionFields, choices

# WTForms' own words ("Invalid email address.") read 无效的 Email 地址 beside our 电子邮箱 label.
EMAIL_MESSAGE = _l("Enter an email address such as name@example.cn.")
PHONE_MESSAGE = _l("Enter a mainland mobile number: 11 digits starting with 1.")
PHONE_PATTERN = r"^\s*(\+86|0086)?[\s-]*1[3-9](\d[\s-]*){9}$"


def _password(label):
    return PasswordField(label, validators=[DataRequired(), Length(
        min=MIN_LENGTH, max=MAX_LENGTH,
        message=_l("Password must be at least %(n)d characters.", n=MIN_LENGTH))])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    # The field keeps the name "email" (scripts and browser tests post it); it takes an email,
    # a mobile number or a resident ID number.
    email = StringField(_l("Mobile phone, email or ID number"),
                        validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class RegionMixin(RegionFields):
    """Where a trainee lives: a district (core.forms.fill_region_choices fills the choices)."""

    region_code = SelectField(_l("District or county"), validate_choice=False,
                              validators=[DataRequired(message=_l(
                                  "Choose your province, city and district."))])


class RegistrationForm(RegionMixin, FlaskForm):
    phone = StringField(_l("Mobile phone"), validators=[
        DataRequired(), Regexp(PHONE_PATTERN, message=PHONE_MESSAGE)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    name = StringField(_l("Real name"), validators=[DataRequired(), Length(max=100)])
    id_number = StringField(_l("Resident ID number"),
                            validators=[DataRequired(), Length(min=18, max=18)])
    key_groups = MultiCheckboxField(_l("Key groups (declare any that apply)"),
                                    choices=choices(KEY_GROUPS.items()))
    email = EmailField(_l("Email (optional)"), validators=[
        Optional(), Email(message=EMAIL_MESSAGE), Length(max=254)])
    password = _password(_l("Password"))
    confirm = PasswordField(_l("Repeat password"), validators=[
        DataRequired(), EqualTo("password", message=_l("Passwords do not match."))])
    consent = BooleanField(_l("I have read the privacy notice and agree that my ID number and "
                              "evidence files are collected for training subsidies."),
                           validators=[DataRequired(message=_l(
                               "Please read the privacy notice and agree to it."))])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = _password(_l("New password"))
    confirm = PasswordField(_l("Repeat new password"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("Passwords do not match."))])


class PasswordResetForm(FlaskForm):
    password = _password(_l("New password"))
    confirm = PasswordField(_l("Repeat new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("Passwords do not match."))])


class ForgotForm(FlaskForm):
    # Only the shape: whether the address is deliverable does not matter for a lookup.
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), Regexp(
        r"^[^@\s]+@[^@\s]+$", message=_l("A valid email is required."))])


class TraineeSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Mobile phone, ID number, email or name"),
                    validators=[DataRequired(), Length(max=100)])


class ConfirmForm(FlaskForm):
    """A POST button (CSRF token only)."""


class StaffForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices((r, r) for r in STAFF_ROLES))
    name = StringField(lazy_pgettext("person", "Name"),
                       validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("Email"), validators=[
        DataRequired(), Email(message=EMAIL_MESSAGE), Length(max=254)])
    phone = StringField(_l("Mobile phone"), validators=[
        Optional(), Regexp(PHONE_PATTERN, message=PHONE_MESSAGE)],
        render_kw={"inputmode": "tel"})
    password = _password(_l("Initial password"))
    organisation = StringField(_l("Organisation (enterprise)"), validators=[Length(max=200)])
