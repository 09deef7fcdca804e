"""Instructor pages to edit questions (versioned by the service) and practical tasks with
their rubrics. Routes on the exams blueprint."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import INSTRUCTOR, role_required
from core.errors import Forbidden, Invalid, ServiceError
from core.forms import show_service_error
from exams import banks
from exams.forms import PracticalTaskForm, QuestionForm
from exams.teach_views import _own_bank, _question_data
from exams.views import bp


def _question_form(question) -> QuestionForm:
    return QuestionForm(data={
        "type": question.type, "text": question.text, "points": question.points,
        "options": "\n".join(("*" if o.get("correct") else "") + o.get("text", "")
                             for o in question.options or []),
        "answers": "\n".join(("正确" if a is True else "错误" if a is False else str(a))
                             for a in question.answers or []),
        "partial_credit": question.partial_credit, "tags": ", ".join(question.tags or []),
        "difficulty": question.difficulty, "explanation": question.explanation})


@bp.route("/teach/questions/<int:question_id>", methods=["GET", "POST"])
@role_required(INSTRUCTOR)
def edit_question(question_id: int):
    question = banks.get_question(question_id)
    bank = _own_bank(question.bank_id)
    form = QuestionForm() if request.method == "POST" else _question_form(question)
    if form.validate_on_submit():
        try:
            saved = banks.edit_question(current_user, question, _question_data(form))
        except ServiceError as error:
            show_service_error(form, error, with_details=True)
        else:
            flash(_("Saved as version %(v)d: attempts already taken keep the old one.",
                    v=saved.version) if saved.id != question.id else _("Question saved."),
                  "success")
            return redirect(url_for("exams.bank", bank_id=bank.id))
    status = 422 if form.is_submitted() and form.errors else 200
    return render_template("exams/question_edit.html", form=form, bank=bank,
                           question=question), status


def parse_rubric(text: str) -> list[dict]:
    """One criterion per line: "name | max points | descriptor"."""
    rows, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        try:
            points = float(parts[1]) if len(parts) > 1 else None
        except ValueError:
            points = None
        if points is None:
            errors.append(_("Line %(n)d: write “criterion | points | descriptor”.", n=number))
            continue
        rows.append({"criterion": parts[0], "max_points": int(points) if points.is_integer()
                     else points, "descriptor": parts[2] if len(parts) > 2 else ""})
    if errors:
        raise Invalid(_("Some fields are invalid."), fields={"rubric": errors})
    return rows


def rubric_text(rubric: list[dict]) -> str:
    return "\n".join(" | ".join([r["criterion"], f'{r["max_points"]:g}', r.get("descriptor") or ""])
                     .rstrip(" |") for r in rubric)


@bp.route("/teach/banks/<int:bank_id>/tasks/new", methods=["GET", "POST"],
          defaults={"task_id": None})
@bp.route("/teach/banks/<int:bank_id>/tasks/<int:task_id>", methods=["GET", "POST"])
@role_required(INSTRUCTOR)
def practical_task(bank_id: int, task_id: int | None):
    bank = _own_bank(bank_id)
    task = banks.get_practical_task(task_id) if task_id else None
    if task is not None and task.bank_id != bank.id:
        raise Forbidden(_("That task belongs to another bank."))
    form = PracticalTaskForm(data=None if request.method == "POST" or task is None else {
        "title": task.title, "instructions": task.instructions,
        "rubric": rubric_text(task.rubric)})
    if form.validate_on_submit():
        try:
            data = {"title": form.title.data, "instructions": form.instructions.data,
                    "rubric": parse_rubric(form.rubric.data)}
            if task is None:
                banks.add_practical_task(current_user, bank, data)
            else:
                banks.update_practical_task(current_user, task, data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Practical task saved."), "success")
            return redirect(url_for("exams.bank", bank_id=bank.id))
    status = 422 if form.is_submitted() and form.errors else 200
    return render_template("exams/task_form.html", form=form, bank=bank, task=task), status
