"""`flask demo load` on an empty database: the exam demo goes through the real services."""

from sqlalchemy import select

from core.extensions import db
from exams.models import Attempt, Exam, Question


def test_demo_loads_a_bank_an_exam_and_a_passed_attempt(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(db.func.count(Question.id))) >= 20
    exam = db.session.scalar(select(Exam))
    assert exam.question_count == 14 and len(exam.rubric) == 4
    passed = db.session.scalars(select(Attempt).where(Attempt.passed.is_(True))).all()
    assert len(passed) == 1 and passed[0].trainee.name == "李春花"
    assert passed[0].practical_score is not None
