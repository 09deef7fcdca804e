"""Attempts: start (attendance gate, one open attempt), autosave, submit, expiry, practical
scoring, regrading. The server's clock decides; the paper never carries the key."""

import random
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from core import audit, signals
from core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from core.extensions import db
from core.timeutil import now_utc
from courses import lifecycle, providers
from courses import service as courses
from exams import service
from exams.grading import TYPES, AnswerError, Key, key_of, score_percent
from exams.models import Attempt, AttemptItem, Exam, Question

_rng = random.SystemRandom()


class SavedAnswer(NamedTuple):
    """What an autosave stored (the API echoes it)."""

    answer: object
    saved_at: datetime
    deadline: datetime


def get_attempt(attempt_id: int, *, lock: bool = False) -> Attempt:
    """The attempt; with `lock`, its row is locked so that saves, submits and scoring of one
    attempt run one after another (PostgreSQL: FOR UPDATE; SQLite: the database write lock)."""
    if lock:
        if db.session.get_bind().dialect.name == "sqlite":
            _sqlite_write_lock(attempt_id)
        attempt = db.session.get(Attempt, attempt_id, with_for_update=True,
                                 populate_existing=True)
    else:
        attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound(_("No such attempt."))
    return attempt


def _sqlite_write_lock(attempt_id: int) -> None:
    """SQLite ignores FOR UPDATE: a no-op write takes the database's write lock now, before the
    attempt is read, so a parallel save or submit waits (busy_timeout) and then reads what this
    one committed. Without it 50 parallel submits graded up to 15 times."""
    table = Attempt.__table__
    db.session.execute(update(table).where(table.c.id == attempt_id).values(id=table.c.id))


def require_owner(attempt: Attempt, user) -> None:
    if attempt.trainee_id != user.id:
        raise Forbidden(_("This is not your attempt."))


def require_viewer(attempt: Attempt, user) -> None:
    """The trainee who sat it, the course's instructors, officers."""
    if attempt.trainee_id == user.id or service.can_view_results(attempt.exam, user):
        return
    raise Forbidden(_("This is not your attempt."))


def open_attempt(exam: Exam, trainee_id: int) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(
        Attempt.exam_id == exam.id, Attempt.trainee_id == trainee_id,
        Attempt.status == "in_progress"))


def allowed_attempts(exam: Exam, trainee_id: int) -> int:
    override = service.override_for(exam, trainee_id)
    return exam.max_attempts + (override.extra_attempts if override else 0)


def check_eligible(exam: Exam, trainee) -> dict:
    """Enrolled and past the attendance threshold; 403 `not_eligible` with the figures."""
    enrolment = lifecycle.participation(trainee.id, exam.course)
    summary = courses.attendance_gate(enrolment)
    if not summary.get("eligible_for_exam"):
        figures = {k: summary.get(k) for k in ("required_minutes", "attended_minutes", "ratio")}
        figures["threshold"] = exam.course.attendance_threshold
        raise ServiceError(
            _("You have attended %(attended)s of %(required)s minutes; the exam opens to you "
              "at %(percent)s%%.", attended=summary.get("attended_minutes", 0),
              required=summary.get("required_minutes", 0),
              percent=round(exam.course.attendance_threshold * 100)),
            code="not_eligible", status=403, extra={"attendance": figures, **figures})
    return summary


def draw_paper(exam: Exam) -> list[Question]:
    """Questions for one attempt, at random per blueprint entry, without repeats. The draw
    reads only ids, types and tags of the bank's current questions (one query), then loads
    the questions picked (one query): a bank of thousands costs the same as a bank of 20."""
    candidates = db.session.execute(select(Question.id, Question.type, Question.tags).where(
        Question.bank_id == exam.bank_id, Question.current.is_(True))
        .order_by(Question.id)).all()
    picked_ids: list[int] = []
    taken: set[int] = set()
    for entry in exam.blueprint:
        pool = [qid for qid, kind, tags in candidates
                if qid not in taken and (not entry.get("type") or kind == entry["type"])
                and (not entry.get("tag") or entry["tag"] in (tags or []))]
        if len(pool) < entry["count"]:
            raise Conflict(_("The question bank no longer has enough questions for this exam; "
                             "tell the instructor."), code="bank_too_small")
        picked = _rng.sample(pool, entry["count"])
        taken.update(picked)
        picked_ids.extend(picked)
    if exam.shuffle_questions:
        _rng.shuffle(picked_ids)
    by_id = {q.id: q for q in db.session.scalars(select(Question).where(
        Question.id.in_(picked_ids)))} if picked_ids else {}
    return [by_id[qid] for qid in picked_ids]


