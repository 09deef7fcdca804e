"""The demo: a live selling class with attendance from signed webhook batches, 李春花 (and
赵丽, 刘洋) eligible for the exam, 王军 partly attended, an upcoming live session, an offline
and a live class running now, `flask live simulate`."""

from datetime import timedelta

from sqlalchemy import func, select

from accounts.models import User
from attendance import offline, service
from attendance.models import LiveEvent, LiveSession, OfflineCheckin, OfflineSession
from core.audit import AuditLog
from core.extensions import db
from core.timeutil import now_utc
from courses.models import Course
from tests.factories import csrf_token, login


def test_demo_attendance(runner, client):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "whsec_" not in result.output
    course = db.session.scalar(select(Course).order_by(Course.id))
    star = db.session.scalar(select(User).where(User.email == "trainee@demo.skillbridge.cn"))
    wang = db.session.scalar(select(User).where(User.email == "wang.jun@demo.skillbridge.cn"))
    star_summary = service.summary(star.id, course)
    assert star_summary["eligible_for_exam"] is True and star_summary["ratio"] >= 0.8
    assert all(star_summary["by_source"].values())
    wang_summary = service.summary(wang.id, course)
    assert 0 < wang_summary["ratio"] < 0.8
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "live.events_received"))
    assert db.session.scalar(select(func.count()).select_from(LiveEvent).where(
        LiveEvent.trainee_id.is_(None))) > 0  # guests kept as unmatched
    upcoming = db.session.scalar(select(LiveSession).where(LiveSession.closed_at.is_(None)))
    assert upcoming.state() == "upcoming"

    for email in ("zhao.li@demo.skillbridge.cn", "liu.yang@demo.skillbridge.cn"):
        other = db.session.scalar(select(User).where(User.email == email))
        assert service.summary(other.id, course)["eligible_for_exam"] is True

    # An offline and a live class run now (started, ending hours later), not yet attended.
    now = now_utc()
    running = [s for s in db.session.scalars(select(OfflineSession))
               if s.starts_at <= now and s.ends_at - now >= timedelta(hours=3)]
    assert len(running) == 1 and not offline.checkins(running[0])
    live_now = [s for s in db.session.scalars(select(LiveSession)) if s.state() == "live"]
    assert len(live_now) == 1 and live_now[0].ends_at - now >= timedelta(hours=1)

    login(client, star, password="skillbridge-demo")
    assert running[0].title in client.get("/").get_data(as_text=True)
    page = f"/attendance/offline/{running[0].id}"
    checked = client.post(page, data={"code": offline.code_at(running[0], now_utc()),
                                      "csrf_token": csrf_token(client, page)})
    assert checked.status_code == 302
    assert db.session.scalar(select(OfflineCheckin).where(
        OfflineCheckin.session_id == running[0].id,
        OfflineCheckin.trainee_id == star.id)).checked_in_at is not None
    assert client.get(f"/attendance/live/{live_now[0].id}").status_code == 200

    html = client.get("/my/courses").get_data(as_text=True)
    assert 'aria-valuenow="{}"'.format(round(star_summary["ratio"] * 100)) in html
    assert upcoming.title in client.get("/attendance/live").get_data(as_text=True)

    assert runner.invoke(args=["live", "simulate", str(upcoming.id)]).exit_code != 0
    past = db.session.scalar(select(LiveSession).where(LiveSession.closed_at.is_not(None)))
    simulated = runner.invoke(args=["live", "simulate", str(past.id), "--viewers", "2"])
    assert simulated.exit_code == 0, simulated.output
    assert '"accepted"' in simulated.output
    assert service.summary(star.id, course)["eligible_for_exam"] is True


def test_load_large_bulk_events(make_course, make_user):
    from attendance import demo
    from tests.factories import make_platform

    course = make_course()
    ctx = {"courses": [course], "flagship_course": course, "platforms": [make_platform()]}
    demo.load_large(ctx, events=2_000, sessions=4, viewers=50)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LiveEvent)) == 2_000
    make_user("trainee")  # ordinary inserts still work after the explicit ids
    session = db.session.scalar(select(LiveSession).order_by(LiveSession.id))
    assert service.live_results([session])
