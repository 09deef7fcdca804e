"""Who may do what: roles, owners, instructors of other courses; the key stays hidden."""

import pytest

from tests import factories
from tests.exams.helpers import setup_exam


@pytest.fixture
def world(client, instructor, trainee, make_user):
    exam = setup_exam(instructor, trainee, practical=True)
    headers = factories.api_headers(client, trainee)
    body = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    other_trainee = make_user("trainee")
    factories.enrol(other_trainee, exam.course)
    return {"exam": exam.id, "attempt": body["attempt_id"], "question": body["questions"][0]["id"],
            "bank": exam.bank_id, "users": {
                "anonymous": None, "trainee": trainee, "other_trainee": other_trainee,
                "instructor": instructor, "other_instructor": make_user("instructor"),
                "officer": make_user("officer")}}


MATRIX = [
    # (method, url, json, {role: status})
    ("GET", "/api/v1/attempts/{attempt}", None,
     {"anonymous": 401, "other_trainee": 403, "other_instructor": 403, "instructor": 200,
      "officer": 200, "trainee": 200}),
    ("PUT", "/api/v1/attempts/{attempt}/answers/{question}", {"answer": None},
     {"anonymous": 401, "other_trainee": 403, "instructor": 403, "trainee": 200}),
    # Whose attempt it is comes before whether the answer fits the question: another
    # trainee learns nothing of the paper from a malformed answer.
    ("PUT", "/api/v1/attempts/{attempt}/answers/{question}", {"answer": {"not": "valid"}},
     {"other_trainee": 403, "trainee": 422}),
    ("POST", "/api/v1/exams/{exam}/attempts", None,
     {"anonymous": 401, "instructor": 403, "officer": 403}),
    ("POST", "/api/v1/question-banks", {"occupation_code": "x", "level": 5, "title": "t"},
     {"anonymous": 401, "trainee": 403, "officer": 403}),
    ("POST", "/api/v1/question-banks/{bank}/questions",
     {"type": "fill_in", "text": "t", "answers": ["a"]},
     {"trainee": 403, "other_instructor": 403, "instructor": 201}),
    ("GET", "/api/v1/question-banks/{bank}/questions", None,
     {"trainee": 403, "other_instructor": 403, "instructor": 200, "officer": 200}),
    ("GET", "/api/v1/exams/{exam}/attempts", None,
     {"trainee": 403, "other_instructor": 403, "instructor": 200, "officer": 200}),
    ("GET", "/api/v1/exams/{exam}/analysis", None,
     {"trainee": 403, "other_instructor": 403, "instructor": 200}),
    ("POST", "/api/v1/exams/{exam}/overrides",
     {"trainee_id": 1, "extra_minutes": 5, "reason": "r"},
     {"trainee": 403, "other_instructor": 403}),
    ("POST", "/api/v1/attempts/{attempt}/submit", None,
     {"other_trainee": 403, "instructor": 403}),
]


def test_access_matrix(client, world):
    """One world, every (endpoint, role) pair: tokens are made once (password hashing is
    deliberately slow)."""
    headers = {role: factories.api_headers(client, user) if user else {}
               for role, user in world["users"].items()}
    for method, url, body, expected in MATRIX:
        url = url.format(**{k: world[k] for k in ("attempt", "question", "exam", "bank")})
        for role, status in expected.items():
            response = client.open(url, method=method, headers=headers[role], json=body)
            assert response.status_code == status, (method, url, role, response.get_json())


def test_an_instructor_cannot_score_outside_their_courses(client, world):
    client.post(f"/api/v1/attempts/{world['attempt']}/submit",
                headers=factories.api_headers(client, world["users"]["trainee"]))
    response = client.post(f"/api/v1/attempts/{world['attempt']}/practical-score",
                           headers=factories.api_headers(client,
                                                         world["users"]["other_instructor"]),
                           json={"criteria": {"商品讲解": 1, "合规": 1, "互动答疑": 1}})
    assert response.status_code == 403


def test_the_key_never_reaches_the_exam_page(client, world):
    trainee = world["users"]["trainee"]
    factories.login(client, trainee)
    html = client.get(f"/attempts/{world['attempt']}").get_data(as_text=True)
    assert "直播前需要准备哪些" in html or "FAB" not in html
    for secret in ("FAB", "correct", "explanation", "data-correct"):
        assert secret not in html, secret


def test_a_trainee_cannot_open_another_trainees_exam_page(client, world):
    factories.login(client, world["users"]["other_trainee"])
    assert client.get(f"/attempts/{world['attempt']}").status_code == 403
    assert client.get(f"/attempts/{world['attempt']}/result").status_code == 403
