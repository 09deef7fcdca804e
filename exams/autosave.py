"""Autosave: the hottest path of an exam (every answer of every candidate, retried freely),
in two statements built once with bound parameters (building them cost more than running
them)."""

from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Text, and_, bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import JSONB

from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.models import on_its_own
from core.timeutil import now_utc
from exams import papers
from exams.grading import TYPES, AnswerError, Key, key_of
from exams.models import Attempt, AttemptItem, Question


class SavedAnswer(NamedTuple):
    """What an autosave stored (the API echoes it)."""

    answer: object
    saved_at: datetime
    deadline: datetime


def sqlite_write_lock(attempt_id: int) -> None:
    """SQLite ignores FOR UPDATE: a no-op write takes the database's write lock now, before the
    attempt is read, so a parallel save or submit waits (busy_timeout) and then reads what this
    one committed. Without it 50 parallel submits graded up to 15 times."""
    table = Attempt.__table__
    db.session.execute(update(table).where(table.c.id == attempt_id).values(id=table.c.id))


def _closed(deadline: datetime) -> Conflict:
    return Conflict(_("Time is up: this attempt is closed and no longer accepts answers."),
                    code="attempt_closed", extra={"deadline": deadline.isoformat()})


# The autosave's two statements, built once (building them cost more than running them):
# the values travel as bound parameters. Tables, not mapped classes: a statement naming a
# mapped class runs through the ORM's compile and result layers (for the UPDATE, as a bulk
# UPDATE that copied and re-keyed the statement and synchronised the session on every save;
# `forget_items` expires what the session holds instead).
_attempts, _items, _questions = Attempt.__table__, AttemptItem.__table__, Question.__table__
_SAVE_READ = (
    select(_attempts.c.trainee_id, _attempts.c.status, _attempts.c.deadline,
           _items.c.answer, _items.c.saved_at, _questions.c.type, _questions.c.points,
           _questions.c.options, _questions.c.answers, _questions.c.partial_credit)
    .select_from(_attempts)
    .outerjoin(_items, (_items.c.attempt_id == _attempts.c.id)
               & (_items.c.question_id == bindparam("the_question")))
    .outerjoin(_questions, _questions.c.id == _items.c.question_id)
    .where(_attempts.c.id == bindparam("the_attempt")))
_SAVE_READ_LOCKED = _SAVE_READ.with_for_update(of=_attempts)
_SAVE_WRITE = (
    update(_items)
    .where(_items.c.attempt_id == bindparam("the_attempt"),  # not "attempt_id": an UPDATE
           _items.c.question_id == bindparam("the_question"),  # keeps column names for SET
           select(_attempts.c.id).where(
               _attempts.c.id == bindparam("the_attempt"),
               _attempts.c.trainee_id == bindparam("owner"),
               _attempts.c.status == "in_progress",
               _attempts.c.deadline > bindparam("now")).exists())
    .values(answer=bindparam("new_answer"), saved_at=bindparam("now")))


_OPTIONS_DIGEST = func.md5(func.coalesce(_questions.c.options.cast(Text), ""))
# PostgreSQL: the whole save as one UPDATE, committed on its own. Its WHERE checks owner,
# status and deadline and locks the attempt's row (FOR UPDATE, as the two-step read does), so
# a submit grading the attempt either ran first (then this finds it closed) or waits for this
# save. The same answer again keeps its first saved_at (jsonb compares values, not text).
_SAVE_IN_ONE = (
    update(_items)
    .where(_items.c.attempt_id == bindparam("the_attempt"),
           _items.c.question_id == bindparam("the_question"),
           select(_attempts.c.id).where(
               _attempts.c.id == bindparam("the_attempt"),
               _attempts.c.trainee_id == bindparam("owner"),
               _attempts.c.status == "in_progress",
               _attempts.c.deadline > bindparam("now")).with_for_update().exists(),
           # The shape the answer was checked against is still the question's (see _shape).
           select(_questions.c.id).where(
               _questions.c.id == bindparam("the_question"),
               _questions.c.type == bindparam("shape_type"),
               _OPTIONS_DIGEST == bindparam("shape_digest")).exists())
    .values(answer=bindparam("new_answer"),
            saved_at=case((and_(_items.c.saved_at.is_not(None),
                                _items.c.answer.cast(JSONB) == bindparam("same_answer",
                                                                         type_=JSONB)),
                           _items.c.saved_at), else_=bindparam("now")))
    .returning(_items.c.saved_at,
               select(_attempts.c.deadline).where(_attempts.c.id == bindparam("the_attempt"))
               .scalar_subquery().label("deadline")))