def start_attempt(trainee, exam: Exam, now: datetime | None = None) -> Attempt:
    """Start an attempt: eligibility, window, attempt count; the deadline is fixed here."""
    now = now or now_utc()
    providers.require_approved(exam.course)
    check_eligible(exam, trainee)
    # One read of this trainee's attempts answers "open?", "passed?" and "how many?".
    mine = attempts_of(exam, trainee.id)
    current = next((a for a in mine if a.status == "in_progress"), None)
    if expire_if_due(current, now):
        current = None
    if now < exam.opens_at:
        raise Conflict(_("The exam is not open yet."), code="exam_not_open")
    if now >= exam.closes_at:
        raise Conflict(_("The exam has closed."), code="exam_closed")
    if current is not None:
        raise Conflict(_("You already have an attempt in progress."), code="attempt_open",
                       extra={"attempt_id": current.id})
    if any(a.passed for a in mine):
        raise Conflict(_("You have already passed this exam."), code="already_passed")
    used = len(mine)
    override = service.override_for(exam, trainee.id)
    if used >= exam.max_attempts + (override.extra_attempts if override else 0):
        raise Conflict(_("You have used all your attempts at this exam."),
                       code="no_attempts_left")
    minutes = exam.time_limit_minutes + (override.extra_minutes if override else 0)
    deadline = min(now + timedelta(minutes=minutes), exam.closes_at)
    attempt = Attempt(exam_id=exam.id, trainee_id=trainee.id, number=used + 1,
                      status="in_progress", started_at=now, deadline=deadline)
    questions = draw_paper(exam)
    attempt.theory_max = sum(q.points for q in questions)
    db.session.add(attempt)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a twin request started one first
        db.session.rollback()
        raise Conflict(_("You already have an attempt in progress."),
                       code="attempt_open") from exc
    rows = []
    for position, question in enumerate(questions, start=1):
        order = [o["id"] for o in question.options]
        if exam.shuffle_options:
            _rng.shuffle(order)
        rows.append({"attempt_id": attempt.id, "question_id": question.id,
                     "position": position, "option_order": order})
    # The whole paper in one multi-row INSERT; the items are read back with their questions
    # (one query) when the paper is shown.
    db.session.execute(insert(AttemptItem), rows)
    audit.record(trainee, "attempt.started", attempt, after={
        "exam_id": exam.id, "number": attempt.number, "deadline": deadline,
        "questions": [q.id for q in questions]})
    return attempt


def paper(attempt: Attempt) -> list[dict]:
    """What the browser gets: text and options in this attempt's order; never the key."""
    out = []
    for item in attempt.items:
        question = item.question
        by_id = {o["id"]: o for o in question.options}
        out.append({"id": question.id, "position": item.position, "type": question.type,
                    "text": question.text, "points": question.points,
                    "options": [{"id": oid, "text": by_id[oid]["text"]}
                                for oid in item.option_order if oid in by_id]})
    return out


def saved_answers(attempt: Attempt) -> dict[str, object]:
    return {str(item.question_id): item.answer for item in attempt.items
            if item.answer is not None}


def _grade_items(attempt: Attempt) -> float:
    total = 0.0
    for item in attempt.items:
        item.points_awarded = TYPES[item.question.type].grade(key_of(item.question), item.answer)
        total += item.points_awarded
    return round(total, 4)


def _result(attempt: Attempt) -> None:
    """Decide pass/fail when every part is in."""
    exam = attempt.exam
    theory_ok = attempt.theory_score is not None and attempt.theory_score >= exam.pass_theory
    if not exam.has_practical:
        attempt.passed = theory_ok
    elif attempt.practical_score is not None:
        attempt.passed = theory_ok and attempt.practical_score >= exam.pass_practical
    else:
        attempt.passed = None


