"""Rubrics and practical instructions are for the course's staff: the candidates, another
instructor and the public API never see how the practical part is scored."""

import pytest

from core.extensions import db
from tests.exams.helpers import RUBRIC, setup_exam
from tests.factories import api_headers


@pytest.fixture
def exam(instructor, trainee):
    exam = setup_exam(instructor, trainee, practical=True)
    exam.practical_instructions = "现场完成一场 10 分钟直播带货"
    db.session.commit()
    return exam


def _views(client, user, exam):
    headers = api_headers(client, user)
    listed = client.get(f"/api/v1/courses/{exam.course_id}/exams", headers=headers)
    one = client.get(f"/api/v1/exams/{exam.id}", headers=headers)
    return listed, one


def test_course_staff_see_the_rubric(client, instructor, officer, exam):
    for user in (instructor, officer):
        listed, one = _views(client, user, exam)
        item = listed.get_json()["items"][0]
        assert item["rubric"] == one.get_json()["rubric"]
        assert [c["criterion"] for c in item["rubric"]] == [c["criterion"] for c in RUBRIC]
        assert item["practical_instructions"] == "现场完成一场 10 分钟直播带货"


def test_candidates_and_other_instructors_do_not(client, trainee, make_user, exam):
    other = make_user("instructor", name="别的老师")
    listed, one = _views(client, trainee, exam)
    assert listed.status_code == 200 and one.status_code == 200
    for body in (listed.get_json()["items"][0], one.get_json()):
        assert "rubric" not in body and "practical_instructions" not in body
        assert body["pass_practical"] == 60  # they may know there is a practical part
    listed, _one = _views(client, other, exam)
    assert listed.status_code == 200
    item = listed.get_json()["items"][0]
    assert "rubric" not in item and "practical_instructions" not in item
    assert "直播带货" not in listed.get_data(as_text=True)
