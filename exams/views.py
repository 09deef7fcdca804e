"""Exam pages for trainees: my exams, an exam's page, taking an attempt, the result."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.auth import TRAINEE, role_required
from core.errors import ServiceError
from core.extensions import db
from core.timeutil import iso, now_utc
from courses import service as courses
from courses.models import Enrolment
from exams import attempts, papers, review, service
from exams.models import Exam

bp = Blueprint("exams", __name__)


def _eligibility(exam: Exam) -> tuple[bool, dict | None, str | None]:
    try:
        return True, attempts.check_eligible(exam, current_user), None
    except ServiceError as error:
        return False, error.extra.get("attendance"), error.message


@bp.get("/my/exams")
@role_required(TRAINEE)
def my_exams():
    exams = db.session.scalars(
        select(Exam).join(Enrolment, Enrolment.course_id == Exam.course_id)
        .where(Enrolment.trainee_id == current_user.id).order_by(Exam.opens_at.desc())).all()
    rows = [(exam, attempts.attempts_of(exam, current_user.id)) for exam in exams]
    return render_template("exams/my_exams.html", rows=rows, now=now_utc())


@bp.get("/exams/<int:exam_id>")
@role_required(TRAINEE)
def exam_page(exam_id: int):
    exam = service.get_exam(exam_id)
    if courses.enrolment_for(current_user.id, exam.course_id) is None:
        flash(_("Enrol in the course to see its exams."), "error")
        return redirect(url_for("courses.detail", course_id=exam.course_id))
    mine = attempts.attempts_of(exam, current_user.id)
    eligible, figures, reason = _eligibility(exam)
    open_attempt = next((a for a in mine if a.status == "in_progress"), None)
    if open_attempt is not None and attempts.expire_if_due(open_attempt):
        open_attempt = None
    return render_template("exams/exam.html", exam=exam, attempts=mine, eligible=eligible,
                           figures=figures, reason=reason, open_attempt=open_attempt,
                           allowed=attempts.allowed_attempts(exam, current_user.id),
                           is_open=service.is_open(exam, now_utc()))


@bp.post("/exams/<int:exam_id>/start")
@role_required(TRAINEE)
def start(exam_id: int):
    exam = service.get_exam(exam_id)
    try:
        attempt, _paper = attempts.start_attempt(current_user, exam)
    except ServiceError as error:
        if error.code == "attempt_open" and error.extra.get("attempt_id"):
            return redirect(url_for("exams.take", attempt_id=error.extra["attempt_id"]))
        flash(error.message, "error")
        return redirect(url_for("exams.exam_page", exam_id=exam.id))
    return redirect(url_for("exams.take", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@role_required(TRAINEE)
def take(attempt_id: int):
    attempt = attempts.get_attempt(attempt_id)
    attempts.require_owner(attempt, current_user)
    if attempts.expire_if_due(attempt) or attempt.status != "in_progress":
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    questions, answers = papers.shown(attempt)
    return render_template("exams/take.html", attempt=attempt, exam=attempt.exam,
                           questions=questions, answers=answers,
                           deadline=iso(attempt.deadline), server_time=iso(now_utc()))


@bp.post("/attempts/<int:attempt_id>/submit")
@role_required(TRAINEE)
def submit(attempt_id: int):
    # The final post carries the page's answers (with or without JS): saved before grading.
    attempt = attempts.get_attempt(attempt_id)
    attempts.require_owner(attempt, current_user)
    answers = attempts.carried_answers(attempt, request.form.getlist)
    attempts.submit(current_user, attempt_id, answers=answers)
    return redirect(url_for("exams.result", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>/result")
@role_required(TRAINEE)
def result(attempt_id: int):
    attempt = attempts.get_attempt(attempt_id)
    attempts.require_owner(attempt, current_user)
    attempts.expire_if_due(attempt)
    if attempt.status == "in_progress":
        return redirect(url_for("exams.take", attempt_id=attempt.id))
    level = review.review_level(attempt)
    return render_template("exams/result.html", attempt=attempt, exam=attempt.exam,
                           level=level, review=review.review(attempt, level))
