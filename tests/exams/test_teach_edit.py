"""Instructors edit questions (the service versions them) and practical tasks with rubrics."""

from sqlalchemy import func, select

from core.extensions import db
from exams.models import PracticalTask, Question
from tests import factories
from tests.exams.helpers import make_bank


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": factories.csrf_token(client, path)})


def test_instructor_edits_a_question_from_the_bank_page(client, instructor):
    bank = make_bank(instructor)
    question = db.session.scalars(select(Question).where(Question.type == "fill_in")).one()
    factories.login(client, instructor)
    assert f"/teach/questions/{question.id}" in client.get(f"/teach/banks/{bank.id}").get_data(
        as_text=True)
    path = f"/teach/questions/{question.id}"
    form = client.get(path).get_data(as_text=True)
    assert "FAB" in form  # the form starts from the current question
    response = _post(client, path, {"type": "fill_in", "text": "讲解商品用哪个法则？",
                                    "points": "25", "answers": "FAB\nfab", "difficulty": "3"})
    assert response.status_code == 302
    db.session.refresh(question)
    assert question.text == "讲解商品用哪个法则？" and question.answers == ["FAB", "fab"]
    bad = _post(client, path, {"type": "fill_in", "text": "", "points": "25",
                               "difficulty": "3"})
    assert bad.status_code == 422
    db.session.refresh(question)
    assert question.text == "讲解商品用哪个法则？"


def test_another_instructor_cannot_edit(client, instructor, make_user):
    make_bank(instructor)
    question = db.session.scalars(select(Question)).first()
    factories.login(client, make_user("instructor"))
    assert client.get(f"/teach/questions/{question.id}").status_code == 403


def test_practical_task_with_rubric_created_and_edited(client, instructor):
    bank = make_bank(instructor, questions=[])
    factories.login(client, instructor)
    path = f"/teach/banks/{bank.id}/tasks/new"
    bad = _post(client, path, {"title": "直播带货实操", "rubric": "商品讲解 | 很多"})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count(PracticalTask.id))) == 0
    made = _post(client, path, {"title": "直播带货实操", "instructions": "10 分钟试播",
                                "rubric": "商品讲解 | 40 | 卖点清楚\n合规 | 30\n互动答疑 | 30"})
    assert made.status_code == 302
    task = db.session.scalar(select(PracticalTask))
    assert [r["criterion"] for r in task.rubric] == ["商品讲解", "合规", "互动答疑"]
    assert task.rubric[0] == {"criterion": "商品讲解", "max_points": 40, "descriptor": "卖点清楚"}
    edit = f"/teach/banks/{bank.id}/tasks/{task.id}"
    assert "商品讲解 | 40 | 卖点清楚" in client.get(edit).get_data(as_text=True)
    assert _post(client, edit, {"title": "直播带货实操", "rubric": "商品讲解 | 50\n合规 | 50"}
                 ).status_code == 302
    db.session.refresh(task)
    assert [r["max_points"] for r in task.rubric] == [50, 50]
