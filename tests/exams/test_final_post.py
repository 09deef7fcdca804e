"""Results are never lost, exam side: the exam page's final post saves the answers it carries
before grading; the answer key never shows while the trainee could still use it."""

import re
from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from core.timeutil import now_utc
from exams.models import Attempt
from tests import factories
from tests.exams.helpers import correct_answer, setup_exam, wrong_answer


def _start_on_page(client, exam) -> tuple[Attempt, str]:
    token = factories.csrf_token(client, f"/exams/{exam.id}")
    response = client.post(f"/exams/{exam.id}/start", data={"csrf_token": token})
    assert response.status_code == 302
    attempt = db.session.scalar(select(Attempt).order_by(Attempt.id.desc()))
    return attempt, token


def _paper(client, attempt) -> list[dict]:
    headers = factories.api_headers(client, attempt.trainee)
    return client.get(f"/api/v1/attempts/{attempt.id}", headers=headers).get_json()["questions"]


def _form(paper: list[dict], answer) -> dict:
    """What the browser posts: q<id> fields as the page's inputs name them."""
    data: dict = {}
    for q in paper:
        value = answer(q)
        if q["type"] == "true_false":
            value = "true" if value else "false"
        data[f"q{q['id']}"] = value
    return data


def test_final_post_without_autosave_grades_the_answers_it_carries(client, instructor, trainee):
    exam = setup_exam(instructor, trainee, review_on_submit="score")
    factories.login(client, trainee)
    attempt, token = _start_on_page(client, exam)
    paper = _paper(client, attempt)
    assert all(item.answer is None for item in attempt.items)  # nothing autosaved
    response = client.post(f"/attempts/{attempt.id}/submit",
                           data={"csrf_token": token, **_form(paper, correct_answer)})
    assert response.status_code == 302 and response.location.endswith("/result")
    db.session.refresh(attempt)
    assert attempt.status == "completed" and attempt.theory_score == 100 and attempt.passed
    page = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert re.search(r'id="theory-score">100\.0', page)


def test_carried_answers_override_autosave_and_blank_ones_keep_it(client, instructor, trainee):
    exam = setup_exam(instructor, trainee, review_on_submit="score")
    factories.login(client, trainee)
    attempt, token = _start_on_page(client, exam)
    paper = _paper(client, attempt)
    headers = factories.api_headers(client, trainee)
    for q in paper:  # autosaved wrong answers...
        client.put(f"/api/v1/attempts/{attempt.id}/answers/{q['id']}",
                   json={"answer": wrong_answer(q)}, headers=headers)
    fill_in = next(q for q in paper if q["type"] == "fill_in")
    single = next(q for q in paper if q["type"] == "single")
    form = _form([q for q in paper if q["type"] != "fill_in"], correct_answer)
    form[f"q{fill_in['id']}"] = ""           # left blank on the page: the saved one stands
    form[f"q{single['id']}"] = "not-an-option"  # tampered: skipped, the saved one stands
    client.post(f"/attempts/{attempt.id}/submit", data={"csrf_token": token, **form})
    db.session.refresh(attempt)
    by_type = {item.question.type: item for item in attempt.items}
    assert by_type["fill_in"].answer == "AIDA" and by_type["fill_in"].points_awarded == 0
    assert by_type["single"].points_awarded == 0
    assert by_type["multiple"].points_awarded == 25 and by_type["true_false"].points_awarded == 25
    assert attempt.theory_score == 50


def test_a_final_post_after_the_deadline_counts_only_what_was_saved_in_time(
        client, instructor, trainee):
    exam = setup_exam(instructor, trainee, review_on_submit="score")
    factories.login(client, trainee)
    attempt, token = _start_on_page(client, exam)
    paper = _paper(client, attempt)
    attempt.deadline = now_utc() - timedelta(seconds=1)
    db.session.commit()
    client.post(f"/attempts/{attempt.id}/submit",
                data={"csrf_token": token, **_form(paper, correct_answer)})
    db.session.refresh(attempt)
    assert attempt.status == "completed" and attempt.submitted_by == "timeout"
    assert attempt.theory_score == 0 and all(i.answer is None for i in attempt.items)


def test_final_post_of_another_trainees_attempt_is_refused(client, instructor, trainee,
                                                           make_user):
    exam = setup_exam(instructor, trainee)
    factories.login(client, trainee)
    attempt, _token = _start_on_page(client, exam)
    paper = _paper(client, attempt)
    client.get("/logout")
    intruder = make_user("trainee")
    factories.login(client, intruder)
    token = factories.csrf_token(client, "/")
    response = client.post(f"/attempts/{attempt.id}/submit",
                           data={"csrf_token": token, **_form(paper, wrong_answer)})
    assert response.status_code == 403
    db.session.refresh(attempt)
    assert attempt.status == "in_progress" and all(i.answer is None for i in attempt.items)


def _submit_api(client, trainee, exam, answer) -> dict:
    headers = factories.api_headers(client, trainee)
    started = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    for q in started["questions"]:
        client.put(f"/api/v1/attempts/{started['attempt_id']}/answers/{q['id']}",
                   json={"answer": answer(q)}, headers=headers)
    return client.post(f"/api/v1/attempts/{started['attempt_id']}/submit",
                       headers=headers).get_json()


def _has_key(result: dict) -> bool:
    return any("correct_options" in row or "accepted_answers" in row
               for row in result.get("review", []))


def test_no_key_in_a_full_review_while_attempts_remain(client, instructor, trainee):
    exam = setup_exam(instructor, trainee, max_attempts=2, review_on_submit="full")
    first = _submit_api(client, trainee, exam, wrong_answer)
    assert first["passed"] is False
    assert first["review_level"] == "responses" and not _has_key(first)
    assert first["review"]  # own answers still shown
    factories.login(client, trainee)
    page = client.get(f"/attempts/{first['attempt_id']}/result").get_data(as_text=True)
    assert "FAB" not in page  # the accepted fill-in answer is the key
    # The last attempt used up: now the key may show.
    second = _submit_api(client, trainee, exam, wrong_answer)
    assert second["review_level"] == "full" and _has_key(second)


def test_no_key_while_another_attempt_is_open(client, instructor, trainee):
    exam = setup_exam(instructor, trainee, max_attempts=2, review_on_submit="full")
    first = _submit_api(client, trainee, exam, wrong_answer)
    headers = factories.api_headers(client, trainee)
    assert client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).status_code == 201
    again = client.get(f"/api/v1/attempts/{first['attempt_id']}", headers=headers).get_json()
    assert again["review_level"] == "responses" and not _has_key(again)


def test_after_a_pass_or_after_close_the_policy_applies(client, instructor, trainee):
    exam = setup_exam(instructor, trainee, max_attempts=3, review_on_submit="full",
                      review_after_close="responses")
    passed = _submit_api(client, trainee, exam, correct_answer)
    assert passed["passed"] is True and passed["review_level"] == "full" and _has_key(passed)
    exam.closes_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    headers = factories.api_headers(client, trainee)
    closed = client.get(f"/api/v1/attempts/{passed['attempt_id']}", headers=headers).get_json()
    assert closed["review_level"] == "responses" and not _has_key(closed)
