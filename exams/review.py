"""What a trainee may see of a finished attempt: the exam's review policy, and never the key
while they could still use it."""

from datetime import datetime

from core.timeutil import now_utc
from exams.attempts import allowed_attempts, attempts_of, paper
from exams.models import Attempt, Exam


def attempts_remain(exam: Exam, trainee_id: int) -> bool:
    """The trainee could still sit this exam (one is open, or not passed with tries left)."""
    mine = attempts_of(exam, trainee_id)
    if any(a.status == "in_progress" for a in mine):
        return True
    return not any(a.passed for a in mine) and len(mine) < allowed_attempts(exam, trainee_id)


def review_level(attempt: Attempt, now: datetime | None = None) -> str:
    """What the trainee may see now: after the window closes, the after-close policy. The key
    ("full") never shows while the window is open and the trainee has attempts left: it would
    be the answer sheet for their next try."""
    now = now or now_utc()
    exam = attempt.exam
    if attempt.status == "in_progress":
        return "none"
    if now >= exam.closes_at:
        return exam.review_after_close
    level = exam.review_on_submit
    if level == "full" and attempts_remain(exam, attempt.trainee_id):
        return "responses"
    return level


def review(attempt: Attempt, level: str) -> list[dict]:
    """Per question, as much as `level` allows ("responses": own answers marked; "full": the
    correct answers and explanations too)."""
    if level not in ("responses", "full"):
        return []
    rows = []
    for item, shown in zip(attempt.items, paper(attempt), strict=True):
        row = {**shown, "answer": item.answer, "points_awarded": item.points_awarded,
               "correct": item.points_awarded is not None
               and item.points_awarded >= item.question.points}
        if level == "full":
            question = item.question
            row["correct_options"] = [o["id"] for o in question.options if o["correct"]]
            row["accepted_answers"] = question.answers
            row["explanation"] = question.explanation
        rows.append(row)
    return rows
