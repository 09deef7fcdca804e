"""Exams and per-trainee overrides.

Question banks, questions and practical tasks live in exams/banks.py; attempts, grading and
scoring in exams/attempts.py."""

from datetime import datetime
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from accounts import scope
from core import audit
from core.errors import Forbidden, Invalid, NotFound
from core.extensions import db
from courses import service as courses
from courses.models import Course
from exams.banks import can_read_bank, clean_rubric
from exams.grading import TYPES
from exams.models import (
    Attempt,
    Exam,
    ExamOverride,
    PracticalTask,
    Question,
    QuestionBank,
)


def matching_questions(bank_id: int, entry: dict):
    stmt = select(Question).where(Question.bank_id == bank_id, Question.current.is_(True))
    if entry.get("type"):
        stmt = stmt.where(Question.type == entry["type"])
    return stmt


def check_blueprint(bank: QuestionBank, blueprint: list[dict]) -> list[dict]:
    """Each entry must be satisfiable from the bank's current questions."""
    errors, cleaned = [], []
    for n, entry in enumerate(blueprint, start=1):
        if entry.get("type") and entry["type"] not in TYPES:
            errors.append(_("Line %(n)s: unknown type.", n=n))
            continue
        questions = db.session.scalars(matching_questions(bank.id, entry)).all()
        if entry.get("tag"):
            questions = [q for q in questions if entry["tag"] in q.tags]
        if len(questions) < entry["count"]:
            errors.append(_("Line %(n)s: the bank has %(have)s matching questions, %(need)s "
                            "needed.", n=n, have=len(questions), need=entry["count"]))
        cleaned.append({k: entry[k] for k in ("type", "tag", "count") if entry.get(k)})
    if not blueprint:
        errors.append(_("Draw at least one question."))
    if errors:
        raise Invalid(_("Some fields are invalid."), fields={"blueprint": errors})
    return cleaned


def create_exam(user, course: Course, data: dict) -> Exam:
    """An exam on a course the caller teaches, drawing from a bank they may use."""
    courses.require_instructor(course, user)
    bank = db.session.get(QuestionBank, data["bank_id"])
    if bank is None:
        raise Invalid(_("Some fields are invalid."), fields={"bank_id": [_("Unknown bank.")]})
    if not can_read_bank(bank, user):
        raise Forbidden(_("You may not use this question bank."))
    errors: dict[str, list[str]] = {}
    opens_at, closes_at = data["opens_at"], data["closes_at"]
    if closes_at <= opens_at:
        errors["closes_at"] = [_("The exam must close after it opens.")]
    task = None
    rubric = data.get("rubric")
    if data.get("practical_task_id"):
        task = db.session.get(PracticalTask, data["practical_task_id"])
        if task is None or task.bank_id != bank.id:
            errors["practical_task_id"] = [_("Unknown practical task for this bank.")]
        elif not rubric:
            rubric = task.rubric
    if data.get("pass_practical") is not None:
        if not rubric:
            errors["rubric"] = [_("An exam with a practical part needs a rubric.")]
        else:
            try:
                rubric = clean_rubric(rubric)
            except Invalid as exc:
                errors.update(exc.fields)
    else:
        rubric = []
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    blueprint = check_blueprint(bank, data["blueprint"])
    exam = Exam(course_id=course.id, bank_id=bank.id, title=data["title"].strip(),
                blueprint=blueprint, time_limit_minutes=data["time_limit_minutes"],
                opens_at=opens_at, closes_at=closes_at, max_attempts=data["max_attempts"],
                pass_theory=data["pass_theory"], pass_practical=data.get("pass_practical"),
                shuffle_questions=data.get("shuffle_questions", True),
                shuffle_options=data.get("shuffle_options", True),
                review_on_submit=data.get("review_on_submit", "score"),
                review_after_close=data.get("review_after_close", "full"),
                practical_task_id=task.id if task else None,
                practical_instructions=(data.get("practical_instructions")
                                        or (task.instructions if task else "")),
                rubric=rubric, created_by_id=user.id)
    db.session.add(exam)
    db.session.flush()
    audit.record(user, "exam.created", exam, after={
        "title": exam.title, "bank_id": bank.id, "blueprint": blueprint,
        "time_limit_minutes": exam.time_limit_minutes, "opens_at": opens_at,
        "closes_at": closes_at, "max_attempts": exam.max_attempts,
        "pass_theory": exam.pass_theory, "pass_practical": exam.pass_practical,
        "rubric": rubric})
    return exam


