"""Attempts: start (attendance gate, one open attempt), submit, expiry, practical scoring,
regrading. The server's clock decides; the paper never carries the key. The paper itself is
in `papers`, the autosave in `autosave`."""

from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, case, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload, lazyload, make_transient_to_detached

from core import audit, signals
from core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from core.extensions import db
from core.timeutil import now_utc
from courses import lifecycle, providers
from courses import service as courses
from courses.models import Course
from exams import banks, papers, service
from exams.autosave import sqlite_write_lock
from exams.grading import TYPES, AnswerError, key_of, score_percent
from exams.models import Attempt, AttemptItem, Exam, ExamOverride, Question


def get_attempt(attempt_id: int, *, lock: bool = False) -> Attempt:
    """The attempt; with `lock`, its row is locked so that saves, submits and scoring of one
    attempt run one after another (PostgreSQL: FOR UPDATE; SQLite: the database write lock)."""
    if lock:
        if db.session.get_bind().dialect.name == "sqlite":
            sqlite_write_lock(attempt_id)
        attempt = db.session.execute(_locked_attempt(), {"attempt": attempt_id}
                                     ).scalar_one_or_none()
    else:
        attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound(_("No such attempt."))
    return attempt


@cache
def _locked_attempt():
    """Its exam in the same statement (every caller reads it); only the attempt is locked;
    what the session held is overwritten. Built once: `Session.get` with these options built
    and keyed a new statement per call."""
    return (select(Attempt).where(Attempt.id == bindparam("attempt"))
            .options(joinedload(Attempt.exam, innerjoin=True))
            .with_for_update(of=Attempt).execution_options(populate_existing=True))


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


_attempts, _overrides = Attempt.__table__, ExamOverride.__table__


def _override_column(column):
    return (select(column).where(_overrides.c.exam_id == bindparam("exam"),
                                 _overrides.c.trainee_id == bindparam("trainee"))
            .scalar_subquery())


# A trainee's standing at an exam, built once: attempts used, the open one's id, whether one
# passed (an aggregate: one row even with no attempt), and the override's extra minutes and
# attempts (NULL without one). Starting read these with two statements and loaded every
# attempt as an entity. Tables, not mapped classes: plain SQL skips the ORM's compile and
# result layers (nothing of the attempts is pending in the session when a start reads this).
_mine = ((_attempts.c.exam_id == bindparam("exam"))
         & (_attempts.c.trainee_id == bindparam("trainee")))
_STANDING = select(
    func.count(_attempts.c.id),
    func.max(case((_attempts.c.status == "in_progress", _attempts.c.id))),
    func.max(case((_attempts.c.passed.is_(True), 1), else_=0)),
    _override_column(_overrides.c.extra_minutes),
    _override_column(_overrides.c.extra_attempts),
).where(_mine)


def exam_to_start(exam_id: int) -> Exam:
    """`service.get_exam` for starting an attempt, every candidate at once on exam day: the
    course without its description, occupation or provider, which a start does not read (they
    load on first use; their eager joins were a third of the statement's columns), in a
    statement built once (`Session.get` with options builds and keys a new one per call)."""
    exam = db.session.execute(_exam_to_start(), {"exam": exam_id}).scalar_one_or_none()
    if exam is None:
        raise NotFound(_("No such exam."))
    return exam


@cache
def _exam_to_start():
    return select(Exam).where(Exam.id == bindparam("exam")).options(
        joinedload(Exam.course, innerjoin=True).options(
            defer(Course.description_html), lazyload(Course.occupation),
            lazyload(Course.platform), lazyload(Course.institution)))


# The new attempt in one built-once INSERT ... RETURNING id (column defaults filled by
# SQLAlchemy): adding the object and flushing it cost a start more Python in the unit of work
# than the statement itself.
_NEW_ATTEMPT = insert(_attempts).returning(_attempts.c.id)


