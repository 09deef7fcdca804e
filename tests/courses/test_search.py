"""Menu search through the n-gram index: Chinese substrings, English words, relevance, and an
index that follows renames. The suite runs on SQLite and PostgreSQL, so these fixed queries
give the same answers on both."""

import pytest
from sqlalchemy import func, select

from core.extensions import db
from courses import search
from courses.models import CourseSearchTerm
from tests.factories import count_statements, make_course, make_occupation

TITLES = ["直播销售员五级实训班", "养老护理员（初级）夜校", "家政服务员实训班",
          "Sewing basics 缝纫", "箱包制作工订单班", "直播带货进阶", "电商 100% 实操_A班"]


@pytest.fixture
def menu(client):
    occupation = make_occupation(name_zh="箱包制作工", name_en="Bag maker")
    other = make_occupation(name_zh="互联网营销师", name_en="Internet marketing specialist")
    return {title: make_course(title=title, occupation=occupation if "箱包" in title else other)
            for title in TITLES}


def titles(client, query, **params) -> list[str]:
    body = client.get("/api/v1/menu", query_string={"q": query, **params}).get_json()
    assert body["total"] == len(body["items"])
    return [item["title"] for item in body["items"]]


def test_grams():
    assert search.grams("直播销售") == {"直播", "播销", "销售"}
    assert search.grams("Sewing 2") == {"sew", "ewi", "win", "ing"}
    assert search.grams("电") == set()


@pytest.mark.parametrize("query,expected", [
    ("直播", {"直播销售员五级实训班", "直播带货进阶"}),
    ("实训班", {"直播销售员五级实训班", "家政服务员实训班"}),
    ("护理员（初级", {"养老护理员（初级）夜校"}),
    ("SEWING", {"Sewing basics 缝纫"}),
    ("ewin", {"Sewing basics 缝纫"}),
    ("电", {"电商 100% 实操_A班"}),                 # too short for the index: still exact
    ("员", {"直播销售员五级实训班", "养老护理员（初级）夜校", "家政服务员实训班"}),
    ("Bag maker", {"箱包制作工订单班"}),             # by occupation name
    ("播实", set()),                                   # grams present, substring absent
    ("sewing BASICS", {"Sewing basics 缝纫"}),       # any case, on both databases
    ("%", {"电商 100% 实操_A班"}),                   # a typed % is a character...
    ("_", {"电商 100% 实操_A班"}),                   # ...and so is _
    ("实训%", set()),                                  # not a wildcard
    ("操_a", {"电商 100% 实操_A班"}),
    ("ＳＥＷＩＮＧ", {"Sewing basics 缝纫"}),       # a phone keyboard in full-width mode
    ("ｂａｇ　ｍａｋｅｒ", {"箱包制作工订单班"}),     # ... with its ideographic space
    ("电商 １００", {"电商 100% 实操_A班"}),
    ("（初级", {"养老护理员（初级）夜校"}),          # full-width brackets stay as typed
])
def test_search_finds_exactly_the_substring_matches(client, menu, query, expected):
    assert set(titles(client, query)) == expected


def test_title_matches_rank_before_occupation_matches(client, menu):
    make_course(title="营销入门", occupation=menu["箱包制作工订单班"].occupation)
    found = titles(client, "箱包")
    assert found[0] == "箱包制作工订单班" and found[1:] == ["营销入门"]


def test_index_follows_renames_and_deletes(client, menu):
    course = menu["家政服务员实训班"]
    course.title = "收纳整理师周末班"
    db.session.commit()
    assert "收纳整理师周末班" in titles(client, "收纳") and titles(client, "家政") == []
    db.session.delete(course)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CourseSearchTerm).where(
        CourseSearchTerm.course_id == course.id)) == 0


def test_reindex_command_rebuilds(runner, menu):
    db.session.execute(CourseSearchTerm.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["menu", "reindex"])
    assert result.exit_code == 0 and f"indexed {len(TITLES)} courses" in result.output
    assert db.session.scalar(select(func.count()).select_from(CourseSearchTerm)) > 20


def test_filters_with_search_are_two_statements_and_values_never_mix(client, menu):
    """Each combination of filters is prepared once and reused with new values: the same shape
    asked twice with other values gives the other answer, and a search with filters is two
    round trips (the occupations matching q, then the page with its total counted in the
    same pass)."""
    make_course(title="直播销售员（杭州）实训班", region_code="330100", subsidised=False,
                occupation=menu["直播带货进阶"].occupation)
    with count_statements() as statements:
        zhejiang = titles(client, "实训班", region="330000", subsidised="false")
    assert zhejiang == ["直播销售员（杭州）实训班"] and len(statements) == 2
    assert set(titles(client, "实训班", region="330000", subsidised="true")) == {
        "直播销售员五级实训班", "家政服务员实训班"}
    assert titles(client, "实训班", region="110000", subsidised="true") == []
    code = menu["箱包制作工订单班"].occupation.code
    with count_statements() as statements:
        body = client.get("/api/v1/menu", query_string={"occupation": code}).get_json()
    assert [item["title"] for item in body["items"]] == ["箱包制作工订单班"]
    assert body["total"] == 1 and len(statements) == 2  # the page and its count
    assert client.get("/api/v1/menu", query_string={"occupation": "9-99-99-99"}
                      ).get_json()["total"] == 0


def test_which_index_finds_the_titles():
    """PostgreSQL answers 3+ Chinese characters from its pg_trgm index; shorter queries (two
    Chinese characters have no trigram), Latin words and SQLite use the character-pair table;
    one character neither. The parametrized queries above run through each on its database."""
    from courses.menu import _title_index

    assert _title_index("养老护理", sqlite=False, has_grams=True, caseless=True) == "trigrams"
    assert _title_index("sew", sqlite=False, has_grams=True, caseless=False) == "grams"
    assert _title_index("直播", sqlite=False, has_grams=True, caseless=True) == "grams"
    assert _title_index("养老护理", sqlite=True, has_grams=True, caseless=True) == "grams"
    assert _title_index("电", sqlite=True, has_grams=False, caseless=True) == ""
