"""Item analysis (facility and discrimination per question), score distribution, results CSV.

The statistics are pure functions over plain numbers; `report` gathers them from the database.
"""

from collections import defaultdict

from sqlalchemy import select

from core.csvexport import csv_text
from core.extensions import db
from core.timeutil import to_local
from exams.models import Attempt, AttemptItem, Exam, Question


def facility(fractions: list[float]) -> float | None:
    """Mean credit (0 = nobody got it, 1 = everybody did)."""
    return round(sum(fractions) / len(fractions), 3) if fractions else None


def discrimination(pairs: list[tuple[float, float]], share: float = 0.27) -> float | None:
    """Upper-lower index: mean credit of the best 27 % (by total score) minus that of the
    worst 27 %, among the attempts that had the question. None below 4 attempts."""
    if len(pairs) < 4:
        return None
    ranked = sorted(pairs, key=lambda p: p[0])
    size = max(1, round(len(ranked) * share))
    lower = [f for _total, f in ranked[:size]]
    upper = [f for _total, f in ranked[-size:]]
    return round(sum(upper) / size - sum(lower) / size, 3)


def distribution(scores: list[float], width: int = 10) -> list[dict]:
    """Counts per band 0–9, 10–19, …, 90–100."""
    bands = [{"from": low, "to": min(low + width - 1, 100) if low + width < 100 else 100,
              "count": 0} for low in range(0, 100, width)]
    for score in scores:
        index = min(int(score // width), len(bands) - 1)
        bands[index]["count"] += 1
    return bands


def finished_attempts(exam: Exam) -> list[Attempt]:
    return db.session.scalars(select(Attempt).where(
        Attempt.exam_id == exam.id, Attempt.status != "in_progress").order_by(Attempt.id)).all()


def report(exam: Exam) -> dict:
    done = finished_attempts(exam)
    totals = {a.id: a.theory_score or 0.0 for a in done}
    per_question: dict[int, list[tuple[float, float]]] = defaultdict(list)
    if done:
        rows = db.session.execute(select(
            AttemptItem.attempt_id, AttemptItem.question_id, AttemptItem.points_awarded,
            Question.points).join(Question, Question.id == AttemptItem.question_id).where(
            AttemptItem.attempt_id.in_(list(totals)))).all()
        for attempt_id, question_id, awarded, points in rows:
            per_question[question_id].append((totals[attempt_id], (awarded or 0.0) / points))
    questions = {q.id: q for q in db.session.scalars(
        select(Question).where(Question.id.in_(list(per_question))))} if per_question else {}
    items = []
    for question_id, pairs in sorted(per_question.items()):
        q = questions[question_id]
        items.append({"question_id": q.id, "version": q.version, "type": q.type,
                      "text": q.text, "tags": q.tags, "attempts": len(pairs),
                      "facility": facility([f for _t, f in pairs]),
                      "discrimination": discrimination(pairs)})
    scores = list(totals.values())
    passed = [a for a in done if a.passed]
    return {"exam_id": exam.id, "attempts": len(done), "passed": len(passed),
            "mean_theory_score": round(sum(scores) / len(scores), 2) if scores else None,
            "distribution": distribution(scores), "items": items}


def results_csv(exam: Exam, masked: bool = True) -> str:
    """One row per finished or open attempt; ID numbers masked unless the reader is an
    officer."""
    header = ["attempt_id", "trainee_id", "name", "id_number", "attempt", "status",
              "started_at", "submitted_at", "theory_score", "practical_score", "passed"]
    rows = []
    for attempt in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id)
                                      .order_by(Attempt.trainee_id, Attempt.number)):
        profile = attempt.trainee.profile
        id_number = "" if profile is None else (profile.id_masked if masked
                                                else profile.id_number)
        rows.append([
            attempt.id, attempt.trainee_id, attempt.trainee.name, id_number, attempt.number,
            attempt.status, to_local(attempt.started_at).strftime("%Y-%m-%d %H:%M"),
            to_local(attempt.submitted_at).strftime("%Y-%m-%d %H:%M")
            if attempt.submitted_at else "",
            "" if attempt.theory_score is None else attempt.theory_score,
            "" if attempt.practical_score is None else attempt.practical_score,
            "" if attempt.passed is None else ("yes" if attempt.passed else "no")])
    return csv_text(header, rows)
