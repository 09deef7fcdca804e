"""Question import and export, CSV and JSON, all or nothing with per-line errors.

CSV columns: type, text, points, options, answers, tags, difficulty, explanation,
partial_credit. Options are separated by `|`, a leading `*` marks a correct one
(`*线上|线下`); answers and tags are separated by `|`; true/false answers are `true`/`false`
(or 正确/错误)."""

import csv
import io
import json

from flask_babel import gettext as _

from core import audit
from core.csvexport import csv_text, unguarded
from core.errors import Invalid
from core.extensions import db
from exams import banks
from exams.grading import parse_bool
from exams.models import Question, QuestionBank

COLUMNS = ["type", "text", "points", "options", "answers", "tags", "difficulty", "explanation",
           "partial_credit"]
MAX_ROWS = 2000


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split("|") if part.strip()]


def _number(value, kind=float):
    try:
        return kind(value)
    except (TypeError, ValueError):
        return value  # clean_question reports it


def csv_row_to_question(row: dict) -> dict:
    qtype = (row.get("type") or "").strip()
    options = []
    for part in _split(row.get("options")):
        correct = part.startswith("*")
        options.append({"text": part[1:].strip() if correct else part, "correct": correct})
    answers: list = _split(row.get("answers"))
    if qtype == "true_false":
        answers = [parse_bool(a) if parse_bool(a) is not None else a for a in answers]
    return {"type": qtype, "text": row.get("text") or "",
            "points": _number(row.get("points") or 1),
            "options": options, "answers": answers, "tags": _split(row.get("tags")),
            "difficulty": _number(row.get("difficulty") or 3, int),
            "explanation": row.get("explanation") or "",
            "partial_credit": parse_bool(row.get("partial_credit") or "false") or False}


def parse(filename: str, data: bytes) -> list[tuple[int, dict]]:
    """(line number, question dict) pairs; a file that cannot be read at all → 422."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(_("The file is not UTF-8 text."), fields={"file": [str(exc)]}) from exc
    if filename.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Invalid(_("The file is not valid JSON."),
                          fields={"file": [str(exc)]}) from exc
        if isinstance(items, dict):
            items = items.get("questions", [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise Invalid(_("The JSON must be a list of questions."))
        rows = list(enumerate(items, start=1))
    else:
        reader = csv.DictReader(io.StringIO(text))
        missing = {"type", "text"} - set(reader.fieldnames or [])
        if missing:
            raise Invalid(_("The CSV needs a header row with at least: type, text."),
                          fields={"file": sorted(missing)})
        rows = [(reader.line_num, csv_row_to_question({k: unguarded(v) for k, v in row.items()}))
                for row in reader]
    if not rows:
        raise Invalid(_("The file has no questions."))
    if len(rows) > MAX_ROWS:
        raise Invalid(_("At most %(n)s questions per file.", n=MAX_ROWS))
    return rows


def import_rows(user, bank: QuestionBank, rows: list[tuple[int, dict]]) -> list[Question]:
    """Check every row first; any error → 422 listing them by line, nothing imported."""
    banks.require_bank_owner(bank, user)
    cleaned, errors = [], {}
    for line, data in rows:
        try:
            cleaned.append(banks.clean_question(data))
        except Invalid as exc:
            errors[str(line)] = [f"{name}: {'; '.join(map(str, messages))}"
                                 for name, messages in exc.fields.items()]
    if errors:
        raise Invalid(_("%(n)s line(s) have errors; nothing was imported.", n=len(errors)),
                      code="import_failed", fields={"lines": errors})
    created = []
    for values in cleaned:
        question = Question(bank_id=bank.id, version=1, current=True, created_by_id=user.id,
                            **values)
        db.session.add(question)
        created.append(question)
    db.session.flush()
    for question in created:
        question.root_id = question.id
    audit.record(user, "question_bank.imported", bank,
                 after={"questions": [q.id for q in created]})
    return created


def export(questions: list[Question], fmt: str) -> tuple[str, str]:
    if fmt == "json":
        items = [{k: getattr(q, k) for k in COLUMNS} for q in questions]
        return json.dumps(items, ensure_ascii=False, indent=2), "application/json"
    rows = []
    for q in questions:
        if q.type == "true_false":
            answers = "true" if q.answers[0] else "false"
        else:
            answers = "|".join(q.answers)
        row = {
            "type": q.type, "text": q.text, "points": q.points,
            "options": "|".join(("*" if o["correct"] else "") + o["text"] for o in q.options),
            "answers": answers, "tags": "|".join(q.tags), "difficulty": q.difficulty,
            "explanation": q.explanation, "partial_credit": "true" if q.partial_credit else ""}
        rows.append([row[c] for c in COLUMNS])
    return csv_text(COLUMNS, rows), "text/csv; charset=utf-8"
