"""Forms for the instructor pages (Flask-WTF, CSRF on)."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.forms import choices
from courses.models import LEVELS
from exams.models import QUESTION_TYPES, REVIEW_LEVELS


class BankForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    occupation_code = SelectField(_l("Occupation"), validators=[DataRequired()])
    level = SelectField(_l("Level"), coerce=int, choices=choices(list(LEVELS.items())))


class QuestionForm(FlaskForm):
    type = SelectField(_l("Question type"), choices=choices(list(QUESTION_TYPES.items())))
    text = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=5000)])
    points = FloatField(_l("Points"), default=1, validators=[DataRequired(),
                                                            NumberRange(min=0.1, max=100)])
    options = TextAreaField(_l("Options (one per line; start a correct one with *)"),
                            validators=[Optional(), Length(max=10000)])
    answers = TextAreaField(_l("Accepted answers (one per line; true/false: 正确 or 错误)"),
                            validators=[Optional(), Length(max=5000)])
    partial_credit = BooleanField(_l("Partial credit (multiple choice)"))
    tags = StringField(_l("Knowledge points (comma separated)"),
                       validators=[Optional(), Length(max=400)])
    difficulty = SelectField(_l("Difficulty"), coerce=int, default=3,
                             choices=choices((n, str(n)) for n in range(1, 6)))
    explanation = TextAreaField(lazy_pgettext("exam question", "Explanation"),
                                validators=[Optional(), Length(max=5000)])


class PracticalTaskForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    instructions = TextAreaField(_l("Instructions for the trainee"),
                                 validators=[Optional(), Length(max=5000)])
    rubric = TextAreaField(_l("Rubric: one criterion per line, “criterion | points | what earns "
                              "them”"), validators=[DataRequired(), Length(max=10000)])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or JSON file"), validators=[
        FileRequired(), FileAllowed(["csv", "json"], _l("CSV or JSON only."))])


class ExamForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    bank_id = SelectField(_l("Question bank"), coerce=int)
    count_single = IntegerField(_l("Single-choice questions"), default=0,
                                validators=[Optional(), NumberRange(min=0, max=200)])
    count_multiple = IntegerField(_l("Multiple-choice questions"), default=0,
                                  validators=[Optional(), NumberRange(min=0, max=200)])
    count_true_false = IntegerField(_l("True/false questions"), default=0,
                                    validators=[Optional(), NumberRange(min=0, max=200)])
    count_fill_in = IntegerField(_l("Fill-in questions"), default=0,
                                 validators=[Optional(), NumberRange(min=0, max=200)])
    time_limit_minutes = IntegerField(_l("Time limit (minutes)"), default=60, validators=[
        DataRequired(), NumberRange(min=1, max=600)])
    opens_at = DateTimeLocalField(_l("Opens at (Beijing time)"), validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("Closes at (Beijing time)"), validators=[DataRequired()])
    max_attempts = IntegerField(_l("Attempts allowed"), default=1,
                                validators=[DataRequired(), NumberRange(min=1, max=20)])
    pass_theory = IntegerField(_l("Theory pass mark (of 100)"), default=60,
                               validators=[Optional(), NumberRange(min=0, max=100)])
    practical_task_id = SelectField(_l("Practical task"), coerce=int)
    pass_practical = IntegerField(_l("Practical pass mark (of 100)"), default=60,
                                  validators=[Optional(), NumberRange(min=0, max=100)])
    review_on_submit = SelectField(_l("After submitting, trainees see"),
                                   choices=choices(list(REVIEW_LEVELS.items())), default="score")
    review_after_close = SelectField(_l("After the exam closes, trainees see"),
                                     choices=choices(list(REVIEW_LEVELS.items())), default="full")


class OverrideForm(FlaskForm):
    trainee_id = SelectField(_l("Trainee"), coerce=int)
    extra_minutes = IntegerField(_l("Extra minutes"), default=0,
                                 validators=[Optional(), NumberRange(min=0, max=600)])
    extra_attempts = IntegerField(_l("Extra attempts"), default=0,
                                  validators=[Optional(), NumberRange(min=0, max=20)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class ScoreForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])