def start_attempt(trainee, exam: Exam, now: datetime | None = None
                  ) -> tuple[Attempt, list[dict]]:
    """Start an attempt: eligibility, window, attempt count; the deadline is fixed here.
    Returns the attempt and its paper as the browser gets it."""
    now = now or now_utc()
    providers.require_approved(exam.course)
    check_eligible(exam, trainee)
    # One statement answers "how many?", "open?", "passed?" and the override's extras.
    used, open_id, passed, extra_minutes, extra_attempts = db.session.execute(
        _STANDING, {"exam": exam.id, "trainee": trainee.id}).one()
    current = db.session.get(Attempt, open_id) if open_id is not None else None
    if expire_if_due(current, now):
        passed = passed or bool(current.passed)  # graded just now, with what was saved
        current = None
    if now < exam.opens_at:
        raise Conflict(_("The exam is not open yet."), code="exam_not_open")
    if now >= exam.closes_at:
        raise Conflict(_("The exam has closed."), code="exam_closed")
    if current is not None:
        raise Conflict(_("You already have an attempt in progress."), code="attempt_open",
                       extra={"attempt_id": current.id})
    if passed:
        raise Conflict(_("You have already passed this exam."), code="already_passed")
    if used >= exam.max_attempts + (extra_attempts or 0):
        raise Conflict(_("You have used all your attempts at this exam."),
                       code="no_attempts_left")
    minutes = exam.time_limit_minutes + (extra_minutes or 0)
    deadline = min(now + timedelta(minutes=minutes), exam.closes_at)
    questions = papers.draw(exam)
    values = {"exam_id": exam.id, "trainee_id": trainee.id, "number": used + 1,
              "status": "in_progress", "started_at": now, "deadline": deadline,
              "theory_max": sum(q.points for q in questions)}
    try:
        attempt_id = db.session.execute(_NEW_ATTEMPT, values).scalar_one()
    except IntegrityError as exc:  # a twin request started one first
        db.session.rollback()
        raise Conflict(_("You already have an attempt in progress."),
                       code="attempt_open") from exc
    # Persistent without a flush: the columns not written here load if anything reads them.
    attempt = Attempt(id=attempt_id, **values)
    make_transient_to_detached(attempt)
    db.session.add(attempt)
    shown = papers.lay_out(attempt, exam, questions)
    audit.record(trainee, "attempt.started", attempt, after={
        "exam_id": exam.id, "number": attempt.number, "deadline": deadline,
        "questions": [q.id for q in questions]})
    return attempt, shown


def paper(attempt: Attempt) -> list[dict]:
    """What the browser gets: text and options in this attempt's order; never the key."""
    return papers.shown(attempt)[0]


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
                             provider=providers.evaluator_of(attempt.exam.course_id))


def finalise(attempt: Attempt, actor, now: datetime, by: str) -> Attempt:
    """Grade the theory part with what was saved; complete it unless practical is pending."""
    exam = attempt.exam  # read before any change, so the attempt is written in one UPDATE
    attempt.theory_points, answered = papers.grade(attempt)
    attempt.theory_score = score_percent(attempt.theory_points, attempt.theory_max)
    attempt.submitted_at = min(now, attempt.deadline)
    attempt.submitted_by = by
    if exam.has_practical and attempt.practical_score is None:
        attempt.status = "awaiting_practical"
    else:
        attempt.status = "completed"
        attempt.completed_at = now
    _result(attempt)
    audit.record(actor, "attempt.submitted" if by == "trainee" else "attempt.expired", attempt,
                 before={"status": "in_progress"},
                 after={"status": attempt.status, "theory_score": attempt.theory_score,
                        "passed": attempt.passed, "answered": answered})
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
    banks.require_bank_owner(question.bank, user)
    merged = {name: getattr(question, name) for name in banks.QUESTION_FIELDS}
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
    values = banks.clean_question(merged)
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
    attempt.theory_points = papers.grade(attempt)[0]
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
