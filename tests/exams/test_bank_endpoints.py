"""Bank endpoints the flow tests pass by: reading one bank, and its practical tasks with their
rubrics (created through the API, read back, audited; bad rubrics change nothing)."""

from sqlalchemy import func, select

from core.audit import AuditLog
from core.extensions import db
from exams.models import PracticalTask
from tests import factories
from tests.exams.helpers import make_bank


def test_get_bank_shows_its_fields_and_current_question_count(client, instructor):
    bank = make_bank(instructor)
    body = client.get(f"/api/v1/question-banks/{bank.id}",
                      headers=factories.api_headers(client, instructor)).get_json()
    assert body["id"] == bank.id and body["title"] == "互联网营销师五级题库"
    assert (body["level"], body["owner_id"], body["question_count"]) == (5, instructor.id, 4)
    assert body["occupation_code"] == bank.occupation.code


def test_practical_tasks_are_added_and_listed_with_their_rubric(client, instructor, officer,
                                                               make_user):
    bank = make_bank(instructor)
    headers = factories.api_headers(client, instructor)
    url = f"/api/v1/question-banks/{bank.id}/practical-tasks"
    rubric = [{"criterion": "商品讲解", "max_points": 60, "descriptor": "卖点清楚"},
              {"criterion": "合规", "max_points": 40}]
    made = client.post(url, headers=headers, json={
        "title": "直播带货实操", "instructions": "十分钟讲解", "rubric": rubric})
    assert made.status_code == 201
    task = db.session.get(PracticalTask, made.get_json()["id"])
    assert task.bank_id == bank.id and task.title == "直播带货实操"
    assert db.session.scalar(select(AuditLog.action).where(
        AuditLog.target_type == "PracticalTask")) == "practical_task.created"
    listed = client.get(url, headers=factories.api_headers(client, officer)).get_json()["items"]
    assert [(t["title"], t["instructions"]) for t in listed] == [("直播带货实操", "十分钟讲解")]
    assert listed[0]["rubric"] == [
        {"criterion": "商品讲解", "max_points": 60, "descriptor": "卖点清楚"},
        {"criterion": "合规", "max_points": 40, "descriptor": ""}]
    # Duplicate criteria, or a bank someone else owns: refused, nothing added.
    bad = client.post(url, headers=headers, json={"title": "重复", "rubric": [
        {"criterion": "合规", "max_points": 10}, {"criterion": "合规", "max_points": 10}]})
    assert bad.status_code == 422
    other = client.post(url, headers=factories.api_headers(client, make_user("instructor")),
                        json={"title": "别人的", "rubric": rubric})
    assert other.status_code == 403
    assert db.session.scalar(select(func.count(PracticalTask.id))) == 1