EXAM_EDITABLE = ["title", "time_limit_minutes", "opens_at", "closes_at", "max_attempts",
                 "shuffle_questions", "shuffle_options", "review_on_submit",
                 "review_after_close"]


def update_exam(user, exam: Exam, data: dict) -> Exam:
    """Change the window, limits and policies (the paper and pass rule stay once taken)."""
    courses.require_instructor(exam.course, user)
    values = {k: v for k, v in data.items() if k in EXAM_EDITABLE}
    opens = values.get("opens_at", exam.opens_at)
    closes = values.get("closes_at", exam.closes_at)
    if closes <= opens:
        raise Invalid(_("Some fields are invalid."),
                      fields={"closes_at": [_("The exam must close after it opens.")]})
    before, after = audit.changes(exam, EXAM_EDITABLE, values)
    if after:
        audit.record(user, "exam.updated", exam, before=before, after=after)
    return exam


def get_exam(exam_id: int) -> Exam:
    """The exam with its course in one statement (starting an attempt reads both)."""
    exam = db.session.get(Exam, exam_id, options=[_with_course()])
    if exam is None:
        raise NotFound(_("No such exam."))
    return exam


@cache
def _with_course():
    return joinedload(Exam.course, innerjoin=True)


def require_examiner(exam: Exam, user) -> None:
    """Instructors of the exam's course only (an instructor cannot act outside their courses)."""
    if not (user.role == "instructor" and exam.course.is_instructor(user)):
        raise Forbidden(_("Only the course's instructors may do this."))


def can_view_results(exam: Exam, user) -> bool:
    """Admins, officers of the course's region, the course's instructors."""
    if user.role == "officer":
        return scope.in_scope(user, exam.course.region_code)
    return user.role == "admin" or (
        user.role == "instructor" and exam.course.is_instructor(user))


def exams_of_course(course_id: int) -> list[Exam]:
    return db.session.scalars(select(Exam).where(Exam.course_id == course_id)
                              .order_by(Exam.opens_at, Exam.id)).all()


def is_open(exam: Exam, now: datetime) -> bool:
    return exam.opens_at <= now < exam.closes_at


# --- overrides ---------------------------------------------------------------------------

def override_for(exam: Exam, trainee_id: int) -> ExamOverride | None:
    return db.session.scalar(select(ExamOverride).where(
        ExamOverride.exam_id == exam.id, ExamOverride.trainee_id == trainee_id))


def set_override(user, exam: Exam, trainee_id: int, extra_minutes: int, extra_attempts: int,
                 reason: str) -> ExamOverride:
    """Extra time (applies to attempts started afterwards) or extra attempts; audited."""
    require_examiner(exam, user)
    if courses.enrolment_for(trainee_id, exam.course_id) is None:
        raise Invalid(_("Some fields are invalid."),
                      fields={"trainee_id": [_("This trainee is not enrolled in the course.")]})
    if not reason.strip():
        raise Invalid(_("Some fields are invalid."), fields={"reason": [_("Give a reason.")]})
    if not extra_minutes and not extra_attempts:
        raise Invalid(_("Some fields are invalid."), fields={
            "extra_minutes": [_("Give extra minutes or extra attempts.")]})
    row = override_for(exam, trainee_id)
    before = None
    if row is None:
        row = ExamOverride(exam_id=exam.id, trainee_id=trainee_id)
        db.session.add(row)
    else:
        before = {"extra_minutes": row.extra_minutes, "extra_attempts": row.extra_attempts,
                  "reason": row.reason}
    row.extra_minutes, row.extra_attempts = extra_minutes, extra_attempts
    row.reason, row.granted_by_id = reason.strip(), user.id
    db.session.flush()
    audit.record(user, "exam.override_set", row, before=before, after={
        "exam_id": exam.id, "trainee_id": trainee_id, "extra_minutes": extra_minutes,
        "extra_attempts": extra_attempts, "reason": row.reason})
    return row


def attempts_used(exam: Exam, trainee_id: int) -> int:
    return db.session.scalar(select(func.count(Attempt.id)).where(
        Attempt.exam_id == exam.id, Attempt.trainee_id == trainee_id)) or 0