def _announce_pass(attempt: Attempt, actor) -> None:
    """Certificates listen (idempotent per attempt_id) and issue in this same transaction."""
    db.session.flush()
    signals.exam_passed.send(current_app._get_current_object(), trainee_id=attempt.trainee_id,
                             course_id=attempt.exam.course_id, exam_id=attempt.exam_id,
                             attempt_id=attempt.id, actor=actor,
                             provider=providers.evaluator(attempt.exam.course))


def finalise(attempt: Attempt, actor, now: datetime, by: str) -> Attempt:
    """Grade the theory part with what was saved; complete it unless practical is pending."""
    attempt.theory_points = _grade_items(attempt)
    attempt.theory_score = score_percent(attempt.theory_points, attempt.theory_max)
    attempt.submitted_at = min(now, attempt.deadline)
    attempt.submitted_by = by
    if attempt.exam.has_practical and attempt.practical_score is None:
        attempt.status = "awaiting_practical"
    else:
        attempt.status = "completed"
        attempt.completed_at = now
    _result(attempt)
    audit.record(actor, "attempt.submitted" if by == "trainee" else "attempt.expired", attempt,
                 before={"status": "in_progress"},
                 after={"status": attempt.status, "theory_score": attempt.theory_score,
                        "passed": attempt.passed, "answered": len(saved_answers(attempt))})
    if attempt.passed:
        _announce_pass(attempt, actor)
    return attempt


def expire_if_due(attempt: Attempt | None, now: datetime | None = None) -> bool:
    """Finalise an open attempt whose deadline has passed, with what was saved."""
    now = now or now_utc()
    if attempt is None or attempt.status != "in_progress" or now < attempt.deadline:
        return False
    finalise(attempt, None, now, by="timeout")
    return True


def _closed(deadline: datetime) -> Conflict:
    return Conflict(_("Time is up: this attempt is closed and no longer accepts answers."),
                    code="attempt_closed", extra={"deadline": deadline.isoformat()})


# The autosave's two statements, built once (building them cost more than running them):
# the values travel as bound parameters.
_SAVE_READ = (
    select(Attempt.trainee_id, Attempt.status, Attempt.deadline, AttemptItem.answer,
           AttemptItem.saved_at, Question.type, Question.points, Question.options,
           Question.answers, Question.partial_credit)
    .select_from(Attempt)
    .outerjoin(AttemptItem, (AttemptItem.attempt_id == Attempt.id)
               & (AttemptItem.question_id == bindparam("the_question")))
    .outerjoin(Question, Question.id == AttemptItem.question_id)
    .where(Attempt.id == bindparam("the_attempt")))
_SAVE_READ_LOCKED = _SAVE_READ.with_for_update(of=Attempt)
_items = AttemptItem.__table__
_SAVE_WRITE = (
    update(_items)
    .where(_items.c.attempt_id == bindparam("the_attempt"),  # not "attempt_id": an UPDATE
           _items.c.question_id == bindparam("the_question"),  # keeps column names for SET
           select(Attempt.id).where(
               Attempt.id == bindparam("the_attempt"), Attempt.trainee_id == bindparam("owner"),
               Attempt.status == "in_progress", Attempt.deadline > bindparam("now")).exists())
    .values(answer=bindparam("new_answer"), saved_at=bindparam("now")))


