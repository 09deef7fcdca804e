"""NUL characters and unpaired surrogates are refused before any view: on PostgreSQL they were
a 500 on every text field and search box (psycopg: "cannot contain NUL bytes"), on both
databases a lone "\\ud800" was a 500 (UnicodeEncodeError), and SQLite stored "a\\0b" as a
trainee's name. Nothing is changed."""

import json

import pytest
from sqlalchemy import func, select

from accounts.models import User
from core.extensions import db
from courses.models import Course
from tests import factories


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("bad", ["a\u0000b", "\ud800", "ok\udfffok"])
def test_api_bodies_with_unstorable_text_are_422_and_change_nothing(client, instructor, bad):
    headers = factories.api_headers(client, instructor)
    occupation = factories.make_occupation()
    courses, users = _count(Course), _count(User)
    body = {"title": bad, "occupation_code": occupation.code, "level": 5, "mode": "online",
            "required_hours": 10, "region_code": "330482", "subsidised": True}
    # json.dumps writes a lone surrogate as the escape "\ud800", as an attacker's client would.
    made = client.post("/api/v1/courses", data=json.dumps(body),
                       content_type="application/json", headers=headers)
    assert made.status_code == 422
    assert made.get_json()["error"]["code"] == "invalid_characters"
    public = client.post("/api/v1/trainees", data=json.dumps({"name": bad}),
                         content_type="application/json")
    assert public.status_code == 422
    assert (_count(Course), _count(User)) == (courses, users)


def test_queries_paths_and_forms_with_nul_are_refused(client):
    assert client.get("/api/v1/menu?q=a%00b").status_code == 422
    assert client.get("/api/v1/certificates/SB2026%00/verify").status_code == 404
    assert client.get("/menu?q=a%00b").status_code == 400
    assert client.post("/register", data={"name": "a\x00b"}).status_code == 400
    assert client.get("/api/v1/menu?q=%E5%85%BB%E8%80%81").status_code == 200  # 养老 is fine


def test_escaped_text_that_is_fine_still_passes(client, instructor):
    """A pair of surrogate escapes is one character (an emoji), and plain escapes are text."""
    occupation = factories.make_occupation()
    body = {"title": "直播带货\U0001F600 \u00e9", "occupation_code": occupation.code, "level": 5,
            "mode": "online", "required_hours": 10, "region_code": "330482",
            "subsidised": True}
    made = client.post("/api/v1/courses", data=json.dumps(body),  # ensure_ascii: \ud83d\ude00
                       content_type="application/json",
                       headers=factories.api_headers(client, instructor))
    assert made.status_code == 201, made.get_json()
    assert db.session.get(Course, made.get_json()["id"]).title == "直播带货\U0001F600 \u00e9"
