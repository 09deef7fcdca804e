"""An attempt's paper: drawn per blueprint, read back for the browser, graded. These run for
every candidate on exam day, so they read columns, not entities (building 16 questions and
16 items as ORM objects cost more than the SQL), with statements built once."""

import os
import random
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import Float, Integer, bindparam, case, null, select, text, update

from core.errors import Conflict
from core.extensions import db
from exams import grading
from exams.models import Attempt, AttemptItem, Exam, Question

# The hot statements name tables, not mapped classes: they read columns, and a mapped class
# sends a statement through the ORM's compile and result layers.
_questions, _items = Question.__table__, AttemptItem.__table__
_bank_current = (_questions.c.bank_id == bindparam("bank")) & _questions.c.current.is_(True)
_CANDIDATES = (select(_questions.c.id, _questions.c.type, _questions.c.tags)
               .where(_bank_current).order_by(_questions.c.id))
# Without the tags (a JSON column decoded per question of the bank) when no blueprint entry
# asks for a tag, as most do not.
_UNTAGGED_CANDIDATES = (select(_questions.c.id, _questions.c.type, null().label("tags"))
                        .where(_bank_current).order_by(_questions.c.id))


@lru_cache(maxsize=32)
def _picked(size: int):
    """The drawn questions, one parameter per id, built once per paper size (an expanding IN
    is rewritten for its values on every execution)."""
    ids = [bindparam(f"id{k}", type_=Integer) for k in range(size)]
    return (select(_questions.c.id, _questions.c.type, _questions.c.text,
                   _questions.c.points, _questions.c.options)
            .where(_questions.c.id.in_(ids)))


_SHOWN = (select(AttemptItem.question_id, AttemptItem.position, AttemptItem.option_order,
                 AttemptItem.answer, Question.type, Question.text, Question.points,
                 Question.options)
          .join(Question, Question.id == AttemptItem.question_id)
          .where(AttemptItem.attempt_id == bindparam("attempt"))
          .order_by(AttemptItem.position))
_TO_GRADE = (select(_items.c.id, _items.c.answer, _questions.c.type, _questions.c.points,
                    _questions.c.options, _questions.c.answers, _questions.c.partial_credit)
             .join(_questions, _questions.c.id == _items.c.question_id)
             .where(_items.c.attempt_id == bindparam("attempt")))


@lru_cache(maxsize=32)
def _lay_out(size: int):
    """The paper's items in one multi-row INSERT, built once per paper size. The attempt is one
    parameter and each position is written in the SQL, so 16 questions take 33 parameters:
    psycopg caches its parsing of a statement only up to 50, and the executemany with
    RETURNING sent 64, parsed anew on every start. Text, because SQLAlchemy does not cache
    the compilation of a multi-row `insert().values()`."""
    rows = ", ".join(f"(:attempt, :question{k}, {k + 1}, :order{k})" for k in range(size))
    order_type = _items.c.option_order.type
    return text(f"INSERT INTO {_items.name} (attempt_id, question_id, position, option_order) "
                f"VALUES {rows}").bindparams(
        bindparam("attempt", type_=Integer),
        *(bindparam(f"question{k}", type_=Integer) for k in range(size)),
        *(bindparam(f"order{k}", type_=order_type) for k in range(size)))


@lru_cache(maxsize=32)
def _award(size: int):
    """Every item's points in one UPDATE (`CASE WHEN id = ... THEN ...`), built once per paper
    size: an executemany would have the driver send, and the database plan, one UPDATE per
    item (1.5 ms for 16 on PostgreSQL), and building the statement anew for each submit cost
    more Python than the executemany did."""
    ids = [bindparam(f"item{k}", type_=Integer) for k in range(size)]
    points = [bindparam(f"points{k}", type_=Float) for k in range(size)]
    whens = [(_items.c.id == i, p) for i, p in zip(ids, points, strict=True)]
    return update(_items).where(_items.c.id.in_(ids)).values(points_awarded=case(*whens))


def _paper_rng() -> random.Random:
    """A generator seeded from the OS's entropy for one draw or layout: as unpredictable as
    SystemRandom over the few dozen numbers a paper takes, without a system call per number
    (SystemRandom made 75 per start)."""
    return random.Random(os.urandom(32))


