"""Question banks, their questions (versioned: an edit after use makes a new version) and
practical tasks with their rubrics.

Exams and overrides live in exams/service.py; attempts, grading and scoring in
exams/attempts.py."""

from flask_babel import gettext as _
from sqlalchemy import exists, select

from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from courses import service as courses
from exams.grading import TYPES, DefinitionError
from exams.models import Attempt, AttemptItem, Exam, PracticalTask, Question, QuestionBank

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