def save_answer(trainee, attempt_id: int, question_id: int, answer,
                now: datetime | None = None) -> SavedAnswer:
    """Autosave one answer; the same request again changes nothing. After the deadline or
    after submitting: 409 attempt_closed. The hottest path of an exam: one read (the item,
    its question's key and the attempt, whose row it locks on PostgreSQL so a save and a
    submit of one attempt run one after the other) and one UPDATE keyed by attempt and
    question whose WHERE clause checks owner, status and deadline again."""
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:  # SQLite ignores FOR UPDATE: take the write lock before reading (see submit),
        _sqlite_write_lock(attempt_id)  # and read the clock after it, in commit order
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
        value = TYPES[row.type].clean_answer(Key(type=row.type, points=row.points,
                                                 options=row.options, answers=row.answers,
                                                 partial_credit=row.partial_credit), answer)
    except AnswerError as exc:
        raise Invalid(str(exc), fields={"answer": [str(exc)]}) from exc
    if row.answer == value and row.saved_at is not None:
        return SavedAnswer(value, row.saved_at, row.deadline)
    result = db.session.execute(_SAVE_WRITE, {**keys, "owner": trainee.id, "now": now,
                                              "new_answer": value})
    if result.rowcount != 1:  # submitted or expired between the read and the write
        raise _closed(row.deadline)
    # Objects this session already holds must not serve a stale answer.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, AttemptItem) and obj.attempt_id == attempt_id \
                and obj.question_id == question_id:
            db.session.expire(obj)
    return SavedAnswer(value, now, row.deadline)


def carried_answers(attempt: Attempt, getlist) -> dict[str, object]:
    """The answers an exam page's form post carries (inputs named q<question id>), typed as
    the API takes them. A question the form leaves blank is absent: its saved answer stands."""
    out: dict[str, object] = {}
    for item in attempt.items:
        values = [v for v in getlist(f"q{item.question_id}") if v != ""]
        kind = item.question.type
        if not values:
            continue
        if kind == "multiple":
            out[str(item.question_id)] = values
        elif kind == "true_false":
            out[str(item.question_id)] = {"true": True, "false": False}.get(values[-1], values[-1])
        else:
            out[str(item.question_id)] = values[-1]
    return out


def _save_carried(trainee, attempt: Attempt, answers: dict, now: datetime) -> None:
    """Store the submitted answers before grading. One that does not fit its question (a
    tampered option id) is skipped, so the saved answer stands and the submit still counts."""
    changed = []
    for item in attempt.items:
        if str(item.question_id) not in answers:
            continue
        try:
            value = TYPES[item.question.type].clean_answer(key_of(item.question),
                                                           answers[str(item.question_id)])
        except AnswerError:
            continue
        if value is not None and item.answer != value:
            item.answer, item.saved_at = value, now
            changed.append(item.question_id)
    if changed:
        audit.record(trainee, "attempt.answers_carried", attempt, after={"questions": changed})


def submit(trainee, attempt_id: int, now: datetime | None = None,
           answers: dict | None = None) -> Attempt:
    """Submit once, saving the `answers` the final post carries first; a repeated submit (a
    retry, a double click) returns the same result. After the deadline the carried answers
    are refused like any late save: the attempt is graded with what was saved in time."""
    attempt = get_attempt(attempt_id, lock=True)
    require_owner(attempt, trainee)
    now = now or now_utc()
    if attempt.status != "in_progress":
        return attempt
    if now >= attempt.deadline:
        return finalise(attempt, None, now, by="timeout")
    if answers:
        _save_carried(trainee, attempt, answers, now)
    return finalise(attempt, trainee, now, by="trainee")


def close_expired(now: datetime | None = None, limit: int = 1000) -> int:
    """Finalise every open attempt past its deadline (the CLI and a cron job call this)."""
    now = now or now_utc()
    ids = db.session.scalars(select(Attempt.id).where(
        Attempt.status == "in_progress", Attempt.deadline <= now)
        .order_by(Attempt.deadline).limit(limit)).all()
    closed = 0
    for attempt_id in ids:
        attempt = get_attempt(attempt_id, lock=True)
        closed += expire_if_due(attempt, now)
    return closed


