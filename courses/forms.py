"""Menu, course and curation forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from core.forms import AnyLevelRegionFields, choices
from courses.models import CERTIFICATE_TYPES, LESSON_KINDS, LEVELS, MODES


class MenuSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    occupation = SelectField(_l("Occupation"), validators=[Optional()])
    level = SelectField(_l("Level"), validators=[Optional()],
                        choices=choices([("", _l("Any level"))] + list(LEVELS.items())))
    mode = SelectField(_l("Mode"), validators=[Optional()],
                       choices=choices([("", _l("Any mode"))] + list(MODES.items())))
    # A choice of names (the view fills it: the trainee's own district and city first, then
    # every province); the value sent is still the 6-digit code.
    region = SelectField(_l("Region"), validators=[Optional(), Regexp(r"^\d{6}$")])
    subsidised = SelectField(_l("Subsidy"), validators=[Optional()], choices=choices([
        ("", _l("All courses")), ("1", _l("Subsidised only")), ("0", _l("Not subsidised"))]))


class CourseForm(AnyLevelRegionFields, FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    # "institution:3" or "platform:1": only providers an officer assigned the instructor to.
    provider = SelectField(_l("Institution or platform"), validators=[Optional()])
    occupation_code = SelectField(_l("Occupation"), validators=[DataRequired()])
    level = SelectField(_l("Level"), coerce=int, choices=choices(LEVELS.items()))
    mode = SelectField(_l("Mode"), choices=choices(MODES.items()))
    required_hours = IntegerField(_l("Required hours"),
                                  validators=[DataRequired(), NumberRange(min=1, max=2000)])
    subsidised = BooleanField(_l("Subsidised training"), default=True)
    fee_yuan = IntegerField(_l("Fee (yuan)"), default=0,
                            validators=[Optional(), NumberRange(min=0, max=100000)])
    attendance_threshold = FloatField(_l("Attendance needed for the exam (0.01–1)"), default=0.8,
                                      validators=[DataRequired(), NumberRange(min=0.01, max=1)])
    certificate_type = SelectField(_l("Certificate"), choices=choices(CERTIFICATE_TYPES.items()))
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    description_html = TextAreaField(_l("Description (simple HTML allowed)"),
                                     validators=[Optional(), Length(max=20000)])


class LessonForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(LESSON_KINDS.items()))
    video_url = URLField(_l("Video URL"), validators=[Optional(), Length(max=500)])
    document_url = URLField(_l("Document URL"), validators=[Optional(), Length(max=500)])
    duration_minutes = IntegerField(_l("Duration (minutes)"), default=0,
                                    validators=[Optional(), NumberRange(min=0, max=1440)])
    description_html = TextAreaField(_l("Description (simple HTML allowed)"),
                                     validators=[Optional(), Length(max=20000)])


class PlatformForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    website = URLField(_l("Website"), validators=[Optional(), Length(max=255)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    recommended_by = StringField(_l("Recommended by"), validators=[Optional(), Length(max=120)])
    recommended_on = DateField(_l("Recommended on"), validators=[Optional()])


class InstitutionForm(AnyLevelRegionFields, FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    licence_number = StringField(_l("Licence number"),
                                 validators=[DataRequired(), Length(max=64)])


class OccupationForm(FlaskForm):
    code = StringField(_l("National code"), validators=[
        DataRequired(), Regexp(r"^\d-\d{2}-\d{2}-\d{2}$", message=_l("Like 4-01-02-07."))])
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=80)])
    name_en = StringField(_l("English name"), validators=[DataRequired(), Length(max=120)])
    levels = StringField(_l("Levels offered"), default="54321",
                         validators=[DataRequired(), Regexp(
                             r"^[1-5]{1,5}$", message=_l("Levels 1 to 5 as digits, e.g. 54321."))])
    shortage_regions = StringField(_l("Shortage in regions (prefixes, e.g. 33 3301)"),
                                   validators=[Optional(), Length(max=200)])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or JSON file"), validators=[
        FileRequired(), FileAllowed(["csv", "json"], _l("CSV or JSON only."))])


class AssignInstructorForm(FlaskForm):
    user_id = SelectField(_l("Instructor"), coerce=int, validators=[DataRequired()])
