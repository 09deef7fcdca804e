"""Races on PostgreSQL (parallel transactions): starts, submits, saves against the deadline.
The SQLite counterparts run the same requests one after another (test_flow_api.py)."""

import os
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.audit import AuditLog
from core.extensions import db
from core.timeutil import now_utc
from exams.grading import grade
from exams.models import Attempt, AttemptItem, Question
from tests import factories
from tests.exams.helpers import correct_answer, setup_exam, wrong_answer

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="needs PostgreSQL (parallel transactions)")


def _together(app, calls):
    """Run each call in its own thread and client, released at the same moment."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        client = app.test_client()
        barrier.wait()
        try:
            results[index] = call(client)
        except Exception as exc:  # shown by the assertion below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    errors = [r for r in results if isinstance(r, Exception) or r is None]
    assert not errors, errors
    return results


def test_simultaneous_starts_make_one_attempt(app, client, instructor, trainee):
    exam = setup_exam(instructor, trainee, max_attempts=3)
    headers = factories.api_headers(client, trainee)
    url = f"/api/v1/exams/{exam.id}/attempts"
    db.session.commit()
    responses = _together(app, [lambda c: c.post(url, headers=headers)] * 4)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409], [r.get_json() for r in responses]
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_a_double_submit_grades_once(app, client, instructor, trainee):
    exam = setup_exam(instructor, trainee)
    headers = factories.api_headers(client, trainee)
    body = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    url = f"/api/v1/attempts/{body['attempt_id']}/submit"
    responses = _together(app, [lambda c: c.post(url, headers=headers)] * 3)
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len({r.get_data() for r in responses}) == 1
    assert db.session.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.action == "attempt.submitted")) == 1


def test_answers_racing_the_deadline_are_refused_after_it(app, client, instructor, trainee):
    exam = setup_exam(instructor, trainee)
    headers = factories.api_headers(client, trainee)
    body = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    attempt = db.session.get(Attempt, body["attempt_id"])
    deadline = now_utc() + timedelta(seconds=1)
    attempt.deadline = deadline
    db.session.commit()
    fill_in = next(q for q in body["questions"] if q["type"] == "fill_in")
    url = f"/api/v1/attempts/{body['attempt_id']}/answers/{fill_in['id']}"

    def hammer(client):
        seen = []
        n = 0
        while now_utc() < deadline + timedelta(seconds=1):
            n += 1
            response = client.put(url, headers=headers, json={"answer": f"答案{n}"})
            seen.append((response.status_code, now_utc()))
            time.sleep(0.01)
        return seen

    results = _together(app, [hammer, hammer, hammer])
    codes = [code for seen in results for code, _at in seen]
    assert 200 in codes and 409 in codes and set(codes) <= {200, 409}
    for seen in results:
        assert all(at >= deadline for code, at in seen if code == 409)
    db.session.expire_all()
    item = db.session.scalar(select(AttemptItem).where(AttemptItem.question_id == fill_in["id"]))
    assert item.saved_at < deadline
    assert db.session.get(Attempt, body["attempt_id"]).status == "completed"


def _as_stored(answer):
    return sorted(answer) if isinstance(answer, list) else answer  # choices are kept sorted


def test_saves_racing_a_submit_are_graded_or_refused(app, client, instructor, trainee):
    """A save answered 200 is in the graded result; after the grading every save is 409.
    (PostgreSQL saves in one UPDATE committed on its own: its lock on the attempt is what
    orders it against the submit's.)"""
    exam = setup_exam(instructor, trainee)
    headers = factories.api_headers(client, trainee)
    body = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    base = f"/api/v1/attempts/{body['attempt_id']}"

    # The submit goes once every question has one save acknowledged (then the saves race it),
    # not after a fixed sleep: on a loaded machine a sleep let it grade before some thread's
    # first save, which the check below took for a thread that returned nothing.
    first_saves = threading.Semaphore(0)

    def hammer(question):
        def run(client):
            acknowledged = None
            for n in range(60):
                answer = correct_answer(question) if n % 2 else wrong_answer(question)
                response = client.put(f"{base}/answers/{question['id']}", headers=headers,
                                      json={"answer": answer})
                if response.status_code == 409:
                    return acknowledged
                assert response.status_code == 200, response.get_json()
                if acknowledged is None:
                    first_saves.release()
                acknowledged = answer
            return acknowledged
        return run

    def submit(client):
        for _ in questions:
            assert first_saves.acquire(timeout=20)
        time.sleep(0.01)
        return client.post(f"{base}/submit", headers=headers)

    questions = body["questions"]
    *last_saved, submitted = _together(app, [hammer(q) for q in questions] + [submit])
    assert submitted.status_code == 200
    db.session.expire_all()
    attempt = db.session.get(Attempt, body["attempt_id"])
    items = {item.question_id: item for item in attempt.items}
    for question, acknowledged in zip(questions, last_saved, strict=True):
        item = items[question["id"]]
        assert item.answer == _as_stored(acknowledged)
        # Graded on that answer: the last acknowledged one, not an earlier one.
        assert item.points_awarded == grade(db.session.get(Question, question["id"]),
                                            item.answer), (question["type"], acknowledged)
    assert attempt.theory_points == sum(item.points_awarded for item in items.values())
