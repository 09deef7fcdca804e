"""On a phone-size Chromium the demo trainee plays the demo video lesson (a real MP4 made
with ffmpeg), pauses, hides the tab, seeks ahead: the credited seconds match the time the
video really played in a visible page, within 5 s."""

from sqlalchemy import select

from accounts.models import User
from attendance.lessons import progress_for
from core.extensions import db
from courses.models import Lesson

JS_HIDE = """hidden => {
  Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
  Object.defineProperty(document, "visibilityState", {configurable: true,
    get: () => hidden ? "hidden" : "visible"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def video_time(page) -> float:
    return page.evaluate("() => document.getElementById('lesson-video').currentTime")


def test_phone_trainee_watches_the_demo_video_and_is_credited_what_played(
        app, runner, live_server, browser, artifacts_dir):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    trainee = db.session.scalar(select(User).where(User.email == "trainee@demo.skillbridge.cn"))
    lesson = db.session.scalar(select(Lesson).where(Lesson.title.like("演示短片%")))
    assert lesson is not None, "the demo video lesson needs ffmpeg (make install)"
    app.config["ATTENDANCE_HEARTBEAT_SECONDS"] = 1
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(live_server + "/login")
        page.fill("input[name=email]", trainee.email)
        page.fill("input[name=password]", "skillbridge-demo")  # accounts.demo.DEMO_PASSWORD
        page.click("form button[type=submit]")
        page.goto(f"{live_server}/attendance/lessons/{lesson.id}")
        page.wait_for_selector("#lesson-video")
        for _ in range(40):
            if page.evaluate("() => document.getElementById('lesson-video').readyState") >= 1:
                break
            page.wait_for_timeout(250)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

        watched = 0.0

        def play_for(ms):
            nonlocal watched
            page.evaluate("() => document.getElementById('lesson-video').play()")
            page.wait_for_timeout(400)
            start = video_time(page)
            page.wait_for_timeout(ms)
            end = video_time(page)
            assert end > start, "the video does not play in this Chromium"
            watched += end - start

        play_for(6000)  # watch
        page.evaluate("() => document.getElementById('lesson-video').pause()")
        page.wait_for_timeout(3000)  # paused: nothing
        play_for(4000)  # watch again
        page.evaluate(JS_HIDE, True)  # the tab is hidden while the video plays on
        page.wait_for_timeout(3000)
        page.evaluate(JS_HIDE, False)
        page.wait_for_timeout(300)
        start = video_time(page)
        page.wait_for_timeout(3000)
        watched += video_time(page) - start
        # seek 50 s ahead: the jump earns nothing, playing on from there does
        page.evaluate("() => { const v = document.getElementById('lesson-video');"
                      " v.currentTime = v.currentTime + 50; }")
        page.wait_for_timeout(600)
        start = video_time(page)
        page.wait_for_timeout(3000)
        watched += video_time(page) - start
        page.evaluate("() => document.getElementById('lesson-video').pause()")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(artifacts_dir / "lesson-media-phone.png"), full_page=True)
        today = page.locator("#study-today").inner_text()
        assert "8" in today
    finally:
        app.config["ATTENDANCE_HEARTBEAT_SECONDS"] = 30
        context.close()
    db.session.expire_all()
    credited = progress_for(trainee.id, lesson).watched_seconds
    assert abs(credited - watched) <= 5, (credited, watched)
    assert credited < 40  # the 50 s jump and the hidden time were not credited
    assert errors == []
