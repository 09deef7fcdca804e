"""A trainee watches a recorded lesson (a real video made with ffmpeg) in Chromium long enough
to earn credit and sees the progress bars move (heartbeat interval shortened for the test)."""

from attendance import demo_media, media
from core.extensions import db
from courses.models import Lesson
from tests.factories import PASSWORD, enrol


def test_trainee_watches_a_lesson_and_the_progress_bar_moves(app, live_server, page, trainee,
                                                            instructor, make_course,
                                                            artifacts_dir):
    course = make_course(instructor, required_hours=1)
    enrol(trainee, course)
    lesson = Lesson(course_id=course.id, title="直播间搭建与设备调试", kind="video",
                    duration_minutes=1, position=1)
    db.session.add(lesson)
    db.session.commit()
    with open(demo_media.video(), "rb") as stream:
        media.save_upload(instructor, lesson, stream, "clip.mp4")
    db.session.commit()
    app.config["ATTENDANCE_HEARTBEAT_SECONDS"] = 1
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(live_server + "/login")
        page.fill("input[name=email]", trainee.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.goto(f"{live_server}/attendance/lessons/{lesson.id}")
        bar = page.locator("#lesson-progress .progress")
        assert bar.get_attribute("aria-valuenow") == "0"
        page.evaluate("() => document.getElementById('lesson-video').play()")
        for _ in range(60):  # the CSP forbids eval, so poll instead of wait_for_function
            if int(bar.get_attribute("aria-valuenow")) >= 5:
                break
            page.wait_for_timeout(250)
        assert int(bar.get_attribute("aria-valuenow")) >= 5
        page.evaluate("() => document.getElementById('lesson-video').pause()")
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts_dir / "lesson-watch.png"), full_page=True)
        course_bar = page.locator("#course-progress .progress-text").inner_text()
        assert course_bar != "0.0%"
    finally:
        app.config["ATTENDANCE_HEARTBEAT_SECONDS"] = 30
    from attendance.lessons import progress_for

    db.session.expire_all()
    watched = progress_for(trainee.id, lesson).watched_seconds
    assert 3 <= watched <= 15
    assert errors == []
