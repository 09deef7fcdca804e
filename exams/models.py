"""Question banks, practical tasks, exams, attempts and their answers."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import TimestampMixin, UTCDateTime

QUESTION_TYPES = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "true_false": _l("True / false"),
    "fill_in": _l("Fill in the blank"),
}
# What a trainee may see of a finished attempt: the score only; plus their own answers marked
# right or wrong; plus the correct answers and explanations.
REVIEW_LEVELS = {
    "score": _l("Score only"),
    "responses": _l("Score and own answers marked"),
    "full": _l("Answers, correct answers and explanations"),
}
ATTEMPT_STATUSES = {
    "in_progress": lazy_pgettext("exam attempt", "In progress"),
    "awaiting_practical": _l("Awaiting practical scoring"),
    "completed": _l("Completed"),
}


class QuestionBank(TimestampMixin, db.Model):
    """Questions for one occupation and level, owned by the instructor who made it."""

    __tablename__ = "question_banks"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occupation_id: Mapped[int] = mapped_column(ForeignKey("occupations.id"), nullable=False,
                                               index=True)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)

    occupation = relationship("Occupation", lazy="joined")
    owner = relationship("User")

    def __repr__(self) -> str:
        return f"<QuestionBank #{self.id} {self.title!r} L{self.level}>"


class Question(TimestampMixin, db.Model):
    """One version of a question. Editing a question that a finished attempt used adds a new
    version (same root_id) and retires this one, so old attempts keep what they were asked."""

    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint("type IN ('single','multiple','true_false','fill_in')",
                        name="type_known"),
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("difficulty BETWEEN 1 AND 5", name="difficulty_range"),
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("root_id", "version"),
        Index("ix_questions_bank_current", "bank_id", "current"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"),
                                         nullable=False)
    # The first version's id; every version of a question shares it.
    root_id: Mapped[int | None] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    points: Mapped[float] = mapped_column(Float, nullable=False, default=1)
    # [{"id": "k3f9", "text": "...", "correct": bool}] for single / multiple choice.
    options: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # Accepted answers: fill-in strings, or [true] / [false] for true/false.
    answers: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    tags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    difficulty: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    explanation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    partial_credit: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    bank: Mapped[QuestionBank] = relationship()

    def __repr__(self) -> str:
        return f"<Question #{self.id} v{self.version} {self.type} bank={self.bank_id}>"


class PracticalTask(TimestampMixin, db.Model):
    """A practical assignment with its rubric: [{"criterion", "max_points", "descriptor"}]."""

    __tablename__ = "practical_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    instructions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rubric: Mapped[list] = mapped_column(JSON, nullable=False, default=list)

    def __repr__(self) -> str:
        return f"<PracticalTask #{self.id} {self.title!r}>"


class Exam(TimestampMixin, db.Model):
    __tablename__ = "exams"
    __table_args__ = (
        CheckConstraint("time_limit_minutes BETWEEN 1 AND 600", name="time_limit_range"),
        CheckConstraint("max_attempts BETWEEN 1 AND 20", name="attempts_range"),
        CheckConstraint("closes_at > opens_at", name="window_order"),
        CheckConstraint("pass_theory BETWEEN 0 AND 100", name="pass_theory_range"),
        CheckConstraint("pass_practical IS NULL OR pass_practical BETWEEN 0 AND 100",
                        name="pass_practical_range"),
        CheckConstraint("review_on_submit IN ('score','responses','full')",
                        name="review_on_submit_known"),
        CheckConstraint("review_after_close IN ('score','responses','full')",
                        name="review_after_close_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False, index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id"), nullable=False,
                                         index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    # [{"type"?, "tag"?, "count"}]: drawn at random for each attempt.
    blueprint: Mapped[list] = mapped_column(JSON, nullable=False)
    time_limit_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    pass_theory: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    pass_practical: Mapped[int | None] = mapped_column(Integer)
    practical_task_id: Mapped[int | None] = mapped_column(ForeignKey("practical_tasks.id"))
    practical_instructions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # A copy of the rubric at creation: [{"criterion", "max_points", "descriptor"}].
    rubric: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    review_on_submit: Mapped[str] = mapped_column(String(16), nullable=False, default="score")
    review_after_close: Mapped[str] = mapped_column(String(16), nullable=False, default="full")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    course = relationship("Course")
    bank: Mapped[QuestionBank] = relationship()

    def __repr__(self) -> str:
        return f"<Exam #{self.id} {self.title!r} course={self.course_id}>"

    @property
    def has_practical(self) -> bool:
        return self.pass_practical is not None

    @property
    def question_count(self) -> int:
        return sum(int(entry["count"]) for entry in self.blueprint)


class ExamOverride(TimestampMixin, db.Model):
    """Extra time or attempts for one trainee (e.g. a documented disability or a power cut)."""

    __tablename__ = "exam_overrides"
    __table_args__ = (
        UniqueConstraint("exam_id", "trainee_id"),
        CheckConstraint("extra_minutes BETWEEN 0 AND 600", name="extra_minutes_range"),
        CheckConstraint("extra_attempts BETWEEN 0 AND 20", name="extra_attempts_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"),
                                         nullable=False)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    extra_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    extra_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<ExamOverride exam={self.exam_id} trainee={self.trainee_id}>"


class Attempt(TimestampMixin, db.Model):
    """One sitting. The deadline is fixed by the server at the start."""

    __tablename__ = "attempts"
    __table_args__ = (
        # Attempt numbers are unique, so two racing starts cannot both be "attempt 1".
        UniqueConstraint("exam_id", "trainee_id", "number"),
        CheckConstraint("status IN ('in_progress','awaiting_practical','completed')",
                        name="status_known"),
        CheckConstraint("number >= 1", name="number_positive"),
        # At most one open attempt per trainee per exam, whatever the application does.
        Index("uq_attempts_one_open", "exam_id", "trainee_id", unique=True,
              sqlite_where=text("status = 'in_progress'"),
              postgresql_where=text("status = 'in_progress'")),
        Index("ix_attempts_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), nullable=False, index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="in_progress")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "trainee" (pressed submit) or "timeout" (finalised by the server after the deadline)
    submitted_by: Mapped[str | None] = mapped_column(String(16))
    theory_points: Mapped[float | None] = mapped_column(Float)
    theory_max: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    theory_score: Mapped[float | None] = mapped_column(Float)
    practical_scores: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    practical_score: Mapped[float | None] = mapped_column(Float)
    practical_comment: Mapped[str | None] = mapped_column(Text)
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    exam: Mapped[Exam] = relationship()
    trainee = relationship("User", foreign_keys=[trainee_id])
    items: Mapped[list["AttemptItem"]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Attempt #{self.id} exam={self.exam_id} trainee={self.trainee_id} {self.status}>"


class AttemptItem(db.Model):
    """A question on one attempt's paper, its option order, the saved answer and its grade."""

    __tablename__ = "attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"),
                                            nullable=False)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), nullable=False,
                                             index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    option_order: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    answer: Mapped[object | None] = mapped_column(JSON(none_as_null=True))
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    points_awarded: Mapped[float | None] = mapped_column(Float)

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    question: Mapped[Question] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<AttemptItem attempt={self.attempt_id} q={self.question_id}>"