def draw(exam: Exam) -> list:
    """Questions for one attempt (id, type, text, points, options), at random per blueprint
    entry, without repeats. The draw reads only ids, types and tags of the bank's current
    questions, then the picked ones: a bank of thousands costs the same as a bank of 20."""
    by_tag = any(entry.get("tag") for entry in exam.blueprint)
    rng = _paper_rng()
    candidates = db.session.execute(_CANDIDATES if by_tag else _UNTAGGED_CANDIDATES,
                                    {"bank": exam.bank_id}).all()
    picked_ids: list[int] = []
    taken: set[int] = set()
    for entry in exam.blueprint:
        wanted_type, wanted_tag = entry.get("type"), entry.get("tag")  # not per candidate
        pool = [qid for qid, kind, tags in candidates
                if qid not in taken and (not wanted_type or kind == wanted_type)
                and (not wanted_tag or wanted_tag in (tags or []))]
        if len(pool) < entry["count"]:
            raise Conflict(_("The question bank no longer has enough questions for this exam; "
                             "tell the instructor."), code="bank_too_small")
        picked = rng.sample(pool, entry["count"])
        taken.update(picked)
        picked_ids.extend(picked)
    if exam.shuffle_questions:
        rng.shuffle(picked_ids)
    by_id = {row.id: row for row in db.session.execute(
        _picked(len(picked_ids)), {f"id{k}": qid for k, qid in enumerate(picked_ids)})} \
        if picked_ids else {}
    return [by_id[qid] for qid in picked_ids]


def lay_out(attempt: Attempt, exam: Exam, questions: list) -> list[dict]:
    """Store the drawn questions as the attempt's items (one multi-row INSERT), options in
    this attempt's order, and return the paper as `shown` would read it back."""
    params, paper, rng = {"attempt": attempt.id}, [], _paper_rng()
    for k, question in enumerate(questions):
        order = [o["id"] for o in question.options]
        if exam.shuffle_options:
            rng.shuffle(order)
        params[f"question{k}"], params[f"order{k}"] = question.id, order
        paper.append(_as_shown(question.id, k + 1, question, order))
    # One INSERT with a VALUES row per question, where an executemany has the driver send, and
    # the database plan, one INSERT per row: 1.4 ms for 16 rows on PostgreSQL.
    if questions:
        db.session.execute(_lay_out(len(questions)), params)
    return paper


def _as_shown(question_id: int, position: int, question, order: list[str]) -> dict:
    by_id = {o["id"]: o for o in question.options}
    return {"id": question_id, "position": position, "type": question.type,
            "text": question.text, "points": question.points,
            "options": [{"id": oid, "text": by_id[oid]["text"]} for oid in order if oid in by_id]}


def shown(attempt: Attempt) -> tuple[list[dict], dict[str, object]]:
    """What the browser gets, in one statement: the questions in this attempt's order with
    their options in its order (never the key), and the answers saved so far."""
    questions, answers = [], {}
    for row in db.session.execute(_SHOWN, {"attempt": attempt.id}):
        questions.append(_as_shown(row.question_id, row.position, row, row.option_order))
        if row.answer is not None:
            answers[str(row.question_id)] = row.answer
    return questions, answers


def grade(attempt: Attempt) -> tuple[float, int]:
    """Grade every item against its question's current key in one pass and store the points
    (one read, one UPDATE of every item). Returns (points, answered)."""
    db.session.flush()  # answers or a key corrected in this session count
    awards, total, answered = {}, 0.0, 0
    for row in db.session.execute(_TO_GRADE, {"attempt": attempt.id}):
        points = grading.grade(row, row.answer)  # the row carries the key's columns
        awards[row.id] = points
        total += points
        answered += row.answer is not None
    if awards:
        params = {}
        for k, (item_id, points) in enumerate(awards.items()):
            params[f"item{k}"], params[f"points{k}"] = item_id, points
        db.session.execute(_award(len(awards)), params)
    forget_items(attempt.id)
    return round(total, 4), answered


def forget_items(attempt_id: int, question_id: int | None = None) -> None:
    """Items of this attempt (or one of them) that the session already holds are expired:
    they were written past the ORM and must not serve stale values. An object already
    expired is left alone (reading its attributes would load it)."""
    for obj in list(db.session.identity_map.values()):
        state = vars(obj)
        if isinstance(obj, AttemptItem) and state.get("attempt_id") == attempt_id \
                and question_id in (None, state.get("question_id")):
            db.session.expire(obj)
        elif isinstance(obj, Attempt) and state.get("id") == attempt_id and question_id is None:
            db.session.expire(obj, ["items"])
