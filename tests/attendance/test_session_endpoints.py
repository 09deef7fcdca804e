"""One session's sheet (live and offline), closing a live session and correcting a check-in
from the instructor's pages, and the trainee's list of platform links. A trainee who
completed the course stays on the sheets."""

from datetime import timedelta

from sqlalchemy import select

from attendance.models import LiveAttendance, LiveEvent, LiveSession, OfflineCheckin, OfflineSession
from core.audit import AuditLog
from core.extensions import db
from core.timeutil import now_utc, to_local
from courses import lifecycle
from tests.attendance.helpers import link, live_session
from tests.factories import api_headers, csrf_token, enrol, login, make_platform


def _heartbeats(session, trainee, minutes: int) -> None:
    for i in range(minutes + 1):
        db.session.add(LiveEvent(source="browser", type="heartbeat", session_id=session.id,
                                 trainee_id=trainee.id, device="1.1.1.1",
                                 at=session.starts_at + timedelta(seconds=60 * i),
                                 received_at=now_utc()))
    db.session.commit()


def _offline(course, minutes=90, starts_in=-120) -> OfflineSession:
    start = now_utc().replace(microsecond=0) + timedelta(minutes=starts_in)
    session = OfflineSession(course_id=course.id, title="箱包缝纫实操", location="实训楼 201",
                             starts_at=start, ends_at=start + timedelta(minutes=minutes),
                             code_key="a" * 64)
    db.session.add(session)
    db.session.commit()
    return session


def test_live_sheet_lists_each_trainee_with_minutes_and_status(client, instructor, trainee,
                                                              make_user, make_course):
    course = make_course(instructor, mode="live", required_hours=1)
    absent, finished = make_user("trainee", name="缺勤学员"), make_user("trainee", name="已结业")
    for t in (trainee, absent, finished):
        enrol(t, course)
    session = live_session(course, minutes=30, starts_in=-40)
    _heartbeats(session, trainee, 30)
    _heartbeats(session, finished, 30)
    lifecycle.complete(finished.id, course.id)
    db.session.commit()
    body = client.get(f"/api/v1/live-sessions/{session.id}/attendance",
                      headers=api_headers(client, instructor)).get_json()
    rows = {r["trainee"]["id"]: r for r in body["rows"]}
    assert set(rows) == {trainee.id, absent.id, finished.id}
    assert (rows[trainee.id]["status"], rows[trainee.id]["attended_minutes"]) == ("present", 30)
    assert rows[finished.id]["status"] == "present"  # completed: still on the roll
    assert (rows[absent.id]["status"], rows[absent.id]["attended_minutes"]) == ("absent", 0)
    assert (body["session"]["present"], body["session"]["absent"]) == (2, 1)
    assert client.get(f"/api/v1/live-sessions/{session.id}/attendance",
                      headers=api_headers(client, trainee)).status_code == 403


def test_offline_sheet_shows_check_in_out_and_minutes(client, instructor, trainee, make_user,
                                                      make_course):
    course = make_course(instructor, mode="offline", required_hours=2)
    other = make_user("trainee", name="未签到")
    enrol(trainee, course)
    enrol(other, course)
    session = _offline(course)
    db.session.add(OfflineCheckin(session_id=session.id, trainee_id=trainee.id,
                                  checked_in_at=session.starts_at,
                                  checked_out_at=session.ends_at))
    db.session.commit()
    body = client.get(f"/api/v1/offline-sessions/{session.id}/attendance",
                      headers=api_headers(client, instructor)).get_json()
    rows = {r["trainee"]["id"]: r for r in body["rows"]}
    assert (rows[trainee.id]["status"], rows[trainee.id]["attended_minutes"]) == ("present", 90)
    assert rows[trainee.id]["checked_out_at"] is not None
    assert (rows[other.id]["status"], rows[other.id]["checked_in_at"]) == ("absent", None)
    assert (body["session"]["present"], body["session"]["absent"]) == (1, 1)


def test_instructor_closes_a_live_session_on_its_page(client, instructor, trainee, make_user,
                                                     make_course):
    course = make_course(instructor, mode="live", required_hours=1)
    absent = make_user("trainee")
    enrol(trainee, course)
    enrol(absent, course)
    session = live_session(course, minutes=30, starts_in=-40)
    _heartbeats(session, trainee, 30)
    running = live_session(course, minutes=60, starts_in=-10)
    login(client, instructor)
    token = csrf_token(client, f"/attendance/live/{session.id}")
    response = client.post(f"/attendance/live/{session.id}/close", data={"csrf_token": token})
    assert response.status_code == 302
    rows = {r.trainee_id: r.status for r in db.session.scalars(select(LiveAttendance))}
    assert rows == {trainee.id: "present", absent.id: "absent"}
    assert db.session.get(LiveSession, session.id).closed_at is not None
    # A running session is not closed: the page says so and nothing is stored.
    client.post(f"/attendance/live/{running.id}/close", data={"csrf_token": token})
    assert db.session.get(LiveSession, running.id).closed_at is None
    assert "尚未结束" in client.get(f"/attendance/live/{running.id}").get_data(as_text=True)


def test_instructor_corrects_a_check_in_on_the_class_page(client, instructor, trainee,
                                                         make_course):
    course = make_course(instructor, mode="offline", required_hours=2)
    enrol(trainee, course)
    session = _offline(course)
    login(client, instructor)
    token = csrf_token(client, f"/attendance/offline/{session.id}")
    fmt = "%Y-%m-%dT%H:%M"
    url = f"/attendance/offline/{session.id}/checkins/{trainee.id}"
    response = client.post(url, data={
        "csrf_token": token, "reason": "手机没电，老师核实在场",
        "checked_in_at": to_local(session.starts_at).strftime(fmt),
        "checked_out_at": to_local(session.ends_at).strftime(fmt)})
    assert response.status_code == 302
    row = db.session.scalar(select(OfflineCheckin).where(OfflineCheckin.trainee_id == trainee.id))
    assert row.correction_reason == "手机没电，老师核实在场"
    assert row.corrected_by_id == instructor.id
    assert row.checked_out_at is not None
    assert db.session.scalar(select(AuditLog.action).where(
        AuditLog.action == "offline.corrected")) == "offline.corrected"
    page = client.get(f"/attendance/offline/{session.id}").get_data(as_text=True)
    assert "手机没电，老师核实在场" in page
    # Without a reason: refused, nothing changed.
    client.post(url, data={"csrf_token": token, "reason": ""})
    db.session.refresh(row)
    assert row.correction_reason == "手机没电，老师核实在场"


def test_trainee_lists_their_platform_links(client, trainee, make_user):
    platform = make_platform("抖音直播")
    link(trainee, platform, "dy-1001")
    link(make_user("trainee"), platform, "dy-2002")
    items = client.get("/api/v1/me/platform-accounts",
                       headers=api_headers(client, trainee)).get_json()["items"]
    assert [(a["platform_id"], a["user_ref"], a["status"]) for a in items] == [
        (platform.id, "dy-1001", "verified")]
    assert items[0]["verification_code"] is None  # shown only while pending