# What an answer is checked against before that UPDATE: the question's type and options
# (the option ids matter), kept per process and question id, read through the attempt's own
# paper. The UPDATE checks that the question still has that type and options (a digest), so
# a kept shape that no longer fits (a key correction, a database restored or reloaded under
# the same ids) changes nothing: the entry is dropped and the two-step save decides.
_SHAPE = (
    select(_questions.c.type, _questions.c.options, _OPTIONS_DIGEST.label("digest"))
    .select_from(_items.join(_questions, _questions.c.id == _items.c.question_id))
    .where(_items.c.attempt_id == bindparam("the_attempt"),
           _items.c.question_id == bindparam("the_question")))
_shapes: dict[int, tuple[str, list, str]] = {}
_SHAPES_KEPT = 20_000


def _shape(keys: dict) -> tuple[str, list, str] | None:
    """(type, options, digest) of the question, kept or read (None: not on this paper)."""
    shape = _shapes.get(keys["the_question"])
    if shape is None:
        row = db.session.execute(_SHAPE, keys).one_or_none()
        if row is None:
            return None
        if len(_shapes) >= _SHAPES_KEPT:
            _shapes.clear()
        shape = _shapes[keys["the_question"]] = (row.type, row.options or [], row.digest)
    return shape


def _key_of_shown(kind: str, options: list) -> Key:
    """What checking an answer's shape needs: the type and the option ids; nothing grades
    from it."""
    return Key(type=kind, points=0, options=options, answers=[])


def _save_in_one(trainee, attempt_id: int, question_id: int, answer,
                 now: datetime | None) -> SavedAnswer | None:
    """The PostgreSQL save: one UPDATE (_SAVE_IN_ONE) committed on its own, after reading
    the question's shape (_shape) when this process has not kept it. None when it changed
    nothing or the answer does not fit (not this trainee's, closed, not on this paper,
    malformed, a kept shape gone stale): the two-step save then says which, owner first, so
    another trainee learns nothing of the paper from a malformed answer."""
    keys = {"the_attempt": attempt_id, "the_question": question_id}
    with on_its_own():  # each statement committed on its own: no BEGIN, no COMMIT
        shape = _shape(keys)
        if shape is None:
            return None
        kind, options, digest = shape
        try:
            value = TYPES[kind].clean_answer(_key_of_shown(kind, options), answer)
        except AnswerError:
            _shapes.pop(question_id, None)  # malformed, or a shape no longer the question's
            return None
        now = now or now_utc()
        row = db.session.execute(_SAVE_IN_ONE, {
            **keys, "owner": trainee.id, "now": now, "new_answer": value, "same_answer": value,
            "shape_type": kind, "shape_digest": digest}).one_or_none()
    if row is None:
        _shapes.pop(question_id, None)
        return None
    papers.forget_items(attempt_id, question_id)  # held objects must not serve a stale answer
    return SavedAnswer(value, row.saved_at, row.deadline)


def save_answer(trainee, attempt_id: int, question_id: int, answer,
                now: datetime | None = None) -> SavedAnswer:
    """Autosave one answer; the same request again changes nothing. After the deadline or
    after submitting: 409 attempt_closed. The hottest path of an exam: one read (the item,
    its question's key and the attempt, whose row it locks on PostgreSQL so a save and a
    submit of one attempt run one after the other) and one UPDATE keyed by attempt and
    question whose WHERE clause checks owner, status and deadline again. On PostgreSQL the
    UPDATE also takes the lock, checks the question's shape and keeps a repeated answer's
    saved_at (_SAVE_IN_ONE); a refused save then takes the two-step path."""
    sqlite = db.engine.dialect.name == "sqlite"
    if not sqlite:
        saved = _save_in_one(trainee, attempt_id, question_id, answer, now)
        if saved is not None:
            return saved
    if sqlite:  # SQLite ignores FOR UPDATE: take the write lock before reading (see submit),
        sqlite_write_lock(attempt_id)  # and read the clock after it, in commit order
    now = now or now_utc()
    keys = {"the_attempt": attempt_id, "the_question": question_id}
    row = db.session.execute(_SAVE_READ if sqlite else _SAVE_READ_LOCKED, keys).one_or_none()
    if row is None:
        raise NotFound(_("No such attempt."))
    if row.trainee_id != trainee.id:
        raise Forbidden(_("This is not your attempt."))
    if row.status != "in_progress" or now >= row.deadline:
        raise _closed(row.deadline)
    if row.type is None:
        raise NotFound(_("This question is not on your paper."))
    try:
        value = TYPES[row.type].clean_answer(key_of(row), answer)  # row: the key's columns
    except AnswerError as exc:
        raise Invalid(str(exc), fields={"answer": [str(exc)]}) from exc
    if row.answer == value and row.saved_at is not None:
        return SavedAnswer(value, row.saved_at, row.deadline)
    result = db.session.execute(_SAVE_WRITE, {**keys, "owner": trainee.id, "now": now,
                                              "new_answer": value})
    if result.rowcount != 1:  # submitted or expired between the read and the write
        raise _closed(row.deadline)
    papers.forget_items(attempt_id, question_id)  # held objects must not serve a stale answer
    return SavedAnswer(value, now, row.deadline)
