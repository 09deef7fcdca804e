"""Question banks, questions (versioned), practical tasks, exams and per-trainee overrides.

Attempts, grading and scoring live in exams/attempts.py."""

from datetime import datetime
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from accounts import scope
from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from courses import service as courses
from courses.models import Course
from exams.grading import TYPES, DefinitionError
from exams.models import (
    Attempt,
    AttemptItem,
    Exam,
    ExamOverride,
    PracticalTask,
    Question,
    QuestionBank,
)

QUESTION_FIELDS = ["type", "text", "points", "options", "answers", "tags", "difficulty",
                   "explanation", "partial_credit"]


# --- banks -------------------------------------------------------------------------------

def create_bank(user, data: dict) -> QuestionBank:
    """A bank for one occupation and level, owned by the instructor who creates it."""
    occupation = courses.occupation_by_code(data["occupation_code"])
    if occupation is None:
        raise Invalid(_("Some fields are invalid."),
                      fields={"occupation_code": [_("Unknown occupation code.")]})
    if data["level"] not in occupation.level_list:
        raise Invalid(_("Some fields are invalid."), fields={
            "level": [_("This occupation has no level %(level)s.", level=data["level"])]})
    bank = QuestionBank(occupation_id=occupation.id, level=data["level"],
                        title=data["title"].strip(), owner_id=user.id)
    db.session.add(bank)
    db.session.flush()
    audit.record(user, "question_bank.created", bank,
                 after={"title": bank.title, "occupation": occupation.code, "level": bank.level})
    return bank


def get_bank(bank_id: int) -> QuestionBank:
    bank = db.session.get(QuestionBank, bank_id)
    if bank is None:
        raise NotFound(_("No such question bank."))
    return bank


def require_bank_owner(bank: QuestionBank, user) -> None:
    if user.role != "instructor" or bank.owner_id != user.id:
        raise Forbidden(_("Only the bank's owner may change it."))


def can_read_bank(bank: QuestionBank, user) -> bool:
    """The owner, officers, and instructors of a course with an exam on this bank."""
    if user.role in ("officer", "admin") or bank.owner_id == user.id:
        return True
    if user.role != "instructor":
        return False
    return any(exam.course.is_instructor(user) for exam in db.session.scalars(
        select(Exam).where(Exam.bank_id == bank.id)))


def banks_for(user) -> list[QuestionBank]:
    stmt = select(QuestionBank).order_by(QuestionBank.id.desc())
    if user.role not in ("officer", "admin"):
        stmt = stmt.where(QuestionBank.owner_id == user.id)
    return db.session.scalars(stmt).all()


def current_questions(bank: QuestionBank) -> list[Question]:
    return db.session.scalars(select(Question).where(
        Question.bank_id == bank.id, Question.current.is_(True)).order_by(Question.id)).all()


# --- questions ---------------------------------------------------------------------------

def clean_question(data: dict) -> dict:
    """Validate a question definition into column values; 422 with per-field messages."""
    qtype = data.get("type")
    if qtype not in TYPES:
        raise Invalid(_("Some fields are invalid."), fields={"type": [_("Unknown type.")]})
    errors: dict[str, list[str]] = {}
    text = str(data.get("text") or "").strip()
    if not text:
        errors["text"] = [_("Write the question.")]
    points = data.get("points", 1)
    if not isinstance(points, int | float) or isinstance(points, bool) or not 0 < points <= 100:
        errors["points"] = [_("Points must be a number above 0 and at most 100.")]
    difficulty = data.get("difficulty", 3)
    if not isinstance(difficulty, int) or not 1 <= difficulty <= 5:
        errors["difficulty"] = [_("Difficulty is 1 (easy) to 5 (hard).")]
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t.strip()) <= 40
                                              for t in tags):
        errors["tags"] = [_("Tags are short texts.")]
        tags = []
    try:
        options, answers = TYPES[qtype].clean_definition(data.get("options") or [],
                                                         data.get("answers") or [])
    except DefinitionError as exc:
        for name, message in exc.fields.items():
            errors.setdefault(name, []).append(str(message))
        options, answers = [], []
    if errors:
        raise Invalid(_("Some fields are invalid."), fields=errors)
    return {"type": qtype, "text": text, "points": float(points), "options": options,
            "answers": answers, "tags": sorted({t.strip() for t in tags}),
            "difficulty": difficulty, "explanation": str(data.get("explanation") or "").strip(),
            "partial_credit": bool(data.get("partial_credit", False)) and qtype == "multiple"}


