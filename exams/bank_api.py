"""Question bank API: banks, questions (versioned), key corrections, practical tasks,
import and export."""

from flask import Response, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.api import PageArgs, api_blueprint, page_of, paginate
from core.auth import INSTRUCTOR, OFFICER, api_auth, current_api_user
from core.errors import Forbidden, Invalid
from core.extensions import db
from core.openapi import file_response, multipart_file, request_body
from exams import attempts, banks, transfer
from exams.models import Question, QuestionBank
from exams.schemas import (
    BankCreateSchema,
    BankSchema,
    ExamIdSchema,
    KeyCorrectionSchema,
    PracticalTaskCreateSchema,
    QuestionCreateSchema,
    QuestionIdSchema,
    QuestionSchema,
    QuestionUpdateSchema,
)

blp = api_blueprint("exam_banks_api", __name__, "Question banks and practical tasks")

BankPageSchema = page_of(BankSchema, "BankPageSchema")
QuestionPageSchema = page_of(QuestionSchema, "QuestionPageSchema")


def bank_payload(bank: QuestionBank) -> dict:
    count = db.session.scalar(select(func.count(Question.id)).where(
        Question.bank_id == bank.id, Question.current.is_(True)))
    return {"id": bank.id, "title": bank.title, "occupation_code": bank.occupation.code,
            "occupation_name": bank.occupation.name_zh, "level": bank.level,
            "owner_id": bank.owner_id, "question_count": count}


def question_payload(question: Question) -> dict:
    return {k: getattr(question, k) for k in (
        "id", "root_id", "version", "current", "type", "text", "points", "options", "answers",
        "tags", "difficulty", "explanation", "partial_credit")}


def readable_bank(bank_id: int) -> QuestionBank:
    bank = banks.get_bank(bank_id)
    if not banks.can_read_bank(bank, current_api_user()):
        raise Forbidden(_("This question bank is not yours."))
    return bank


@blp.route("/question-banks", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(BankCreateSchema)
@blp.response(201, BankSchema)
def create_bank(args):
    """A question bank for an occupation and level; the caller owns it."""
    return bank_payload(banks.create_bank(current_api_user(), args))


@blp.route("/question-banks", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, BankPageSchema)
def list_banks(args):
    """Your banks (officers: all banks)."""
    user = current_api_user()
    stmt = select(QuestionBank).order_by(QuestionBank.id.desc())
    if user.role != OFFICER:
        stmt = stmt.where(QuestionBank.owner_id == user.id)
    return paginate(stmt, args["page"], args["per_page"], bank_payload)


@blp.route("/question-banks/<int:bank_id>", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.response(200, BankSchema)
def get_bank(bank_id):
    """One bank."""
    return bank_payload(readable_bank(bank_id))


@blp.route("/question-banks/<int:bank_id>/questions", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(QuestionCreateSchema)
@blp.response(201, QuestionIdSchema)
def add_question(args, bank_id):
    """Add a question (single, multiple, true_false, fill_in) to a bank you own."""
    question = banks.add_question(current_api_user(), banks.get_bank(bank_id), args)
    return {"id": question.id, "version": question.version}


@blp.route("/question-banks/<int:bank_id>/questions", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, QuestionPageSchema)
def list_questions(args, bank_id):
    """The bank's current questions, with their keys (staff only)."""
    bank = readable_bank(bank_id)
    stmt = select(Question).where(Question.bank_id == bank.id, Question.current.is_(True)) \
        .order_by(Question.id)
    return paginate(stmt, args["page"], args["per_page"], question_payload)


@blp.route("/questions/<int:question_id>", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.response(200, QuestionSchema)
def get_question(question_id):
    """One question version with its key."""
    question = banks.get_question(question_id)
    readable_bank(question.bank_id)
    return question_payload(question)


@blp.route("/questions/<int:question_id>", methods=["PATCH"])
@api_auth(INSTRUCTOR)
@blp.arguments(QuestionUpdateSchema(partial=True))
@blp.response(200, QuestionSchema)
def edit_question(args, question_id):
    """Edit; if any attempt used the question, this makes a new version (the reply's id)."""
    question = banks.edit_question(current_api_user(), banks.get_question(question_id),
                                   args)
    return question_payload(question)


@blp.route("/questions/<int:question_id>", methods=["DELETE"])
@api_auth(INSTRUCTOR)
@blp.response(200, QuestionSchema)
def retire_question(question_id):
    """Take a question out of future papers (kept for attempts that used it)."""
    question = banks.get_question(question_id)
    banks.retire_question(current_api_user(), question)
    return question_payload(question)


@blp.route("/questions/<int:question_id>/key-correction", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(KeyCorrectionSchema)
@blp.response(200)
def correct_key(args, question_id):
    """Fix a wrong key and regrade every finished attempt that had the question."""
    if not args:
        raise Invalid(_("Some fields are invalid."),
                      fields={"options": [_("Send the corrected options or answers.")]})
    question = banks.get_question(question_id)
    affected = attempts.correct_key(current_api_user(), question, args)
    return {"question": question_payload(question), "regraded": len(affected),
            "attempts": [{"attempt_id": a.id, "theory_score": a.theory_score,
                          "passed": a.passed} for a in affected]}


@blp.route("/question-banks/<int:bank_id>/practical-tasks", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(PracticalTaskCreateSchema)
@blp.response(201, ExamIdSchema)
def add_practical_task(args, bank_id):
    """A practical task with its rubric (criteria, maximum points, descriptors)."""
    task = banks.add_practical_task(current_api_user(), banks.get_bank(bank_id), args)
    return {"id": task.id}


@blp.route("/question-banks/<int:bank_id>/practical-tasks", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.response(200)
def list_practical_tasks(bank_id):
    """The bank's practical tasks and rubrics."""
    bank = readable_bank(bank_id)
    return {"items": [{"id": t.id, "title": t.title, "instructions": t.instructions,
                       "rubric": t.rubric} for t in banks.practical_tasks(bank)]}


@blp.route("/question-banks/<int:bank_id>/import", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.doc(**request_body({
    **multipart_file("file", "CSV or JSON questions"),
    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}))
@blp.response(201)
def import_questions(bank_id):
    """Import questions from CSV or JSON (multipart `file`, or a JSON list as the body):
    all or nothing; 422 lists the errors per line."""
    bank = banks.get_bank(bank_id)
    banks.require_bank_owner(bank, current_api_user())
    upload = request.files.get("file")
    if upload is not None:
        rows = transfer.parse(upload.filename or "", upload.read())
    else:
        rows = transfer.parse("body.json", request.get_data())
    created = transfer.import_rows(current_api_user(), bank, rows)
    return {"imported": len(created), "ids": [q.id for q in created]}


@blp.route("/question-banks/<int:bank_id>/export.<any(csv, json):fmt>", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.doc(**file_response("text/csv", "application/json", description="The import format"))
def export_questions(bank_id, fmt):
    """The bank's current questions as CSV or JSON (the import format)."""
    bank = readable_bank(bank_id)
    if fmt not in ("csv", "json"):
        raise Invalid(_("Export as csv or json."))
    body, mimetype = transfer.export(banks.current_questions(bank), fmt)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=question-bank-{bank.id}.{fmt}"})
