"""Numbers that cannot be database ids are a 404 in paths and a 422 in bodies, never a 500
(PostgreSQL `integer` columns hold 32 bits; the drivers overflow past 64)."""

import pytest

from tests.factories import api_headers

HUGE = ["99999999999999999999", str(2**63), str(2**31)]


@pytest.mark.parametrize("number", HUGE)
def test_huge_id_in_path_is_404_anonymously(client, number):
    response = client.get(f"/api/v1/courses/{number}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("number", HUGE)
def test_huge_id_in_path_is_404_with_a_token(client, trainee, number):
    headers = api_headers(client, trainee)
    for path in (f"/api/v1/courses/{number}/exams", f"/api/v1/me/courses/{number}/attendance"):
        assert client.get(path, headers=headers).status_code == 404, path
    response = client.post(f"/api/v1/courses/{number}/enrolments", headers=headers)
    assert response.status_code == 404


def test_huge_id_on_a_page_is_404(client, officer):
    from tests.factories import login

    login(client, officer)
    assert client.get("/subsidies/claims/99999999999999999999").status_code == 404


@pytest.mark.parametrize("number", [2**31, 2**63, 10**20, -(2**31) - 1])
def test_huge_integer_in_body_is_422(client, instructor, number):
    headers = api_headers(client, instructor)
    response = client.post("/api/v1/question-banks", headers=headers, json={
        "occupation_code": "4-01-02-01", "level": number, "title": "题库"})
    assert response.status_code == 422
    assert "level" in response.get_json()["error"]["fields"]


def test_huge_integer_in_query_is_422(client):
    response = client.get("/api/v1/menu", query_string={"level": 10**20})
    assert response.status_code == 422


def test_openapi_documents_the_bounds(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    param = next(p for p in spec["paths"]["/api/v1/courses/{course_id}"]["parameters"]
                 if p["name"] == "course_id")
    assert param["schema"]["maximum"] == 2**31 - 1