def add_question(user, bank: QuestionBank, data: dict) -> Question:
    require_bank_owner(bank, user)
    values = clean_question(data)
    question = Question(bank_id=bank.id, version=1, current=True, created_by_id=user.id,
                        **values)
    db.session.add(question)
    db.session.flush()
    question.root_id = question.id
    audit.record(user, "question.created", question, after=values)
    return question


def get_question(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound(_("No such question."))
    return question


def used_in_finished_attempt(question: Question) -> bool:
    return bool(db.session.scalar(select(exists().where(
        AttemptItem.question_id == question.id, AttemptItem.attempt_id == Attempt.id,
        Attempt.status != "in_progress"))))


def used_in_any_attempt(question: Question) -> bool:
    return bool(db.session.scalar(select(exists().where(AttemptItem.question_id == question.id))))


def edit_question(user, question: Question, data: dict) -> Question:
    """Edit a question. If a finished attempt used it, the edit becomes a new version (old
    attempts keep theirs and are not regraded); see `correct_key` for fixing a wrong key."""
    require_bank_owner(question.bank, user)
    if not question.current:
        raise Conflict(_("This is an old version; edit the current one."), code="old_version")
    merged = {name: getattr(question, name) for name in QUESTION_FIELDS}
    merged.update({k: v for k, v in data.items() if k in QUESTION_FIELDS})
    if merged["type"] != question.type:
        raise Invalid(_("Some fields are invalid."),
                      fields={"type": [_("A question's type cannot change.")]})
    values = clean_question(merged)
    if used_in_any_attempt(question):
        question.current = False
        new = Question(bank_id=question.bank_id, root_id=question.root_id,
                       version=question.version + 1, current=True, created_by_id=user.id,
                       **values)
        db.session.add(new)
        db.session.flush()
        audit.record(user, "question.versioned", new,
                     before={"id": question.id, "version": question.version},
                     after={"version": new.version, **values})
        return new
    before, after = audit.changes(question, QUESTION_FIELDS, values)
    if after:
        audit.record(user, "question.updated", question, before=before, after=after)
    return question


def retire_question(user, question: Question) -> None:
    """Take a question out of future papers (attempts that used it keep it)."""
    require_bank_owner(question.bank, user)
    if question.current:
        question.current = False
        audit.record(user, "question.retired", question, before={"current": True},
                     after={"current": False})


# --- practical tasks ---------------------------------------------------------------------

def clean_rubric(rubric) -> list[dict]:
    errors = []
    cleaned, names = [], set()
    for row in rubric or []:
        name = str(row.get("criterion", "")).strip()
        max_points = row.get("max_points")
        if not name or name in names:
            errors.append(_("Every criterion needs a distinct name."))
        if not isinstance(max_points, int | float) or isinstance(max_points, bool) \
                or not 0 < max_points <= 1000:
            errors.append(_("Maximum points must be above 0 and at most 1000."))
        names.add(name)
        cleaned.append({"criterion": name, "max_points": max_points,
                        "descriptor": str(row.get("descriptor") or "").strip()})
    if not cleaned:
        errors.append(_("Give at least one criterion."))
    if errors:
        raise Invalid(_("Some fields are invalid."), fields={"rubric": sorted(set(errors))})
    return cleaned


def add_practical_task(user, bank: QuestionBank, data: dict) -> PracticalTask:
    require_bank_owner(bank, user)
    task = PracticalTask(bank_id=bank.id, title=data["title"].strip(),
                         instructions=(data.get("instructions") or "").strip(),
                         rubric=clean_rubric(data.get("rubric")))
    db.session.add(task)
    db.session.flush()
    audit.record(user, "practical_task.created", task,
                 after={"title": task.title, "rubric": task.rubric})
    return task


def update_practical_task(user, task: PracticalTask, data: dict) -> PracticalTask:
    """Edit a task and its rubric; exams already made keep the rubric they copied."""
    require_bank_owner(get_bank(task.bank_id), user)
    title = (data.get("title") or "").strip()
    if not title:
        raise Invalid(_("Some fields are invalid."), fields={"title": [_("Give a title.")]})
    values = {"title": title, "instructions": (data.get("instructions") or "").strip(),
              "rubric": clean_rubric(data.get("rubric"))}
    before, after = audit.changes(task, list(values), values)
    if after:
        audit.record(user, "practical_task.updated", task, before=before, after=after)
    return task


def get_practical_task(task_id: int) -> PracticalTask:
    task = db.session.get(PracticalTask, task_id)
    if task is None:
        raise NotFound(_("No such practical task."))
    return task


def practical_tasks(bank: QuestionBank) -> list[PracticalTask]:
    return db.session.scalars(select(PracticalTask).where(PracticalTask.bank_id == bank.id)
                              .order_by(PracticalTask.id)).all()


# --- exams -------------------------------------------------------------------------------

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
