"""Phones and accessibility: every main page of every role at 360 px wide in Chromium has no
sideways scrolling and no critical or serious axe-core violation (axe from npm, injected);
the trainee's steps at 390x844 show their main button without scrolling. Screenshots go to
TEST_ARTIFACTS."""

from datetime import timedelta
from pathlib import Path

import pytest

from attendance.models import OfflineSession
from core.extensions import db
from core.timeutil import now_utc
from courses.models import Lesson
from tests import factories

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 780}  # the smallest phone we promise no sideways scrolling on


@pytest.fixture
def world(trainee, instructor, officer, make_user):
    course = factories.make_course(instructor, title="养老护理员五级实训班", mode="blended")
    factories.enrol(trainee, course)
    lesson = Lesson(course_id=course.id, title="基础护理", duration_minutes=30, position=1)
    start = now_utc().replace(microsecond=0) - timedelta(minutes=5)
    klass = OfflineSession(course_id=course.id, title="实操课", location="实训楼 201",
                           starts_at=start, ends_at=start + timedelta(minutes=60),
                           code_key="e" * 64)
    db.session.add_all([lesson, klass])
    db.session.commit()
    return {"trainee": trainee, "instructor": instructor, "officer": officer,
            "admin": make_user("admin"), "enterprise": make_user("enterprise"),
            "course": course, "lesson": lesson, "klass": klass}


def _pages(w):
    c, k, le = w["course"].id, w["klass"].id, w["lesson"].id
    return {
        None: ["/", "/menu", f"/courses/{c}", "/login", "/register", "/verify"],
        "trainee": ["/", "/menu", "/my/courses", f"/attendance/courses/{c}",
                    f"/attendance/lessons/{le}", f"/attendance/offline/{k}", "/attendance/live",
                    "/attendance/platform-accounts", "/my/exams", "/certificates/mine",
                    "/my/subsidies", "/employment", "/account"],
        "instructor": ["/teach", f"/teach/courses/{c}", f"/attendance/courses/{c}",
                       f"/attendance/offline/{k}", f"/attendance/offline/{k}/screen",
                       "/teach/exams", "/teach/banks/new"],
        "officer": ["/subsidies/", "/subsidies/batches", "/subsidies/policies",
                    "/certificates/manage", "/menu-admin/", "/reports", "/reports/follow-ups",
                    "/reports/targets", "/attendance/platforms", "/orders",
                    "/employment/review"],
        "enterprise": ["/orders"],
        "admin": ["/admin/users"],
    }


def _log_in(page, base, user):
    page.goto(base + "/login")
    page.fill("#email", user.email)
    page.fill("#password", factories.PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _check(page, base, path, artifacts_dir, role):
    response = page.goto(base + path)
    assert response.status == 200, (role, path, response.status)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.filter(v => v.impact === "critical" || v.impact === "serious")
            .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
    }""")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    name = f"phone-{role or 'public'}-{path.strip('/').replace('/', '_') or 'home'}.png"
    page.screenshot(path=str(artifacts_dir / name), full_page=True)
    return [f"{role} {path} {v}" for v in result] + (
        [f"{role} {path} scrolls sideways by {overflow}px"] if overflow > 0 else [])


def test_every_page_of_every_role_on_a_phone(live_server, browser, artifacts_dir, world):
    assert AXE.exists(), "run `make test` (npm ci installs axe-core into node_modules)"
    problems = []
    for role, paths in _pages(world).items():
        context = browser.new_context(locale="zh-CN", viewport=NARROW, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if role:
            _log_in(page, live_server, world[role])
        for path in paths:
            problems += _check(page, live_server, path, artifacts_dir, role)
        context.close()
    assert problems == []


def test_trainee_home_on_a_phone_puts_the_next_step_first(live_server, browser, artifacts_dir,
                                                         world):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    _log_in(page, live_server, world["trainee"])
    page.goto(live_server + "/")
    assert page.is_hidden("#site-menu")  # the header folds behind the menu button
    page.click(".menu-toggle")
    assert page.is_visible("#site-menu")
    page.click(".menu-toggle")
    check_in = page.locator(".next-class_offline .button").first
    box = check_in.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] and box["height"] >= 44
    page.screenshot(path=str(artifacts_dir / "phone-trainee-dashboard.png"))
    check_in.click()
    page.wait_for_url(f"**/attendance/offline/{world['klass'].id}")
    field = page.locator("#code")
    assert field.get_attribute("inputmode") == "numeric"
    button = page.locator("main button[type=submit]")
    box = button.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] and box["height"] >= 44
    page.screenshot(path=str(artifacts_dir / "phone-trainee-checkin.png"))
    context.close()


def test_projector_qr_fills_most_of_the_screen(live_server, browser, artifacts_dir, world):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    _log_in(page, live_server, world["instructor"])
    page.goto(live_server + f"/attendance/offline/{world['klass'].id}/screen")
    qr = page.locator("#checkin-qr").bounding_box()
    assert qr["height"] >= 0.6 * 1080
    assert world["trainee"].name not in page.inner_text("body")
    assert len(page.inner_text("#checkin-short").strip()) == 6
    page.screenshot(path=str(artifacts_dir / "projector-screen.png"))
    context.close()


def _visible_without_scrolling(locator):
    box = locator.bounding_box()
    return box is not None and box["y"] + box["height"] <= PHONE["height"] and box["height"] >= 44


def test_trainee_goes_from_home_to_the_exam_on_a_phone(live_server, browser, artifacts_dir,
                                                       trainee, instructor):
    from tests.exams.helpers import setup_exam

    exam = setup_exam(instructor, trainee)
    context = browser.new_context(locale="zh-CN", viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    _log_in(page, live_server, trainee)
    page.goto(live_server + "/")
    go = page.locator(".next-exam_open .button")
    assert _visible_without_scrolling(go)
    go.click()
    page.wait_for_url(f"**/exams/{exam.id}")
    start = page.locator("#start-attempt")
    assert _visible_without_scrolling(start)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=str(artifacts_dir / "phone-trainee-exam.png"))
    page.once("dialog", lambda dialog: dialog.accept())  # "the timer starts at once"
    start.click()
    page.wait_for_url("**/attempts/*")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=str(artifacts_dir / "phone-trainee-attempt.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    serious = page.evaluate("""async () => (await axe.run()).violations
        .filter(v => v.impact === "critical" || v.impact === "serious").map(v => v.id)""")
    assert serious == []
    context.close()
