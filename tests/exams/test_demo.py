"""`flask demo load` on an empty database: the exam demo goes through the real services, and
the walk's exam steps are ready (one trainee may start, one attempt awaits scoring)."""

from sqlalchemy import select

from accounts.models import User
from core.extensions import db
from courses.models import Course
from exams import attempts
from exams.models import Attempt, Exam, Question
from tests.factories import csrf_token, login


def test_demo_loads_a_bank_an_exam_and_a_passed_attempt(runner, client):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(db.func.count(Question.id))) >= 20
    flagship = db.session.scalar(select(Course).order_by(Course.id))
    exam = db.session.scalar(select(Exam).where(Exam.course_id == flagship.id))
    assert exam.question_count == 14 and len(exam.rubric) == 4
    on_flagship = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id)).all()
    passed = [a for a in on_flagship if a.passed]
    assert len(passed) == 1 and passed[0].trainee.name == "李春花"
    assert passed[0].practical_score is not None
    waiting = [a for a in on_flagship if a.status == "awaiting_practical"]
    assert [a.trainee.name for a in waiting] == ["刘洋"]
    assert waiting[0].practical_score is None

    # 赵丽 may start the exam now: enrolled, attended enough, exam open, no attempt yet.
    zhao = db.session.scalar(select(User).where(User.email == "zhao.li@demo.skillbridge.cn"))
    assert attempts.attempts_of(exam, zhao.id) == []
    assert attempts.check_eligible(exam, zhao)["eligible_for_exam"] is True
    assert flagship.approved_at is not None
    login(client, zhao, password="skillbridge-demo")
    home = client.get("/").get_data(as_text=True)
    assert exam.title in home and f"/exams/{exam.id}" in home
    started = client.post(f"/api/v1/exams/{exam.id}/attempts",
                          headers={"X-CSRFToken": csrf_token(client)})
    assert started.status_code == 201, started.get_json()

    # The instructor finds 刘洋's attempt on the scoring page.
    instructor = db.session.scalar(select(User).where(
        User.email == "instructor@demo.skillbridge.cn"))
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, instructor, password="skillbridge-demo")
    page = client.get(f"/teach/exams/{exam.id}").get_data(as_text=True)
    assert "刘洋" in page and f"/teach/attempts/{waiting[0].id}/score" in page
