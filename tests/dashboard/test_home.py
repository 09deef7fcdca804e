"""The trainee's home page says what to do next in each course, in plain words."""

from datetime import timedelta

from attendance.models import LessonProgress, OfflineSession
from core.extensions import db
from core.timeutil import now_utc
from courses.models import Lesson
from tests.factories import enrol, login, make_user


def _lesson(course, title, minutes=30, position=1):
    lesson = Lesson(course_id=course.id, title=title, duration_minutes=minutes,
                    position=position)
    db.session.add(lesson)
    db.session.commit()
    return lesson


def test_home_shows_lesson_to_continue_at_the_minute_and_todays_class(
        client, trainee, instructor, make_course):
    course = make_course(instructor, title="养老护理员五级", mode="blended")
    enrol(trainee, course)
    first = _lesson(course, "基础护理", position=1)
    db.session.add(LessonProgress(lesson_id=first.id, trainee_id=trainee.id,
                                  watched_seconds=400, last_position=7 * 60 + 20))
    start = now_utc().replace(microsecond=0) - timedelta(minutes=5)
    klass = OfflineSession(course_id=course.id, title="实操课", location="实训楼 201",
                           starts_at=start, ends_at=start + timedelta(minutes=60),
                           code_key="c" * 64)
    db.session.add(klass)
    db.session.commit()
    login(client, trainee)
    client.get("/lang/en")
    html = client.get("/").get_data(as_text=True)
    assert "养老护理员五级" in html
    assert "Continue lesson 1 “基础护理” at minute 7." in html
    assert f'/attendance/lessons/{first.id}' in html
    assert "Class now: 实操课" in html and f"/attendance/offline/{klass.id}" in html


def test_home_is_only_the_trainees_own(client, trainee, instructor, make_course):
    course = make_course(instructor, title="别人的课程")
    other = make_user("trainee")
    enrol(other, course)
    login(client, trainee)
    html = client.get("/").get_data(as_text=True)
    assert "别人的课程" not in html
    assert "/menu" in html  # no course yet: the next step is the training menu


def test_staff_keep_the_public_home_page(client, officer):
    login(client, officer)
    response = client.get("/")
    assert response.status_code == 200
    assert 'id="next-steps"' not in response.get_data(as_text=True)


def test_home_offers_the_open_exam_to_an_eligible_trainee(client, trainee, instructor):
    from tests.exams.helpers import setup_exam

    exam = setup_exam(instructor, trainee)
    login(client, trainee)
    client.get("/lang/en")
    html = client.get("/").get_data(as_text=True)
    assert f"The exam “{exam.title}” is open until" in html
    assert f"/exams/{exam.id}" in html
