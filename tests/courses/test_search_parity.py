"""Menu search gives the same answers on SQLite and PostgreSQL: one fixed data set, a fixed list
of queries and the expected titles (in order) and totals written down here. The suite runs on
both databases, so both must produce this same golden list.

Ids differ between runs (the tables are emptied, not reset), so results are compared by title
(unique here); relative id order is creation order, which the ordering's tie-break uses.
"""

from datetime import UTC, datetime

import pytest

from core.extensions import db
from tests.factories import make_course, make_occupation

SELLER = ("4-01-02-07", "直播销售员", "Live-stream seller")
CARER = ("4-10-01-06", "养老护理员", "Elderly care worker")
BAGS = ("6-05-03-01", "箱包制作工", "Bag maker")

# title, occupation, level, mode, region, subsidised, published on (day of May 2026).
# Several share a publication moment, so the order among them is decided by the tie-break.
COURSES = [
    ("直播销售员五级实训班", SELLER, 5, "online", "330482", True, 1),
    ("直播带货进阶", SELLER, 4, "live", "330400", True, 2),
    ("直播间运营实训班", SELLER, 4, "blended", "330000", False, 2),
    ("短视频与直播营销", SELLER, 5, "online", "430121", True, 2),
    ("Live streaming sales basics 直播", SELLER, 5, "online", "330482", False, 3),
    ("养老护理员（初级）夜校", CARER, 5, "offline", "330482", True, 3),
    ("养老护理员实训班", CARER, 4, "offline", "330400", True, 4),
    ("Elderly care at home", CARER, 3, "blended", "430121", False, 4),
    ("失智老人照护", CARER, 3, "offline", "330000", True, 4),
    ("Sewing basics 缝纫", BAGS, 5, "offline", "330482", True, 5),
    ("箱包制作工订单班", BAGS, 5, "offline", "330400", True, 5),
    ("皮具缝制实训班", BAGS, 4, "online", "430121", False, 5),
    ("Leather bag sewing workshop", BAGS, 4, "blended", "330482", True, 6),
    ("手提包设计入门", BAGS, 3, "online", "330000", False, 6),
]
DRAFT = "直播销售员草稿实训班"  # never on the menu

# (query string, expected titles on that page in order, expected total)
GOLDEN = [
    # No filters: newest first, ties by newest id; page 1, 2 and the last page of five.
    ({"per_page": 3}, ["手提包设计入门", "Leather bag sewing workshop", "皮具缝制实训班"], 14),
    ({"per_page": 3, "page": 2}, ["箱包制作工订单班", "Sewing basics 缝纫", "失智老人照护"], 14),
    ({"per_page": 3, "page": 5}, ["直播带货进阶", "直播销售员五级实训班"], 14),
    ({"per_page": 3, "page": 6}, [], 14),
    # One Chinese character (too short for the n-gram index); it is also in 箱包制作工, so
    # that occupation's other courses follow the title matches.
    ({"q": "包", "per_page": 10},
     ["手提包设计入门", "箱包制作工订单班", "Leather bag sewing workshop", "皮具缝制实训班",
      "Sewing basics 缝纫"], 5),
    # Two characters: prefix matches first, then contains; page 2 of the same query.
    ({"q": "直播", "per_page": 3},
     ["直播间运营实训班", "直播带货进阶", "直播销售员五级实训班"], 5),
    ({"q": "直播", "per_page": 3, "page": 2},
     ["Live streaming sales basics 直播", "短视频与直播营销"], 5),
    # Three and more characters.
    ({"q": "实训班", "per_page": 10},
     ["皮具缝制实训班", "养老护理员实训班", "直播间运营实训班", "直播销售员五级实训班"], 4),
    ({"q": "护理员（初级", "per_page": 10}, ["养老护理员（初级）夜校"], 1),
    # English, any case; a word inside a title and at its start.
    ({"q": "SEWING", "per_page": 10},
     ["Sewing basics 缝纫", "Leather bag sewing workshop"], 2),
    ({"q": "care", "per_page": 10},  # and "Elderly care worker" brings its courses
     ["Elderly care at home", "失智老人照护", "养老护理员实训班", "养老护理员（初级）夜校"], 4),
    # The occupation's name: its title matches first, then its other courses.
    ({"q": "养老护理员", "per_page": 10},
     ["养老护理员实训班", "养老护理员（初级）夜校", "失智老人照护", "Elderly care at home"], 4),
    ({"q": "Bag maker", "per_page": 3},
     ["手提包设计入门", "Leather bag sewing workshop", "皮具缝制实训班"], 5),
    ({"q": "Bag maker", "per_page": 3, "page": 2}, ["箱包制作工订单班", "Sewing basics 缝纫"], 5),
    ({"q": BAGS[0], "per_page": 10},  # the occupation's code
     ["手提包设计入门", "Leather bag sewing workshop", "皮具缝制实训班", "箱包制作工订单班",
      "Sewing basics 缝纫"], 5),
    # Nothing matches (with grams, and a single character).
    ({"q": "无此课程"}, [], 0),
    ({"q": "鱼"}, [], 0),
    ({"q": "直播", "page": 3, "per_page": 3}, [], 5),  # past the last page: the total stays
    # Filters combined with q.
    ({"q": "实训班", "region": "330000", "subsidised": "true"},
     ["养老护理员实训班", "直播销售员五级实训班"], 2),
    ({"q": "直播", "mode": "online", "level": 5},
     ["直播销售员五级实训班", "Live streaming sales basics 直播", "短视频与直播营销"], 3),
    ({"q": "Bag maker", "region": "430121"}, ["皮具缝制实训班"], 1),
    # Filters alone.
    ({"occupation": CARER[0], "level": 4}, ["养老护理员实训班"], 1),
    # A city: its districts' courses and the province-wide ones.
    ({"mode": "offline", "region": "330400", "per_page": 2},
     ["箱包制作工订单班", "Sewing basics 缝纫"], 5),
    ({"mode": "offline", "region": "330400", "per_page": 2, "page": 2},
     ["失智老人照护", "养老护理员实训班"], 5),
    ({"mode": "offline", "region": "330400", "per_page": 2, "page": 3},
     ["养老护理员（初级）夜校"], 5),
    ({"subsidised": "false", "region": "330482"},  # a district: also its city's, province's
     ["手提包设计入门", "Live streaming sales basics 直播", "直播间运营实训班"], 3),
]


@pytest.fixture
def menu(app):
    occupations = {code: make_occupation(code=code, name_zh=zh, name_en=en)
                   for code, zh, en in (SELLER, CARER, BAGS)}
    for title, (code, _zh, _en), level, mode, region, subsidised, day in COURSES:
        course = make_course(title=title, occupation=occupations[code], level=level, mode=mode,
                             region_code=region, subsidised=subsidised)
        course.published_at = datetime(2026, 5, day, 2, 0, tzinfo=UTC)
    make_course(title=DRAFT, occupation=occupations[SELLER[0]], published=False)
    db.session.commit()


@pytest.mark.parametrize("params,titles,total", GOLDEN,
                         ids=[str(i) for i in range(len(GOLDEN))])
def test_menu_answers_equal_the_golden_list(client, menu, params, titles, total):
    response = client.get("/api/v1/menu", query_string=params)
    assert response.status_code == 200
    body = response.get_json()
    assert ([item["title"] for item in body["items"]], body["total"]) == (titles, total)
