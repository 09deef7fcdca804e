"""The menu's page cache: a repeated search costs no SQL, and whatever changes a course, an
occupation or a provider shows on the very next request, in this process and (through the
Redis generation) in every other one."""

import pytest
from sqlalchemy import text, update

from core.extensions import db
from courses import menu_cache
from courses.models import Course
from tests.factories import (
    api_headers,
    assign_provider,
    count_statements,
    make_course,
    make_institution,
    make_occupation,
    make_user,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


def menu_titles(client, **params) -> list[str]:
    response = client.get("/api/v1/menu", query_string=params)
    assert response.status_code == 200
    return [item["title"] for item in response.get_json()["items"]]


@pytest.fixture
def course(client):
    return make_course(title="直播销售员实训班")


def test_a_repeated_search_runs_no_sql(client, course):
    assert menu_titles(client, q="直播") == ["直播销售员实训班"]
    with count_statements() as statements:
        assert menu_titles(client, q="直播") == ["直播销售员实训班"]
        assert menu_titles(client, q="直播") == ["直播销售员实训班"]
    assert statements == []
    with count_statements() as statements:  # other values are another page
        assert menu_titles(client, q="直播", page=2) == []
    assert statements


def test_an_instructor_publishing_shows_at_once(client, course):
    assert menu_titles(client, q="实训班") == ["直播销售员实训班"]
    instructor = make_user("instructor")
    institution = make_institution()
    assign_provider(instructor, institution)
    draft = make_course(instructor, title="家政服务员实训班", published=False,
                        institution_id=institution.id)
    assert menu_titles(client, q="实训班") == ["直播销售员实训班"]
    headers = api_headers(client, instructor)
    response = client.post(f"/api/v1/courses/{draft.id}/publish", headers=headers)
    assert response.status_code == 200, response.get_json()
    assert sorted(menu_titles(client, q="实训班")) == ["家政服务员实训班", "直播销售员实训班"]


def test_renames_and_bulk_updates_show_at_once(client, course):
    assert menu_titles(client) == ["直播销售员实训班"]
    course.title = "直播销售员（进阶）实训班"
    db.session.commit()
    assert menu_titles(client) == ["直播销售员（进阶）实训班"]
    db.session.execute(update(Course).where(Course.id == course.id).values(status="archived"))
    db.session.commit()
    assert menu_titles(client) == []


def test_an_occupation_renamed_shows_in_every_item(client):
    occupation = make_occupation(name_zh="箱包制作工", name_en="Bag maker")
    make_course(title="订单班", occupation=occupation)
    first = client.get("/api/v1/menu", headers={"Accept-Language": "en"}).get_json()
    assert first["items"][0]["occupation"]["name"] == "Bag maker"
    occupation.name_en = "Luggage maker"
    db.session.commit()
    again = client.get("/api/v1/menu", headers={"Accept-Language": "en"}).get_json()
    assert again["items"][0]["occupation"]["name"] == "Luggage maker"


def test_off_means_every_request_reads_the_database(app, client, course, monkeypatch):
    monkeypatch.setitem(app.config, "MENU_CACHE_SECONDS", 0)
    menu_titles(client)
    with count_statements() as statements:
        menu_titles(client)
    assert statements


def test_entries_expire(client, course, monkeypatch):
    """SQL typed by hand passes no hook: the age limit bounds how long the old page is served."""
    assert menu_titles(client) == ["直播销售员实训班"]
    db.session.execute(text("UPDATE courses SET title = 'renamed by hand'"))
    db.session.commit()
    assert menu_titles(client) == ["直播销售员实训班"]
    monotonic = menu_cache.time.monotonic
    monkeypatch.setattr(menu_cache.time, "monotonic", lambda: monotonic() + 3600)
    assert menu_titles(client) == ["renamed by hand"]


@pytest.fixture
def shared_redis(app, monkeypatch):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    return redis.Redis.from_url(REDIS_URL)


def test_another_process_changing_the_menu_reaches_this_one(app, client, course, shared_redis):
    """Another worker's commit moves the shared generation on in Redis; this process then
    reads the database again instead of serving its copy."""
    assert menu_titles(client) == ["直播销售员实训班"]
    # Written past this process's hooks (SQL by hand), as if by another worker...
    db.session.execute(text("UPDATE courses SET title = '另一进程改名'"))
    db.session.commit()
    assert menu_titles(client) == ["直播销售员实训班"]  # ...this process still holds its copy
    shared_redis.incr(menu_cache._generation_key(app))  # until that worker's commit is told
    assert menu_titles(client) == ["另一进程改名"]


def test_a_change_here_moves_the_shared_generation_on(app, client, course, shared_redis):
    key = menu_cache._generation_key(app)
    before = int(shared_redis.get(key) or 0)
    course.title = "改名"
    db.session.commit()
    assert int(shared_redis.get(key) or 0) > before
    assert menu_titles(client) == ["改名"]


def test_without_redis_answering_the_menu_still_answers(app, client, course, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    assert menu_titles(client) == ["直播销售员实训班"]
    with count_statements() as statements:
        assert menu_titles(client) == ["直播销售员实训班"]
    assert statements  # no generation to trust: read every time
