"""Account forms (Flask-WTF: CSRF on every form)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from accounts.models import KEY_GROUPS
from core.auth import STAFF_ROLES
from core.forms import choices


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class RegistrationForm(FlaskForm):
    name = StringField(_l("Real name"), validators=[DataRequired(), Length(max=100)])
    id_number = StringField(_l("Resident ID number"),
                            validators=[DataRequired(), Length(min=18, max=18)])
    phone = StringField(_l("Mobile phone"), validators=[
        DataRequired(), Regexp(r"^\d{7,15}$", message=_l("Phone number must be 7 to 15 digits."))])
    region_code = StringField(_l("Region code"), validators=[
        DataRequired(), Regexp(r"^\d{6}$", message=_l("Six digits, e.g. 330100."))])
    key_groups = MultiCheckboxField(_l("Key groups (declare any that apply)"),
                                    choices=choices(KEY_GROUPS.items()))
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("Repeat password"), validators=[
        DataRequired(), EqualTo("password", message=_l("Passwords do not match."))])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("Repeat new password"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("Passwords do not match."))])


class StaffForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices((r, r) for r in STAFF_ROLES))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Initial password"),
                             validators=[DataRequired(), Length(min=8, max=200)])
    organisation = StringField(_l("Organisation (enterprise)"), validators=[Length(max=200)])
