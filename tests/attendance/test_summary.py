"""The attendance summary other features depend on (My courses, the exam gate)."""

import pytest

from attendance import service
from tests.factories import api_headers, enrol, grant_attendance


@pytest.mark.parametrize("source", ["offline", "live", "lesson"])
def test_grant_attendance_counts_real_records(trainee, make_course, source):
    course = make_course(required_hours=10)
    grant_attendance(trainee, course, 120, source=source)
    result = service.summary(trainee.id, course)
    assert result["required_minutes"] == 600
    assert result["attended_minutes"] == 120
    assert result["ratio"] == pytest.approx(0.2)
    assert result["eligible_for_exam"] is False
    assert result["by_source"] == {"lesson": 0, "offline": 0, "live": 0, source: 120}


def test_threshold_reached_exactly_makes_eligible(trainee, make_course):
    course = make_course(required_hours=1)  # threshold 0.8 by default -> 48 minutes
    grant_attendance(trainee, course, 47)
    assert service.summary(trainee.id, course)["eligible_for_exam"] is False
    grant_attendance(trainee, course, 1, source="lesson")
    result = service.summary(trainee.id, course)
    assert result["attended_minutes"] == 48
    assert result["ratio"] == 0.8
    assert result["eligible_for_exam"] is True


def test_ratio_is_capped_at_one_and_threshold_is_per_course(trainee, make_course):
    course = make_course(required_hours=1, attendance_threshold=0.5)
    grant_attendance(trainee, course, 90)
    result = service.summary(trainee.id, course)
    assert result["ratio"] == 1.0 and result["attended_minutes"] == 90
    other = make_course(required_hours=2, attendance_threshold=0.5)
    grant_attendance(trainee, other, 60)
    assert service.summary(trainee.id, other)["eligible_for_exam"] is True


def test_another_trainees_attendance_does_not_count(trainee, make_user, make_course):
    course = make_course(required_hours=1)
    other = make_user("trainee")
    grant_attendance(other, course, 60)
    enrol(trainee, course)
    assert service.summary(trainee.id, course)["attended_minutes"] == 0


def test_my_enrolments_api_uses_the_summary(client, trainee, make_course):
    course = make_course(required_hours=1)
    grant_attendance(trainee, course, 30, source="live")
    body = client.get("/api/v1/me/enrolments", headers=api_headers(client, trainee)).get_json()
    attendance = body["items"][0]["attendance"]
    assert attendance["attended_minutes"] == 30
    assert attendance["ratio"] == 0.5
    assert attendance["eligible_for_exam"] is False


def test_my_courses_page_shows_the_progress_bar(client, trainee, make_course):
    from tests.factories import login

    course = make_course(required_hours=1)
    grant_attendance(trainee, course, 30)
    login(client, trainee)
    html = client.get("/my/courses").get_data(as_text=True)
    assert 'aria-valuenow="50"' in html
