"""Autosave: idempotent, validated, refused after the deadline; expiry finalises."""

from datetime import timedelta

from core.extensions import db
from core.timeutil import now_utc
from exams.models import Attempt, AttemptItem
from tests import factories
from tests.exams.helpers import correct_answer, setup_exam


def _start(client, instructor, trainee, **overrides):
    exam = setup_exam(instructor, trainee, **overrides)
    headers = factories.api_headers(client, trainee)
    body = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    return exam, headers, body


def test_saving_twice_is_harmless_and_a_reload_gets_the_answers(client, instructor, trainee):
    _exam, headers, body = _start(client, instructor, trainee)
    question = next(q for q in body["questions"] if q["type"] == "fill_in")
    url = f"/api/v1/attempts/{body['attempt_id']}/answers/{question['id']}"
    first = client.put(url, headers=headers, json={"answer": "FAB"})
    second = client.put(url, headers=headers, json={"answer": "FAB"})
    assert first.status_code == second.status_code == 200
    assert first.get_json()["saved_at"] == second.get_json()["saved_at"]
    resumed = client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=headers).get_json()
    assert resumed["answers"] == {str(question["id"]): "FAB"}
    assert resumed["deadline"] == body["deadline"]
    assert [q["id"] for q in resumed["questions"]] == [q["id"] for q in body["questions"]]
    cleared = client.put(url, headers=headers, json={"answer": None})
    assert cleared.status_code == 200
    assert client.get(f"/api/v1/attempts/{body['attempt_id']}",
                      headers=headers).get_json()["answers"] == {}


def test_bad_answers_are_refused_and_change_nothing(client, instructor, trainee):
    _exam, headers, body = _start(client, instructor, trainee)
    by_type = {q["type"]: q for q in body["questions"]}
    base = f"/api/v1/attempts/{body['attempt_id']}/answers/"
    for qtype, bad in (("single", "nope"), ("single", ["x"]), ("multiple", "x"),
                       ("multiple", ["nope"]), ("true_false", "yes"), ("fill_in", 3),
                       ("fill_in", "x" * 501)):
        response = client.put(base + str(by_type[qtype]["id"]), headers=headers,
                              json={"answer": bad})
        assert response.status_code == 422, (qtype, bad)
        assert "answer" in response.get_json()["error"]["fields"]
    assert client.put(base + "999999", headers=headers, json={"answer": "x"}).status_code == 404
    assert client.put(base + str(by_type["single"]["id"]), headers=headers,
                      json={"nothing": 1}).status_code == 422
    assert all(item.answer is None for item in db.session.scalars(db.select(AttemptItem)))


def test_nothing_is_accepted_after_the_deadline(client, instructor, trainee):
    _exam, headers, body = _start(client, instructor, trainee)
    questions = body["questions"]
    url = f"/api/v1/attempts/{body['attempt_id']}/answers/"
    assert client.put(url + str(questions[0]["id"]), headers=headers,
                      json={"answer": correct_answer(questions[0])}).status_code == 200
    attempt = db.session.get(Attempt, body["attempt_id"])
    attempt.deadline = now_utc() - timedelta(seconds=1)
    db.session.commit()
    response = client.put(url + str(questions[1]["id"]), headers=headers,
                          json={"answer": correct_answer(questions[1])})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "attempt_closed"
    # The refused request finalised the attempt with what had been saved before.
    attempt = db.session.get(Attempt, body["attempt_id"])
    assert attempt.status == "completed" and attempt.submitted_by == "timeout"
    assert attempt.theory_score == 25
    items = {i.question_id: i.answer for i in attempt.items}
    assert items[questions[1]["id"]] is None


def test_reading_an_expired_attempt_finalises_it(client, instructor, trainee):
    _exam, headers, body = _start(client, instructor, trainee)
    attempt = db.session.get(Attempt, body["attempt_id"])
    attempt.deadline = now_utc() - timedelta(minutes=1)
    db.session.commit()
    result = client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=headers).get_json()
    assert result["status"] == "completed" and result["passed"] is False
    submitted = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers)
    assert submitted.status_code == 200 and submitted.get_json()["submitted_by"] == "timeout"


def test_close_expired_cli(runner, client, instructor, trainee):
    _exam, _headers, body = _start(client, instructor, trainee)
    result = runner.invoke(args=["exams", "close-expired"])
    assert result.exit_code == 0 and "Closed 0" in result.output
    attempt = db.session.get(Attempt, body["attempt_id"])
    attempt.deadline = now_utc() - timedelta(seconds=5)
    db.session.commit()
    result = runner.invoke(args=["exams", "close-expired"])
    assert result.exit_code == 0 and "Closed 1" in result.output
    db.session.expire_all()
    assert db.session.get(Attempt, body["attempt_id"]).status == "completed"


def test_the_deadline_is_capped_by_the_window_and_extended_by_overrides(
        client, instructor, trainee):
    now = now_utc()
    exam = setup_exam(instructor, trainee, closes_at=now + timedelta(minutes=10),
                      time_limit_minutes=30)
    headers = factories.api_headers(client, trainee)
    body = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    deadline = db.session.get(Attempt, body["attempt_id"]).deadline
    assert deadline == exam.closes_at

    exam2 = setup_exam(instructor, trainee, time_limit_minutes=30)
    staff = factories.api_headers(client, instructor)
    response = client.post(f"/api/v1/exams/{exam2.id}/overrides", headers=staff, json={
        "trainee_id": trainee.id, "extra_minutes": 15, "extra_attempts": 1,
        "reason": "听力残疾，延长时间"})
    assert response.status_code == 200, response.get_json()
    body = client.post(f"/api/v1/exams/{exam2.id}/attempts", headers=headers).get_json()
    attempt = db.session.get(Attempt, body["attempt_id"])
    assert attempt.deadline - attempt.started_at == timedelta(minutes=45)
    client.post(f"/api/v1/attempts/{attempt.id}/submit", headers=headers)
    again = client.post(f"/api/v1/exams/{exam2.id}/attempts", headers=headers)
    assert again.status_code == 201  # the extra attempt
    assert client.post(f"/api/v1/exams/{exam2.id}/overrides", headers=staff, json={
        "trainee_id": trainee.id, "reason": "x"}).status_code == 422


def test_a_kept_question_shape_gone_stale_changes_nothing(client, instructor, trainee):
    """A process keeps each question's type and options for the one-statement save
    (PostgreSQL); the UPDATE checks them again, so a kept shape that is no longer the
    question's (a database reloaded under the same ids) neither lets a malformed answer in
    nor refuses a right one."""
    from exams import autosave

    _exam, headers, body = _start(client, instructor, trainee)
    single = next(q for q in body["questions"] if q["type"] == "single")
    url = f"/api/v1/attempts/{body['attempt_id']}/answers/{single['id']}"
    autosave._shapes[single["id"]] = ("fill_in", [], "not this question")
    refused = client.put(url, headers=headers, json={"answer": "自由文本"})
    assert refused.status_code == 422
    assert "answer" in refused.get_json()["error"]["fields"]
    autosave._shapes[single["id"]] = ("single", [{"id": "bogus"}], "not this question")
    assert client.put(url, headers=headers, json={"answer": "bogus"}).status_code == 422
    autosave._shapes[single["id"]] = ("single", [{"id": "elsewhere"}], "not this question")
    assert client.put(url, headers=headers,
                      json={"answer": correct_answer(single)}).status_code == 200
    item = db.session.scalar(db.select(AttemptItem).where(
        AttemptItem.attempt_id == body["attempt_id"], AttemptItem.question_id == single["id"]))
    assert item.answer == correct_answer(single)
