"""On SQLite (no FOR UPDATE), saves and submits of one attempt still run one after another:
50 parallel submits grade once, and no acknowledged autosave lands after the grading."""

import os
from datetime import datetime

import pytest
from sqlalchemy import func, select

from core.audit import AuditLog
from core.extensions import db
from exams.models import Attempt, AttemptItem
from tests import factories
from tests.exams.helpers import setup_exam
from tests.exams.test_concurrency import _together

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="SQLite only (PostgreSQL: test_concurrency.py)")


def test_fifty_parallel_submits_grade_once(app, client, instructor, trainee):
    exam = setup_exam(instructor, trainee)
    headers = factories.api_headers(client, trainee)
    body = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    url = f"/api/v1/attempts/{body['attempt_id']}/submit"
    responses = _together(app, [lambda c: c.post(url, headers=headers)] * 50)
    assert {r.status_code for r in responses} == {200}
    assert len({r.get_data() for r in responses}) == 1  # every caller is told the same result
    assert db.session.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.action == "attempt.submitted")) == 1


@pytest.mark.parametrize("round_", range(3))
def test_no_acknowledged_autosave_lands_after_grading(app, client, instructor, trainee, round_):
    exam = setup_exam(instructor, trainee)
    headers = factories.api_headers(client, trainee)
    body = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    attempt_id = body["attempt_id"]
    fill_in = next(q for q in body["questions"] if q["type"] == "fill_in")
    save_url = f"/api/v1/attempts/{attempt_id}/answers/{fill_in['id']}"

    def save(number):
        return lambda c: c.put(save_url, headers=headers, json={"answer": f"答案{number}"})

    calls = [save(n) for n in range(12)]
    calls.insert(6, lambda c: c.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers))
    responses = _together(app, calls)
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    item = db.session.scalar(select(AttemptItem).where(
        AttemptItem.attempt_id == attempt_id, AttemptItem.question_id == fill_in["id"]))
    assert attempt.status != "in_progress"
    acknowledged = [r.get_json() for r in responses if r.request.method == "PUT"
                    and r.status_code == 200]
    refused = [r for r in responses if r.request.method == "PUT" and r.status_code != 200]
    assert all(r.status_code == 409 and r.get_json()["error"]["code"] == "attempt_closed"
               for r in refused)
    for saved in acknowledged:  # each acknowledged save was made before the grading
        assert datetime.fromisoformat(saved["saved_at"]) <= attempt.submitted_at
    if acknowledged:  # and the graded paper holds the last of them
        last = max(acknowledged, key=lambda s: s["saved_at"])
        assert item.answer == last["answer"]
    else:
        assert item.answer is None
