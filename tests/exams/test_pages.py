"""HTML pages: instructors write questions (with preview), build exams, read results and
score the practical part; trainees see their exams and results."""

import io

from sqlalchemy import func, select

from core.extensions import db
from exams.models import Attempt, Exam, Question
from tests import factories
from tests.exams.helpers import correct_answer, make_bank, setup_exam


def _post(client, path, data, **kwargs):
    data = {**data, "csrf_token": factories.csrf_token(client, path)}
    return client.post(path, data=data, **kwargs)


def test_instructor_writes_a_question_with_preview(client, instructor):
    course = factories.make_course(instructor)
    bank = make_bank(instructor, course.occupation, questions=[])
    factories.login(client, instructor)
    path = f"/teach/banks/{bank.id}/questions/new"
    form = {"type": "multiple", "text": "开播前检查哪些？", "points": "2",
            "options": "*网络\n*灯光\n私人相册", "partial_credit": "y", "tags": "直播准备，设备",
            "difficulty": "2", "explanation": "三要素"}
    preview = _post(client, path, {**form, "action": "preview"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert 'id="question-preview"' in html and "网络 ✓" in html
    assert db.session.scalar(select(func.count(Question.id))) == 0
    saved = _post(client, path, {**form, "action": "save"})
    assert saved.status_code == 302
    question = db.session.scalar(select(Question))
    assert question.tags == ["直播准备", "设备"] and question.partial_credit is True
    assert [o["correct"] for o in question.options] == [True, True, False]
    bad = _post(client, path, {**form, "options": "只有一个", "action": "save"})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count(Question.id))) == 1
    page = client.get(f"/teach/banks/{bank.id}").get_data(as_text=True)
    assert "开播前检查哪些？" in page


def test_import_page_reports_bad_lines(client, instructor):
    course = factories.make_course(instructor)
    bank = make_bank(instructor, course.occupation, questions=[])
    factories.login(client, instructor)
    csv = "type,text,options\nsingle,好题,*甲|乙\nsingle,坏题,甲|乙\n"
    token = factories.csrf_token(client, f"/teach/banks/{bank.id}")
    response = client.post(f"/teach/banks/{bank.id}/import", data={
        "csrf_token": token, "file": (io.BytesIO(csv.encode()), "q.csv")},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "第 3 行" in html or "Line 3" in html
    assert db.session.scalar(select(func.count(Question.id))) == 0


def test_instructor_creates_an_exam_on_the_page(client, instructor):
    course = factories.make_course(instructor)
    make_bank(instructor, course.occupation)
    factories.login(client, instructor)
    path = f"/teach/courses/{course.id}/exams/new"
    page = client.get(path)
    assert page.status_code == 200
    bank_id = db.session.scalar(select(func.min(Exam.id)).select_from(Exam))  # none yet
    assert bank_id is None
    from exams.models import QuestionBank

    bank = db.session.scalar(select(QuestionBank))
    form = {"title": "五级考试", "bank_id": str(bank.id), "count_single": "1",
            "count_fill_in": "1", "count_multiple": "0", "count_true_false": "0",
            "time_limit_minutes": "30", "opens_at": "2026-01-01T08:00",
            "closes_at": "2030-01-01T08:00", "max_attempts": "1", "pass_theory": "60",
            "practical_task_id": "0", "pass_practical": "60", "review_on_submit": "score",
            "review_after_close": "full"}
    too_many = _post(client, path, {**form, "count_single": "9"})
    assert too_many.status_code == 422
    response = _post(client, path, form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    exam = db.session.scalar(select(Exam))
    assert exam.question_count == 2 and exam.pass_practical is None
    assert exam.opens_at.isoformat() == "2026-01-01T00:00:00+00:00"  # 08:00 Beijing


def test_results_page_and_practical_scoring(client, instructor, trainee, make_user):
    exam = setup_exam(instructor, trainee, practical=True)
    headers = factories.api_headers(client, trainee)
    body = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    for q in body["questions"]:
        client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{q['id']}", headers=headers,
                   json={"answer": correct_answer(q)})
    client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers)

    factories.login(client, make_user("instructor"))
    assert client.get(f"/teach/exams/{exam.id}").status_code == 403
    assert client.get(f"/teach/attempts/{body['attempt_id']}/score").status_code == 403
    client.post("/logout", data={"csrf_token": factories.csrf_token(client)})

    factories.login(client, instructor)
    html = client.get(f"/teach/exams/{exam.id}").get_data(as_text=True)
    assert 'id="distribution"' in html and 'id="items"' in html and "等待实操评分" in html
    path = f"/teach/attempts/{body['attempt_id']}/score"
    bad = _post(client, path, {"criterion-0": "41", "criterion-1": "30", "criterion-2": "30"})
    assert bad.status_code == 422
    assert db.session.get(Attempt, body["attempt_id"]).practical_score is None
    ok = _post(client, path, {"criterion-0": "30", "criterion-1": "25", "criterion-2": "25",
                              "comment": "表现稳定"})
    assert ok.status_code == 302
    attempt = db.session.get(Attempt, body["attempt_id"])
    assert attempt.passed is True and attempt.practical_score == 80
    csv = client.get(f"/api/v1/exams/{exam.id}/results.csv").get_data(as_text=True)
    assert trainee.name in csv and trainee.profile.id_number not in csv


def test_trainee_pages(client, instructor, trainee):
    exam = setup_exam(instructor, trainee, review_on_submit="score")
    factories.login(client, trainee)
    assert exam.title in client.get("/my/exams").get_data(as_text=True)
    page = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert 'id="start-attempt"' in page
    started = _post(client, f"/exams/{exam.id}/start", {})
    assert started.status_code == 302 and "/attempts/" in started.location
    again = _post(client, f"/exams/{exam.id}/start", {})
    assert again.location == started.location  # resumes the open attempt
    attempt_id = int(started.location.rstrip("/").split("/")[-1])
    done = _post(client, f"/attempts/{attempt_id}/submit", {})
    assert done.status_code == 302
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="theory-score"' in result and "未通过" in result
    assert "question-review" not in result  # policy "score": no answers until it closes


def test_not_eligible_trainee_sees_why(client, instructor, trainee):
    exam = setup_exam(instructor, trainee, attended=0.5)
    factories.login(client, trainee)
    page = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert 'id="start-attempt"' not in page and "80%" in page
