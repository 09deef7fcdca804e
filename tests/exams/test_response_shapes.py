"""Start, autosave and submit send their payloads without the response schema's dump
(core.api.already_dumped: it cost more than building them): the JSON sent must be exactly
what the documented schema dumps, so the contract in the OpenAPI document holds."""

import pytest

from exams.schemas import AnswerSavedSchema, AttemptStartedSchema, ResultSchema
from tests import factories
from tests.exams.helpers import correct_answer, setup_exam, wrong_answer


def _same_as_dumped(schema, body: dict) -> None:
    assert schema.dump(body) == body
    assert set(body) == set(schema.fields)  # every documented field, nothing else


@pytest.mark.parametrize("review", ["score", "full"])
def test_start_save_and_submit_send_what_their_schemas_dump(client, instructor, trainee,
                                                            review):
    exam = setup_exam(instructor, trainee, review_on_submit=review)
    headers = factories.api_headers(client, trainee)
    started = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers)
    assert started.status_code == 201
    paper = started.get_json()
    _same_as_dumped(AttemptStartedSchema(), paper)
    assert {type(q["points"]) for q in paper["questions"]} == {float}
    for i, question in enumerate(paper["questions"]):  # every answer type, right and wrong
        saved = client.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{question['id']}",
                           headers=headers,
                           json={"answer": (correct_answer if i % 2 else wrong_answer)(question)})
        assert saved.status_code == 200
        _same_as_dumped(AnswerSavedSchema(), saved.get_json())
    submitted = client.post(f"/api/v1/attempts/{paper['attempt_id']}/submit", headers=headers)
    assert submitted.status_code == 200
    result = submitted.get_json()
    _same_as_dumped(ResultSchema(), result)
    assert isinstance(result["theory_score"], float)
    assert bool(result["review"]) == (review == "full")
