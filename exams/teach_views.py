"""Exam pages for instructors: banks and questions (with preview and import), exams,
results with item analysis, overrides, practical scoring."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.auth import INSTRUCTOR, role_required
from core.errors import ServiceError
from core.extensions import db
from core.forms import choices, show_service_error
from core.timeutil import LOCAL_TZ, now_utc, to_local
from courses import service as courses
from courses.models import Enrolment
from exams import analysis, attempts, banks, service, transfer
from exams.forms import BankForm, ExamForm, ImportForm, OverrideForm, QuestionForm, ScoreForm
from exams.grading import parse_bool
from exams.models import Attempt
from exams.views import bp


def _own_bank(bank_id: int):
    bank = banks.get_bank(bank_id)
    banks.require_bank_owner(bank, current_user)
    return bank


@bp.get("/teach/exams")
@role_required(INSTRUCTOR)
def teach():
    taught = courses.courses_taught_by(current_user)
    exams = [(course, service.exams_of_course(course.id)) for course in taught]
    return render_template("exams/teach.html", banks=banks.banks_for(current_user),
                           exams=exams)


@bp.route("/teach/banks/new", methods=["GET", "POST"])
@role_required(INSTRUCTOR)
def new_bank():
    form = BankForm()
    form.occupation_code.choices = courses.occupation_choices()
    if form.validate_on_submit():
        try:
            bank = banks.create_bank(current_user, {
                "title": form.title.data, "occupation_code": form.occupation_code.data,
                "level": form.level.data})
        except ServiceError as error:
            show_service_error(form, error, with_details=True)
        else:
            flash(_("Question bank created."), "success")
            return redirect(url_for("exams.bank", bank_id=bank.id))
    return render_template("exams/bank_form.html", form=form), 422 if form.is_submitted() \
        else 200


@bp.get("/teach/banks/<int:bank_id>")
@role_required(INSTRUCTOR)
def bank(bank_id: int):
    bank = _own_bank(bank_id)
    return render_template("exams/bank.html", bank=bank,
                           questions=banks.current_questions(bank),
                           tasks=banks.practical_tasks(bank), import_form=ImportForm())


@bp.post("/teach/banks/<int:bank_id>/import")
@role_required(INSTRUCTOR)
def import_questions(bank_id: int):
    bank = _own_bank(bank_id)
    form = ImportForm()
    if not form.validate_on_submit():
        for message in form.file.errors:
            flash(str(message), "error")
        return redirect(url_for("exams.bank", bank_id=bank.id))
    upload = form.file.data
    try:
        created = transfer.import_rows(current_user, bank,
                                       transfer.parse(upload.filename or "", upload.read()))
    except ServiceError as error:
        flash(error.message, "error")
        for line, messages in sorted(error.fields.get("lines", {}).items(),
                                     key=lambda kv: int(kv[0])):
            flash(_("Line %(line)s: %(errors)s", line=line, errors="; ".join(messages)),
                  "error")
        return redirect(url_for("exams.bank", bank_id=bank.id))
    flash(_("Imported %(n)d questions.", n=len(created)), "success")
    return redirect(url_for("exams.bank", bank_id=bank.id))


def _question_data(form: QuestionForm) -> dict:
    options = []
    for line in (form.options.data or "").splitlines():
        line = line.strip()
        if line:
            correct = line.startswith("*")
            options.append({"text": line.lstrip("*").strip(), "correct": correct})
    answers: list = [a.strip() for a in (form.answers.data or "").splitlines() if a.strip()]
    if form.type.data == "true_false":
        answers = [parse_bool(a) if parse_bool(a) is not None else a for a in answers]
    return {"type": form.type.data, "text": form.text.data, "points": form.points.data,
            "options": options, "answers": answers,
            "tags": [t.strip() for t in (form.tags.data or "").replace("，", ",").split(",")
                     if t.strip()],
            "difficulty": form.difficulty.data, "explanation": form.explanation.data or "",
            "partial_credit": form.partial_credit.data}


@bp.route("/teach/banks/<int:bank_id>/questions/new", methods=["GET", "POST"])
@role_required(INSTRUCTOR)
def new_question(bank_id: int):
    """Write a question; "Preview" shows it as a trainee will see it, without saving."""
    bank = _own_bank(bank_id)
    form = QuestionForm()
    preview = None
    if form.validate_on_submit():
        try:
            values = banks.clean_question(_question_data(form))
            if request.form.get("action") == "preview":
                preview = values
            else:
                banks.add_question(current_user, bank, values)
                flash(_("Question saved."), "success")
                return redirect(url_for("exams.new_question", bank_id=bank.id))
        except ServiceError as error:
            show_service_error(form, error, with_details=True)
    status = 422 if form.is_submitted() and form.errors else 200
    return render_template("exams/question_form.html", form=form, bank=bank,
                           preview=preview), status


def _utc(value):
    return value.replace(tzinfo=LOCAL_TZ) if value else None


@bp.route("/teach/courses/<int:course_id>/exams/new", methods=["GET", "POST"])
@role_required(INSTRUCTOR)
def new_exam(course_id: int):
    course = courses.get_course(course_id, current_user)
    courses.require_instructor(course, current_user)
    usable = banks.banks_for(current_user)
    form = ExamForm()
    form.bank_id.choices = choices((b.id, f"{b.title} ({b.occupation.code}, L{b.level})")
                                   for b in usable)
    tasks = [(t.id, t.title) for b in usable for t in banks.practical_tasks(b)]
    form.practical_task_id.choices = choices([(0, _("None: theory only"))] + tasks)
    if not form.is_submitted():
        start = to_local(now_utc()).replace(minute=0, second=0, microsecond=0, tzinfo=None)
        form.opens_at.data = start
        form.closes_at.data = start + timedelta(days=14)
    if form.validate_on_submit():
        blueprint = [{"type": t, "count": getattr(form, f"count_{t}").data}
                     for t in ("single", "multiple", "true_false", "fill_in")
                     if getattr(form, f"count_{t}").data]
        practical = form.practical_task_id.data or None
        try:
            exam = service.create_exam(current_user, course, {
                "title": form.title.data, "bank_id": form.bank_id.data,
                "blueprint": blueprint, "time_limit_minutes": form.time_limit_minutes.data,
                "opens_at": _utc(form.opens_at.data), "closes_at": _utc(form.closes_at.data),
                "max_attempts": form.max_attempts.data,
                "pass_theory": form.pass_theory.data or 0,
                "pass_practical": (form.pass_practical.data or 0) if practical else None,
                "practical_task_id": practical,
                "review_on_submit": form.review_on_submit.data,
                "review_after_close": form.review_after_close.data})
        except ServiceError as error:
            if "blueprint" in error.fields:
                form.count_single.errors = list(error.fields["blueprint"])
            show_service_error(form, error, with_details=True)
        else:
            flash(_("Exam created."), "success")
            return redirect(url_for("exams.results", exam_id=exam.id))
    return render_template("exams/exam_form.html", form=form, course=course), \
        422 if form.is_submitted() else 200


def _examined(exam_id: int):
    exam = service.get_exam(exam_id)
    service.require_examiner(exam, current_user)
    return exam


@bp.route("/teach/exams/<int:exam_id>", methods=["GET", "POST"])
@role_required(INSTRUCTOR)
def results(exam_id: int):
    """Results, the score distribution, item analysis, overrides."""
    exam = _examined(exam_id)
    form = OverrideForm()
    enrolled = db.session.scalars(select(Enrolment).where(
        Enrolment.course_id == exam.course_id).order_by(Enrolment.id)).all()
    form.trainee_id.choices = choices((e.trainee_id, e.trainee.name) for e in enrolled)
    if form.validate_on_submit():
        try:
            service.set_override(current_user, exam, form.trainee_id.data,
                                 form.extra_minutes.data or 0, form.extra_attempts.data or 0,
                                 form.reason.data)
        except ServiceError as error:
            show_service_error(form, error, with_details=True)
        else:
            flash(_("Override saved."), "success")
            return redirect(url_for("exams.results", exam_id=exam.id))
    rows = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id)
                              .order_by(Attempt.id.desc())).all()
    report = analysis.report(exam)
    peak = max([b["count"] for b in report["distribution"]] + [1])
    return render_template("exams/results.html", exam=exam, rows=rows, report=report,
                           peak=peak, form=form), 422 if form.is_submitted() else 200


@bp.route("/teach/attempts/<int:attempt_id>/score", methods=["GET", "POST"])
@role_required(INSTRUCTOR)
def score(attempt_id: int):
    attempt = attempts.get_attempt(attempt_id)
    exam = _examined(attempt.exam_id)
    if not exam.has_practical:
        abort(404)
    form = ScoreForm()
    errors: dict = {}
    if form.validate_on_submit():
        criteria = {}
        for n, row in enumerate(exam.rubric):
            raw = request.form.get(f"criterion-{n}", "").strip()
            try:
                criteria[row["criterion"]] = float(raw) if "." in raw else int(raw)
            except ValueError:
                criteria[row["criterion"]] = raw
        try:
            attempts.score_practical(current_user, attempt.id, criteria, form.comment.data)
        except ServiceError as error:
            errors = error.fields.get("criteria", {})
            flash(error.message, "error")
        else:
            flash(_("Practical score saved."), "success")
            return redirect(url_for("exams.results", exam_id=exam.id))
    return render_template("exams/score.html", attempt=attempt, exam=exam, form=form,
                           errors=errors), 422 if form.is_submitted() else 200
