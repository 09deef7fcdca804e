"""Employment after training: trainees report, officers or the employer confirm; follow-up."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.audit import AuditLog
from core.extensions import db
from core.timeutil import local_today
from reports import service
from reports.models import EmploymentRecord, FollowUpNote
from tests.factories import api_headers, enrol, login, make_course, make_user
from tests.reports.helpers import job

JOB = {"employer": "平湖箱包有限公司", "started_on": "2026-09-01",
       "occupation_code": None, "monthly_wage_fen": 450000}


def _count() -> int:
    return db.session.scalar(select(func.count(EmploymentRecord.id)))


def test_trainee_reports_and_officer_confirms(client, trainee, officer, instructor):
    course = make_course(instructor)
    enrol(trainee, course)
    response = client.post("/api/v1/me/employment", json={**JOB, "contract_months": 12},
                           headers=api_headers(client, trainee))
    assert response.status_code == 201
    record_id = response.get_json()["id"]
    record = db.session.get(EmploymentRecord, record_id)
    assert (record.status, record.course_id) == ("reported", course.id)
    year = {"year": 2026}
    headers = api_headers(client, officer)
    before = client.get("/api/v1/reports/summary", query_string=year, headers=headers)
    assert before.get_json()["employed"] == 0   # not confirmed yet
    confirm = client.post(f"/api/v1/employment/{record_id}/confirm", headers=headers)
    assert confirm.status_code == 200 and confirm.get_json()["status"] == "confirmed"
    after = client.get("/api/v1/reports/summary", query_string=year, headers=headers)
    assert after.get_json()["employed"] == 1
    assert db.session.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.action.in_(("employment.reported", "employment.confirmed")))) == 2


def test_bad_reports_are_422_and_change_nothing(client, trainee):
    headers = api_headers(client, trainee)
    far = (local_today() + timedelta(days=400)).isoformat()
    for body in ({**JOB, "monthly_wage_fen": -1}, {**JOB, "started_on": far},
                 {**JOB, "employer": ""}, {**JOB, "occupation_code": "9-99-99-99"},
                 {**JOB, "course_id": 999}, {**JOB, "extra": 1}, {"employer": "x"}):
        response = client.post("/api/v1/me/employment", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["fields"]
    assert _count() == 0


def test_only_the_named_employer_or_an_officer_confirms(client, trainee):
    employer = make_user("enterprise", organisation="平湖箱包有限公司")
    stranger = make_user("enterprise", organisation="别家公司")
    record_id = client.post("/api/v1/me/employment", json=JOB,
                            headers=api_headers(client, trainee)).get_json()["id"]
    url = f"/api/v1/employment/{record_id}/confirm"
    assert client.post(url, headers=api_headers(client, stranger)).status_code == 403
    assert client.post(url, headers=api_headers(client, trainee)).status_code == 403
    assert db.session.get(EmploymentRecord, record_id).status == "reported"
    assert client.post(url, headers=api_headers(client, employer)).status_code == 200
    assert client.post("/api/v1/employment/999/confirm",
                       headers=api_headers(client, employer)).status_code == 404
    listed = client.get("/api/v1/employment", headers=api_headers(client, employer)).get_json()
    assert [r["id"] for r in listed["items"]] == [record_id]
    assert client.get("/api/v1/employment",
                      headers=api_headers(client, stranger)).get_json()["total"] == 0


def test_officer_of_another_region_cannot_confirm(client, instructor):
    changsha = make_user("officer")
    service.set_officer_region(None, changsha, "430121")
    trainee = make_user("trainee", region_code="330482")
    enrol(trainee, make_course(instructor, region_code="330482"))
    record_id = client.post("/api/v1/me/employment", json=JOB,
                            headers=api_headers(client, trainee)).get_json()["id"]
    response = client.post(f"/api/v1/employment/{record_id}/confirm",
                           headers=api_headers(client, changsha))
    assert response.status_code == 403


def test_trainee_sees_only_their_own_jobs(client, trainee):
    other = make_user("trainee")
    job(other)
    client.post("/api/v1/me/employment", json=JOB, headers=api_headers(client, trainee))
    mine = client.get("/api/v1/me/employment", headers=api_headers(client, trainee)).get_json()
    assert mine["total"] == 1 and mine["items"][0]["trainee"]["id"] == trainee.id
    assert client.get("/api/v1/employment",
                      headers=api_headers(client, trainee)).status_code == 403


def test_follow_up_lists_at_30_and_90_days(client, officer, instructor):
    today = local_today()
    recent = make_course(instructor, ends_on=today - timedelta(days=40))
    old = make_course(instructor, ends_on=today - timedelta(days=120))
    fresh = make_course(instructor, ends_on=today - timedelta(days=5))
    a, b, c, d = (make_user("trainee") for _ in range(4))
    enrol(a, recent)
    enrol(b, recent)
    enrol(c, old)
    enrol(d, fresh)
    job(b, recent)                      # confirmed job: off the list
    headers = api_headers(client, officer)
    at30 = client.get("/api/v1/reports/follow-ups?stage=30", headers=headers).get_json()
    assert [r["trainee"]["id"] for r in at30["items"]] == [a.id]
    assert at30["items"][0]["trainee"]["phone"] == a.phone     # officers see contact details
    assert at30["items"][0]["days_since"] == 40
    at90 = client.get("/api/v1/reports/follow-ups?stage=90", headers=headers).get_json()
    assert [r["trainee"]["id"] for r in at90["items"]] == [c.id]
    note = client.post("/api/v1/follow-ups", json={
        "trainee_id": c.id, "course_id": old.id, "outcome": "reached_seeking",
        "note": "想去养老院工作"}, headers=headers)
    assert note.status_code == 201
    again = client.get("/api/v1/reports/follow-ups?stage=90", headers=headers).get_json()
    assert again["items"][0]["notes"][0]["note"] == "想去养老院工作"
    bad = client.post("/api/v1/follow-ups", json={"trainee_id": c.id, "outcome": "maybe"},
                      headers=headers)
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count(FollowUpNote.id))) == 1
    assert client.get("/api/v1/reports/follow-ups?stage=45", headers=headers).status_code == 422
    assert client.get("/api/v1/reports/follow-ups",
                      headers=api_headers(client, a)).status_code == 403


def test_pages_for_employment_and_follow_up(client, trainee, officer, instructor):
    course = make_course(instructor, ends_on=local_today() - timedelta(days=35))
    enrol(trainee, course)
    login(client, trainee)
    from tests.factories import csrf_token

    token = csrf_token(client, "/employment")
    response = client.post("/employment", data={
        "csrf_token": token, "employer": "嘉兴服装厂", "started_on": "2026-10-08",
        "monthly_wage": "4800.50", "occupation_code": "", "course_id": ""})
    assert response.status_code == 302
    assert db.session.scalar(select(EmploymentRecord.monthly_wage_fen)) == 480050
    bad = client.post("/employment", data={"csrf_token": token, "employer": "x",
                                           "started_on": "2026-10-08", "monthly_wage": "-5"})
    assert bad.status_code == 422 and _count() == 1
    officer_client = client.application.test_client()
    login(officer_client, officer)
    page = officer_client.get("/reports/follow-ups?stage=30").get_data(as_text=True)
    assert trainee.name in page and trainee.phone in page
    review = officer_client.get("/employment/review").get_data(as_text=True)
    assert "嘉兴服装厂" in review


def test_employer_account_named_by_id_may_confirm(client, trainee):
    employer = make_user("enterprise", name="HR of a company with another trading name")
    headers = api_headers(client, trainee)
    bad = client.post("/api/v1/me/employment", json={**JOB, "employer_id": trainee.id},
                      headers=headers)
    assert bad.status_code == 422 and "employer_id" in bad.get_json()["error"]["fields"]
    record_id = client.post("/api/v1/me/employment", json={**JOB, "employer_id": employer.id},
                            headers=headers).get_json()["id"]
    response = client.post(f"/api/v1/employment/{record_id}/confirm",
                           headers=api_headers(client, employer))
    assert response.status_code == 200


PAGES = ["/reports", "/reports/targets", "/reports/follow-ups", "/employment",
         "/employment/review", "/orders"]
ALLOWED = {"trainee": {"/employment"},
           "officer": {"/reports", "/reports/targets", "/reports/follow-ups",
                       "/employment/review", "/orders"},
           "enterprise": {"/employment/review", "/orders"},
           "instructor": {"/orders"}, "admin": set()}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_page_access_by_role(client, role):
    login(client, make_user(role))
    for path in PAGES:
        expected = 200 if path in ALLOWED[role] else 403
        assert client.get(path).status_code == expected, (role, path)


def test_pages_need_login(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