def score_practical(examiner, attempt_id: int, criteria: dict, comment: str | None,
                    now: datetime | None = None) -> Attempt:
    """The examiner scores the practical part against the rubric; the result is then final."""
    attempt = get_attempt(attempt_id, lock=True)
    exam = attempt.exam
    service.require_examiner(exam, examiner)
    if not exam.has_practical:
        raise Conflict(_("This exam has no practical part."), code="no_practical")
    if attempt.status == "in_progress":
        raise Conflict(_("The trainee has not submitted the theory part yet."),
                       code="attempt_in_progress")
    if attempt.passed:
        raise Conflict(_("This result is final: the trainee passed."), code="result_final")
    rubric = {row["criterion"]: row["max_points"] for row in exam.rubric}
    errors: dict[str, list[str]] = {}
    for name, points in criteria.items():
        if name not in rubric:
            errors[name] = [_("Not a criterion of this rubric.")]
        elif not isinstance(points, int | float) or isinstance(points, bool) \
                or not 0 <= points <= rubric[name]:
            errors[name] = [_("Give 0 to %(max)s points.", max=rubric[name])]
    for name in rubric:
        if name not in criteria:
            errors[name] = [_("Score every criterion.")]
    if errors:
        raise Invalid(_("Some scores are invalid."), fields={"criteria": errors})
    now = now or now_utc()
    before = {"practical_scores": attempt.practical_scores,
              "practical_score": attempt.practical_score, "passed": attempt.passed}
    attempt.practical_scores = {name: criteria[name] for name in rubric}
    attempt.practical_score = score_percent(sum(criteria.values()), sum(rubric.values()))
    attempt.practical_comment = (comment or "").strip() or None
    attempt.scored_by_id, attempt.scored_at = examiner.id, now
    attempt.status, attempt.completed_at = "completed", now
    _result(attempt)
    audit.record(examiner, "attempt.practical_scored", attempt, before=before, after={
        "practical_scores": attempt.practical_scores,
        "practical_score": attempt.practical_score, "comment": attempt.practical_comment,
        "theory_score": attempt.theory_score, "passed": attempt.passed})
    if attempt.passed:
        _announce_pass(attempt, examiner)
    return attempt


def correct_key(user, question: Question, data: dict) -> list[Attempt]:
    """Fix a wrong key in place (options' `correct` flags, accepted answers, partial credit)
    and regrade every finished attempt that had this question. Audited per attempt; a fail
    that becomes a pass announces the pass (listeners are idempotent per attempt)."""
    service.require_bank_owner(question.bank, user)
    merged = {name: getattr(question, name) for name in service.QUESTION_FIELDS}
    if "options" in data:
        texts = {o["id"]: o["text"] for o in question.options}
        given = {str(o.get("id")): bool(o.get("correct")) for o in data["options"]}
        if set(given) != set(texts):
            raise Invalid(_("Some fields are invalid."), fields={"options": [
                _("A key correction marks the same options (by id); it cannot add or remove "
                  "options.")]})
        merged["options"] = [{"id": oid, "text": texts[oid], "correct": given[oid]}
                             for oid in texts]
    for name in ("answers", "partial_credit"):
        if name in data:
            merged[name] = data[name]
    values = service.clean_question(merged)
    before = {k: getattr(question, k) for k in ("options", "answers", "partial_credit")}
    for name in ("options", "answers", "partial_credit"):
        setattr(question, name, values[name])
    audit.record(user, "question.key_corrected", question, before=before,
                 after={k: values[k] for k in before})
    affected = db.session.scalars(select(Attempt).join(AttemptItem).where(
        AttemptItem.question_id == question.id, Attempt.status != "in_progress")
        .order_by(Attempt.id)).all()
    for attempt in affected:
        regrade(user, attempt)
    return affected


def regrade(user, attempt: Attempt) -> Attempt:
    before = {"theory_score": attempt.theory_score, "passed": attempt.passed}
    attempt.theory_points = _grade_items(attempt)
    attempt.theory_score = score_percent(attempt.theory_points, attempt.theory_max)
    was_passed = attempt.passed
    _result(attempt)
    after = {"theory_score": attempt.theory_score, "passed": attempt.passed}
    if after != before:
        audit.record(user, "attempt.regraded", attempt, before=before, after=after)
    if attempt.passed and not was_passed:
        _announce_pass(attempt, user)
    return attempt


def attempts_of(exam: Exam, trainee_id: int) -> list[Attempt]:
    return db.session.scalars(select(Attempt).where(
        Attempt.exam_id == exam.id, Attempt.trainee_id == trainee_id)
        .order_by(Attempt.number)).all()
