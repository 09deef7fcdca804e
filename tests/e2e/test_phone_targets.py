"""Thumb-sized targets at 360 px where the outside walk measured them too small: exam answers
(a 40 px row each, touching), register's key-group and consent boxes (24 px rows, the
consent box squeezed to 13 px), the officer's revoke/reissue toggles (25 px, touching), the
claim queue's number links (9 px wide) and its "select all" hidden with the table header.
And a live class page opened early waits for the class instead of sending refused beats."""

from datetime import timedelta

import pytest

from attendance.models import LiveSession
from core.extensions import db
from core.timeutil import now_utc
from tests import factories
from tests.certificates.conftest import pass_exam
from tests.exams.helpers import setup_exam
from tests.subsidies.conftest import claim_of, issue, make_policy

NARROW = {"width": 360, "height": 780}
THUMB = 44


def _phone(browser, base, user=None):
    context = browser.new_context(locale="zh-CN", viewport=NARROW)
    page = context.new_page()
    page.set_default_timeout(15_000)
    if user is not None:
        page.goto(base + "/login")
        page.fill("input[name=email]", user.email)
        page.fill("input[name=password]", factories.PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    return context, page


def _boxes(page, selector):
    return [b for b in (page.locator(selector).nth(i).bounding_box()
                        for i in range(page.locator(selector).count())) if b]


def _too_small(boxes, width=THUMB):
    return [b for b in boxes if b["height"] < THUMB - 0.5 or b["width"] < width - 0.5]


def test_exam_answers_are_thumb_rows_apart(live_server, browser, instructor, trainee):
    exam = setup_exam(instructor, trainee, time_limit_minutes=30, shuffle_questions=False)
    context, page = _phone(browser, live_server, trainee)
    page.on("dialog", lambda dialog: dialog.accept())  # "start now?"
    page.goto(f"{live_server}/exams/{exam.id}")
    page.click("#start-attempt")
    page.wait_for_selector("#exam-app")
    rows = _boxes(page, ".question .option")
    assert len(rows) >= 4
    assert _too_small(rows) == []
    single = _boxes(page, "fieldset[data-type=single] .option")
    gaps = [lower["y"] - upper["y"] - upper["height"]
            for upper, lower in zip(single, single[1:], strict=False)]
    assert gaps and min(gaps) >= 3  # two answers of one question never touch
    context.close()


def test_register_boxes_and_their_labels_are_thumb_sized(live_server, browser):
    context, page = _phone(browser, live_server)
    page.goto(live_server + "/register")
    labels = _boxes(page, ".checkbox-list label") + _boxes(page, "label.check")
    assert len(labels) >= 3 and _too_small(labels) == []
    boxes = _boxes(page, "label.check input[type=checkbox], .checkbox-list input")
    assert boxes and all(b["width"] >= 20 for b in boxes)  # never squeezed by a long label
    context.close()


def test_officer_toggles_and_claim_links_are_thumb_sized(live_server, browser, trainee,
                                                         course_for_claims):
    officer = factories.make_user("officer")
    context, page = _phone(browser, live_server, officer)
    page.goto(live_server + "/certificates/manage")
    toggles = _boxes(page, "main summary")
    assert len(toggles) >= 2 and _too_small(toggles, width=0) == []
    page.goto(live_server + "/subsidies/")
    assert page.locator("#select-all").is_visible()
    assert _too_small(_boxes(page, ".select-all label")) == []
    links = _boxes(page, "table.claims td > a")
    assert links and _too_small(links) == []
    page.check("#select-all")
    assert page.locator("input[name=claim_ids]").first.is_checked()
    context.close()


def test_a_live_page_opened_early_waits_for_the_class(live_server, browser, instructor, trainee):
    course = factories.make_course(instructor, mode="live")
    factories.enrol(trainee, course)
    start = now_utc().replace(microsecond=0) + timedelta(hours=2)
    later = LiveSession(course_id=course.id, title="晚间直播课", kind="lecture",
                        starts_at=start, ends_at=start + timedelta(hours=1))
    db.session.add(later)
    db.session.commit()
    context, page = _phone(browser, live_server, trainee)
    beats, errors = [], []
    page.on("request", lambda r: beats.append(r.url) if "heartbeat" in r.url else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/attendance/live/{later.id}")
    page.wait_for_timeout(1500)
    assert beats == [] and errors == []
    assert "开始计时" in page.inner_text("#live-status")
    context.close()


@pytest.fixture
def course_for_claims(trainee, instructor):
    """A pending claim (for the queue) and a valid certificate (revoke and reissue)."""
    make_policy()
    course = factories.make_course(instructor, required_hours=64)
    person = factories.make_user("trainee", name="钱多多", confirmed_groups=["rural_migrant"])
    factories.grant_attendance(person, course, 64 * 60, source="lesson")
    claim_of(issue(person, course))
    pass_exam(trainee, course)
    return course
