"""JSON shapes of the exams API."""

from datetime import UTC

from marshmallow import fields, validate

from core.api import StrictSchema
from exams.models import QUESTION_TYPES, REVIEW_LEVELS


class AnyField(fields.Field):
    """A JSON value of any type (answers are ids, lists, booleans or texts)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return value


class BankCreateSchema(StrictSchema):
    occupation_code = fields.String(required=True, validate=validate.Length(min=1, max=16))
    level = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))


class BankSchema(StrictSchema):
    id = fields.Integer()
    title = fields.String()
    occupation_code = fields.String()
    occupation_name = fields.String()
    level = fields.Integer()
    owner_id = fields.Integer()
    question_count = fields.Integer()


class OptionInSchema(StrictSchema):
    id = fields.String(validate=validate.Length(max=16))
    text = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    correct = fields.Boolean(load_default=False)


class QuestionCreateSchema(StrictSchema):
    type = fields.String(required=True, validate=validate.OneOf(list(QUESTION_TYPES)))
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    points = fields.Float(load_default=1, validate=validate.Range(min=0, max=100,
                                                                  min_inclusive=False))
    options = fields.List(fields.Nested(OptionInSchema), load_default=list,
                          validate=validate.Length(max=10))
    answers = fields.List(AnyField(), load_default=list, validate=validate.Length(max=20))
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                       load_default=list, validate=validate.Length(max=20))
    difficulty = fields.Integer(load_default=3, validate=validate.Range(min=1, max=5))
    explanation = fields.String(load_default="", validate=validate.Length(max=5000))
    partial_credit = fields.Boolean(load_default=False)


class QuestionUpdateSchema(QuestionCreateSchema):
    """PATCH: any of the create fields (load with partial=True)."""


class KeyFlagSchema(StrictSchema):
    id = fields.String(required=True, validate=validate.Length(max=16))
    text = fields.String()  # ignored: a key correction cannot change what was asked
    correct = fields.Boolean(required=True)


class KeyCorrectionSchema(StrictSchema):
    options = fields.List(fields.Nested(KeyFlagSchema))
    answers = fields.List(AnyField())
    partial_credit = fields.Boolean()


class QuestionSchema(StrictSchema):
    id = fields.Integer()
    root_id = fields.Integer()
    version = fields.Integer()
    current = fields.Boolean()
    type = fields.String()
    text = fields.String()
    points = fields.Float()
    options = fields.List(fields.Dict())
    answers = fields.List(AnyField())
    tags = fields.List(fields.String())
    difficulty = fields.Integer()
    explanation = fields.String()
    partial_credit = fields.Boolean()


class QuestionIdSchema(StrictSchema):
    id = fields.Integer()
    version = fields.Integer()


class RubricRowSchema(StrictSchema):
    criterion = fields.String(required=True, validate=validate.Length(min=1, max=200))
    max_points = fields.Float(required=True)
    descriptor = fields.String(load_default="", validate=validate.Length(max=2000))


class PracticalTaskCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    instructions = fields.String(load_default="", validate=validate.Length(max=10000))
    rubric = fields.List(fields.Nested(RubricRowSchema), required=True,
                         validate=validate.Length(min=1, max=20))


class BlueprintEntrySchema(StrictSchema):
    type = fields.String(validate=validate.OneOf(list(QUESTION_TYPES)))
    tag = fields.String(validate=validate.Length(min=1, max=40))
    count = fields.Integer(required=True, validate=validate.Range(min=1, max=200))


class ExamCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    bank_id = fields.Integer(required=True)
    blueprint = fields.List(fields.Nested(BlueprintEntrySchema), required=True,
                            validate=validate.Length(min=1, max=20))
    time_limit_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=600))
    opens_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    closes_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    max_attempts = fields.Integer(load_default=1, validate=validate.Range(min=1, max=20))
    pass_theory = fields.Integer(load_default=60, validate=validate.Range(min=0, max=100))
    pass_practical = fields.Integer(load_default=60, allow_none=True,
                                    validate=validate.Range(min=0, max=100))
    rubric = fields.List(fields.Nested(RubricRowSchema), validate=validate.Length(max=20))
    practical_task_id = fields.Integer(allow_none=True)
    practical_instructions = fields.String(validate=validate.Length(max=10000))
    shuffle_questions = fields.Boolean(load_default=True)
    shuffle_options = fields.Boolean(load_default=True)
    review_on_submit = fields.String(load_default="score",
                                     validate=validate.OneOf(list(REVIEW_LEVELS)))
    review_after_close = fields.String(load_default="full",
                                       validate=validate.OneOf(list(REVIEW_LEVELS)))


class ExamUpdateSchema(StrictSchema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    time_limit_minutes = fields.Integer(validate=validate.Range(min=1, max=600))
    opens_at = fields.AwareDateTime(default_timezone=UTC)
    closes_at = fields.AwareDateTime(default_timezone=UTC)
    max_attempts = fields.Integer(validate=validate.Range(min=1, max=20))
    shuffle_questions = fields.Boolean()
    shuffle_options = fields.Boolean()
    review_on_submit = fields.String(validate=validate.OneOf(list(REVIEW_LEVELS)))
    review_after_close = fields.String(validate=validate.OneOf(list(REVIEW_LEVELS)))


class ExamSchema(StrictSchema):
    id = fields.Integer()
    course_id = fields.Integer()
    bank_id = fields.Integer()
    title = fields.String()
    blueprint = fields.List(fields.Dict())
    question_count = fields.Integer()
    time_limit_minutes = fields.Integer()
    opens_at = fields.String()
    closes_at = fields.String()
    is_open = fields.Boolean()
    max_attempts = fields.Integer()
    pass_theory = fields.Integer()
    pass_practical = fields.Integer(allow_none=True)
    rubric = fields.List(fields.Dict())
    practical_instructions = fields.String()
    shuffle_questions = fields.Boolean()
    shuffle_options = fields.Boolean()
    review_on_submit = fields.String()
    review_after_close = fields.String()
    my_attempts = fields.List(fields.Dict())
    attempts_allowed = fields.Integer()


class ExamIdSchema(StrictSchema):
    id = fields.Integer()


class OverrideSchema(StrictSchema):
    trainee_id = fields.Integer(required=True)
    extra_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=600))
    extra_attempts = fields.Integer(load_default=0, validate=validate.Range(min=0, max=20))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class OverrideOutSchema(OverrideSchema):
    id = fields.Integer()
    exam_id = fields.Integer()


class PaperQuestionSchema(StrictSchema):
    id = fields.Integer()
    position = fields.Integer()
    type = fields.String()
    text = fields.String()
    points = fields.Float()
    options = fields.List(fields.Dict())


class AttemptStartedSchema(StrictSchema):
    attempt_id = fields.Integer()
    exam_id = fields.Integer()
    number = fields.Integer()
    status = fields.String()
    started_at = fields.String()
    deadline = fields.String()
    server_time = fields.String()
    questions = fields.List(fields.Nested(PaperQuestionSchema))
    answers = fields.Dict()


class AnswerInSchema(StrictSchema):
    answer = AnyField(required=True, allow_none=True)


class AnswerSavedSchema(StrictSchema):
    question_id = fields.Integer()
    answer = AnyField(allow_none=True)
    saved_at = fields.String()
    deadline = fields.String()
    server_time = fields.String()


class ResultSchema(StrictSchema):
    attempt_id = fields.Integer()
    exam_id = fields.Integer()
    trainee_id = fields.Integer()
    number = fields.Integer()
    status = fields.String()
    started_at = fields.String()
    deadline = fields.String()
    submitted_at = fields.String(allow_none=True)
    submitted_by = fields.String(allow_none=True)
    theory_score = fields.Float(allow_none=True)
    practical_score = fields.Float(allow_none=True)
    practical_scores = fields.Dict(allow_none=True)
    practical_comment = fields.String(allow_none=True)
    passed = fields.Boolean(allow_none=True)
    review_level = fields.String()
    review = fields.List(fields.Dict())


class PracticalScoreSchema(StrictSchema):
    criteria = fields.Dict(keys=fields.String(), values=AnyField(), required=True)
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=5000))


class CloseExpiredSchema(StrictSchema):
    closed = fields.Integer()
