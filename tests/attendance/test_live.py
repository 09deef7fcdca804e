"""Live sessions: scheduling, the trainee and instructor attendance APIs, browser heartbeats,
closing (absentees), signals, and who may see what."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from attendance import live
from attendance.models import LiveAttendance, LiveEvent, LiveSession
from core.extensions import db
from core.timeutil import now_utc
from tests.attendance.helpers import live_session
from tests.factories import api_headers, enrol, grant_attendance, login, make_platform


@pytest.fixture
def course(instructor, make_course):
    return make_course(instructor, mode="live", required_hours=1)


def _payload(platform=None, **extra):
    start = now_utc().replace(microsecond=0) + timedelta(days=1)
    data = {"title": "直播带货实操：助农专场", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(), "kind": "selling_practice"}
    if platform:
        data |= {"platform_id": platform.id, "room": "room-88"}
    return data | extra


def test_instructor_schedules_a_live_session(client, instructor, course):
    platform = make_platform()
    response = client.post(f"/api/v1/courses/{course.id}/live-sessions",
                           json=_payload(platform, stream_url="https://live.example.cn/88"),
                           headers=api_headers(client, instructor))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == "selling_practice" and body["state"] == "upcoming"
    assert db.session.get(LiveSession, body["id"]).room == "room-88"


@pytest.mark.parametrize("extra", [
    {"kind": "dance"}, {"title": ""}, {"platform_id": 9999, "room": "r"},
    {"stream_url": "javascript:alert(1)"}, {"unknown": 1},
])
def test_bad_sessions_are_422(client, instructor, course, extra):
    response = client.post(f"/api/v1/courses/{course.id}/live-sessions",
                           json=_payload(**extra), headers=api_headers(client, instructor))
    assert response.status_code == 422
    assert db.session.scalar(select(LiveSession)) is None


def test_ends_before_start_is_422(client, instructor, course):
    payload = _payload()
    payload["ends_at"] = payload["starts_at"]
    response = client.post(f"/api/v1/courses/{course.id}/live-sessions", json=payload,
                           headers=api_headers(client, instructor))
    assert response.status_code == 422
    assert "ends_at" in response.get_json()["error"]["fields"]


def test_the_same_room_at_the_same_time_is_409(client, instructor, course):
    platform = make_platform()
    headers = api_headers(client, instructor)
    url = f"/api/v1/courses/{course.id}/live-sessions"
    assert client.post(url, json=_payload(platform), headers=headers).status_code == 201
    assert client.post(url, json=_payload(platform), headers=headers).status_code == 409


@pytest.mark.parametrize("role, status", [("trainee", 403), ("officer", 403),
                                          ("enterprise", 403), ("instructor", 403)])
def test_only_the_course_instructor_schedules(client, make_user, course, role, status):
    response = client.post(f"/api/v1/courses/{course.id}/live-sessions", json=_payload(),
                           headers=api_headers(client, make_user(role)))
    assert response.status_code == status


def test_trainee_attendance_api_shows_only_their_own(client, trainee, make_user, course):
    other = make_user("trainee")
    grant_attendance(trainee, course, 50, source="live")
    grant_attendance(other, course, 10, source="offline")
    # the trainee enrolled before that class (classes before enrolment are not listed)
    from courses.models import Enrolment

    db.session.scalar(select(Enrolment).where(Enrolment.trainee_id == trainee.id)).created_at \
        = now_utc() - timedelta(hours=2)
    db.session.commit()
    response = client.get(f"/api/v1/me/courses/{course.id}/attendance",
                          headers=api_headers(client, trainee))
    assert response.status_code == 200
    body = response.get_json()
    assert body["attended_minutes"] == 50 and body["eligible_for_exam"] is True
    assert {s["kind"] for s in body["sessions"]} == {"live", "offline"}
    assert [s["attended_minutes"] for s in body["sessions"] if s["kind"] == "offline"] == [0]
    assert "trainees" not in body


def test_trainee_not_enrolled_gets_403(client, make_user, course):
    response = client.get(f"/api/v1/me/courses/{course.id}/attendance",
                          headers=api_headers(client, make_user("trainee")))
    assert response.status_code == 403


@pytest.mark.parametrize("role, status", [("trainee", 403), ("enterprise", 403),
                                          ("instructor", 403), ("officer", 200)])
def test_course_sheet_access(client, make_user, course, role, status):
    response = client.get(f"/api/v1/courses/{course.id}/attendance",
                          headers=api_headers(client, make_user(role)))
    assert response.status_code == status


def test_course_sheet_for_the_instructor(client, instructor, trainee, make_user, course):
    other = make_user("trainee", name="王军")
    grant_attendance(trainee, course, 50)
    enrol(other, course)
    response = client.get(f"/api/v1/courses/{course.id}/attendance",
                          headers=api_headers(client, instructor))
    body = response.get_json()
    assert body["enrolled"] == 2 and body["eligible_count"] == 1
    assert body["eligible_for_exam"] is False
    rows = {r["trainee"]["name"]: r for r in body["trainees"]}
    assert rows[trainee.name]["attended_minutes"] == 50 and rows["王军"]["attended_minutes"] == 0
    assert body["sessions"][0]["present"] == 1 and body["sessions"][0]["absent"] == 1
    login(client, instructor)
    csv = client.get(f"/attendance/courses/{course.id}/attendance.csv")
    assert csv.status_code == 200 and "王军" in csv.get_data(as_text=True)


def test_browser_heartbeats_count_and_two_tabs_do_not_double(client, trainee, course):
    enrol(trainee, course)
    session = live_session(course, minutes=60, starts_in=-30)
    t0 = session.starts_at + timedelta(minutes=1)
    for i in range(11):  # every 60 s for 10 minutes, from two tabs/devices
        for device in ("10.0.0.1", "10.0.0.2"):
            live.browser_heartbeat(trainee, session, device, now=t0 + timedelta(seconds=60 * i))
    db.session.commit()
    assert live.live_results([session], [trainee.id])[(session.id, trainee.id)]["seconds"] == 600
    response = client.post(f"/api/v1/live-sessions/{session.id}/heartbeat", json={},
                           headers=api_headers(client, trainee))
    assert response.status_code == 200


def test_heartbeat_outside_the_session_is_409(client, trainee, course):
    enrol(trainee, course)
    session = live_session(course, minutes=60, starts_in=120)
    response = client.post(f"/api/v1/live-sessions/{session.id}/heartbeat", json={},
                           headers=api_headers(client, trainee))
    assert response.status_code == 409
    assert db.session.scalar(select(LiveEvent)) is None


def test_closing_marks_absentees_and_flags_two_places(client, instructor, trainee, make_user,
                                                     course):
    absent = make_user("trainee", name="缺勤学员")
    enrol(trainee, course)
    enrol(absent, course)
    session = live_session(course, minutes=30, starts_in=-40)
    for i in range(31):  # heartbeats from two networks at once
        for device in ("1.1.1.1", "2.2.2.2"):
            db.session.add(LiveEvent(source="browser", type="heartbeat", session_id=session.id,
                                     trainee_id=trainee.id, device=device,
                                     at=session.starts_at + timedelta(seconds=60 * i),
                                     received_at=now_utc()))
    db.session.commit()
    response = client.post(f"/api/v1/live-sessions/{session.id}/close",
                           headers=api_headers(client, instructor))
    assert response.status_code == 200, response.get_json()
    rows = {r.trainee_id: r for r in db.session.scalars(select(LiveAttendance))}
    assert rows[absent.id].status == "absent"
    assert rows[trainee.id].status == "present" and "two_places" in rows[trainee.id].flags
    assert db.session.get(LiveSession, session.id).closed_at is not None


def test_closing_a_running_session_is_409(client, instructor, course):
    session = live_session(course, minutes=60, starts_in=-10)
    response = client.post(f"/api/v1/live-sessions/{session.id}/close",
                           headers=api_headers(client, instructor))
    assert response.status_code == 409


def test_close_cli_closes_due_sessions(runner, course):
    live_session(course, minutes=30, starts_in=-40)
    result = runner.invoke(args=["live", "close"])
    assert "Closed 1" in result.output


@pytest.mark.parametrize("path", ["/attendance/live", "/attendance/platform-accounts"])
def test_trainee_pages_render(client, trainee, path):
    login(client, trainee)
    assert client.get(path).status_code == 200


def test_trainee_course_page_and_live_page(client, trainee, course):
    grant_attendance(trainee, course, 30)
    session = live_session(course, minutes=60, starts_in=10)
    login(client, trainee)
    html = client.get(f"/attendance/courses/{course.id}").get_data(as_text=True)
    assert 'aria-valuenow="50"' in html and session.title in html
    assert client.get(f"/attendance/live/{session.id}").status_code == 200
    assert client.get("/attendance/live").get_data(as_text=True).count(session.title) == 1


def test_staff_pages_render(client, instructor, officer, trainee, course):
    grant_attendance(trainee, course, 30, source="live")
    session = db.session.scalar(select(LiveSession))
    for user in (instructor, officer):
        login(client, user)
        assert client.get(f"/attendance/courses/{course.id}").status_code == 200
        assert client.get(f"/attendance/live/{session.id}").status_code == 200
        assert client.get(f"/attendance/live/{session.id}/attendance.csv").status_code == 200
        client.post("/logout", data={"csrf_token": _token(client)})
    login(client, officer)
    assert client.get("/attendance/platforms").status_code == 200


def _token(client):
    from tests.factories import csrf_token

    return csrf_token(client, "/")


def test_pages_refuse_other_trainees(client, make_user, trainee, course):
    grant_attendance(trainee, course, 30, source="live")
    session = db.session.scalar(select(LiveSession))
    login(client, make_user("trainee"))
    assert client.get(f"/attendance/courses/{course.id}").status_code == 403
    assert client.get(f"/attendance/live/{session.id}").status_code == 403
    assert client.get(f"/attendance/courses/{course.id}/attendance.csv").status_code == 403
    assert client.get("/attendance/platforms").status_code == 403


def test_instructor_schedules_from_the_page(client, instructor, course):
    from tests.factories import csrf_token

    login(client, instructor)
    token = csrf_token(client, f"/attendance/courses/{course.id}")
    response = client.post(f"/attendance/courses/{course.id}/live-sessions", data={
        "csrf_token": token, "title": "周三直播", "kind": "lecture",
        "starts_at": "2030-01-02T19:00", "ends_at": "2030-01-02T21:00", "platform_id": "",
        "room": "", "stream_url": ""})
    assert response.status_code == 302
    session = db.session.scalar(select(LiveSession))
    assert session.starts_at.hour == 11  # 19:00 Beijing time is 11:00 UTC
    bad = client.post(f"/attendance/courses/{course.id}/offline-sessions", data={
        "csrf_token": token, "title": "", "starts_at": "2030-01-02T19:00",
        "ends_at": "2030-01-02T18:00"})
    assert bad.status_code == 422


def test_platform_account_link_conflict(client, trainee, make_user):
    platform = make_platform()
    other = make_user("trainee")
    url = f"/api/v1/me/platform-accounts/{platform.id}"
    assert client.put(url, json={"user_ref": "dy-1"},
                      headers=api_headers(client, trainee)).status_code == 201
    assert client.put(url, json={"user_ref": "dy-1"},
                      headers=api_headers(client, trainee)).status_code == 200
    taken = client.put(url, json={"user_ref": "dy-1"}, headers=api_headers(client, other))
    assert taken.status_code == 409 and taken.json["error"]["code"] == "already_linked"
    assert client.put(url, json={"user_ref": ""},
                      headers=api_headers(client, other)).status_code == 422
    assert client.put("/api/v1/me/platform-accounts/9999", json={"user_ref": "x"},
                      headers=api_headers(client, other)).status_code == 404
