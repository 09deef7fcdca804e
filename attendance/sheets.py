"""Attendance sheets: one trainee's course page, a course for its instructors and officers,
one session. Plain dicts (the API dumps them, the pages render them, CSV exports them)."""

from collections import defaultdict
from datetime import UTC, datetime

from flask import url_for
from sqlalchemy import select

from accounts.models import User
from attendance import intervals, live, offline
from attendance.live import signals
from attendance.models import (
    LessonProgress,
    LessonWatchClock,
    LiveAttendance,
    LiveSession,
    OfflineCheckin,
    OfflineSession,
)
from attendance.service import (
    SOURCES,
    checkin_seconds,
    figures,
    lesson_seconds,
    live_results,
    trainee_detail,
)
from core.extensions import db
from core.timeutil import iso, now_utc, to_local
from courses.lifecycle import on_roll
from courses.models import Course, Enrolment, Lesson


def session_row(kind: str, session, now: datetime) -> dict:
    return {"id": session.id, "kind": kind, "title": session.title,
            "starts_at": iso(session.starts_at), "ends_at": iso(session.ends_at),
            "state": session.state(now), "minutes": session.minutes}


def _descending(text: str) -> tuple:
    return tuple(-ord(c) for c in text)


def trainee_view(trainee_id: int, course: Course, show_links: bool = True) -> dict:
    """The trainee's own attendance in a course: summary, sessions since enrolment (today's
    first, then upcoming, then past, latest first), lessons."""
    now = now_utc()
    detail = trainee_detail(trainee_id, course, now)
    enrolled_at = db.session.scalar(select(Enrolment.created_at).where(
        Enrolment.course_id == course.id, Enrolment.trainee_id == trainee_id))
    today = to_local(now).date()
    sessions = []
    for row in detail["sessions"]:
        if enrolled_at and row["session"].ends_at < enrolled_at and not row["seconds"]:
            continue  # a class that was over before the trainee enrolled is not theirs
        item = {**session_row(row["kind"], row["session"], now),
                "attended_minutes": row["seconds"] // 60}
        if row["kind"] == "live":
            item["status"] = live._status(row["seconds"], row["session"]) \
                if row["state"] == "ended" else None
            if show_links and row["state"] != "ended":
                item["join_url"] = url_for("attendance.live_page", session_id=row["session"].id)
        else:
            checkin = row["checkin"]
            item["status"] = ("present" if row["seconds"] else
                              ("checked_in" if checkin and checkin.checked_in_at else
                               ("absent" if row["state"] == "ended" else None)))
        item["today"] = to_local(row["session"].starts_at).date() == today \
            and item["state"] != "ended"
        sessions.append(item)
    sessions.sort(key=lambda item: (not item["today"], item["state"] == "ended",
                                    item["starts_at"] if item["state"] != "ended" else "",
                                    _descending(item["starts_at"])))
    lessons = [{"id": r["lesson"].id, "title": r["lesson"].title,
                "duration_minutes": r["lesson"].duration_minutes,
                "watched_minutes": r["seconds"] // 60, "ratio": round(r["ratio"], 4),
                "completed": r["completed"]} for r in detail["lessons"]]
    return {**figures(course, detail["seconds"]), "course_id": course.id,
            "sessions": sessions, "lessons": lessons}


def course_sheet(course: Course) -> dict:
    """Every enrolled trainee's figures plus a row per session (batched queries)."""
    now = now_utc()
    trainees = db.session.execute(
        select(User.id, User.name).join(Enrolment, Enrolment.trainee_id == User.id)
        .where(Enrolment.course_id == course.id, on_roll(Enrolment.status))
        .order_by(User.name, User.id)).all()
    ids = [t.id for t in trainees]
    seconds: dict[int, dict] = {t: dict.fromkeys(SOURCES, 0) for t in ids}
    flags: dict[int, set] = defaultdict(set)
    lessons = {lesson.id: lesson for lesson in course.lessons}
    for progress in db.session.scalars(select(LessonProgress).where(
            LessonProgress.lesson_id.in_(list(lessons)), LessonProgress.trainee_id.in_(ids))):
        seconds[progress.trainee_id]["lesson"] += lesson_seconds(progress,
                                                                 lessons[progress.lesson_id])
    for clock in db.session.scalars(select(LessonWatchClock).where(
            LessonWatchClock.trainee_id.in_(ids))):
        gaps = clock.recent_gaps or []
        if len(gaps) >= 20 and intervals.machine_regular(_cumulative(gaps)):
            flags[clock.trainee_id].add("machine_regular")
    offline_sessions = db.session.scalars(select(OfflineSession).where(
        OfflineSession.course_id == course.id).order_by(OfflineSession.starts_at)).all()
    by_offline: dict[int, list[int]] = defaultdict(list)
    sessions_by_id = {s.id: s for s in offline_sessions}
    for checkin in db.session.scalars(select(OfflineCheckin).where(
            OfflineCheckin.session_id.in_(list(sessions_by_id)),
            OfflineCheckin.trainee_id.in_(ids))):
        credited = checkin_seconds(checkin, sessions_by_id[checkin.session_id])
        seconds[checkin.trainee_id]["offline"] += credited
        by_offline[checkin.session_id].append(credited)
    live_sessions = db.session.scalars(select(LiveSession).where(
        LiveSession.course_id == course.id).order_by(LiveSession.starts_at)).all()
    results = live_results(live_sessions, ids, now)
    for (_session_id, trainee_id), result in results.items():
        seconds[trainee_id]["live"] += result["seconds"]
        if result["regular"]:
            flags[trainee_id].add("machine_regular")
    for row in db.session.scalars(select(LiveAttendance).where(
            LiveAttendance.session_id.in_([s.id for s in live_sessions]))):
        flags[row.trainee_id].update(row.flags or [])
    rows, eligible = [], 0
    for trainee in trainees:
        fig = figures(course, seconds[trainee.id])
        eligible += fig["eligible_for_exam"]
        rows.append({**fig, "trainee": {"id": trainee.id, "name": trainee.name},
                     "flags": sorted(flags[trainee.id])})
    sessions = []
    for session in offline_sessions:
        credited = by_offline.get(session.id, [])
        sessions.append({**session_row("offline", session, now),
                         **_counts([c for c in credited], len(ids), session)})
    for session in live_sessions:
        credited = [results[(session.id, t)]["seconds"] for t in ids if (session.id, t) in results]
        sessions.append({**session_row("live", session, now),
                         **_counts(credited, len(ids), session)})
    sessions.sort(key=lambda s: s["starts_at"])
    n = len(rows)
    average = {k: sum(seconds[t][k] for t in ids) // n if n else 0 for k in SOURCES}
    return {**figures(course, average), "eligible_for_exam": bool(n) and eligible == n,
            "course_id": course.id, "sessions": sessions, "trainees": rows, "enrolled": n,
            "eligible_count": eligible}


def _cumulative(gaps: list[float]) -> list[float]:
    out, t = [0.0], 0.0
    for gap in gaps:
        t += gap
        out.append(t)
    return out


def _counts(credited: list[int], enrolled: int, session) -> dict:
    full = 0.8 * (session.ends_at - session.starts_at).total_seconds()
    present = sum(1 for s in credited if s >= full)
    partial = sum(1 for s in credited if 0 < s < full)
    return {"present": present, "partial": partial, "absent": max(enrolled - present - partial, 0),
            "attended_minutes": sum(credited) // 60}


def live_sheet(session: LiveSession) -> dict:
    now = now_utc()
    trainee_ids = set(db.session.scalars(select(Enrolment.trainee_id).where(
        Enrolment.course_id == session.course_id, on_roll(Enrolment.status))))
    results = live_results([session], None, now)
    trainee_ids |= {t for (_s, t) in results}
    names = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_(trainee_ids))).all())
    stored = {r.trainee_id: r for r in db.session.scalars(select(LiveAttendance).where(
        LiveAttendance.session_id == session.id))}
    computed = signals(session, results) if len(stored) < len(trainee_ids) else {}
    rows = []
    for trainee_id in sorted(trainee_ids, key=lambda t: (names.get(t, ""), t)):
        result = results.get((session.id, trainee_id))
        spans = result["spans"] if result else []
        row = stored.get(trainee_id)
        rows.append({
            "trainee": {"id": trainee_id, "name": names.get(trainee_id, "")},
            "attended_minutes": (result["seconds"] if result else 0) // 60,
            "status": live._status(result["seconds"] if result else 0, session),
            "first_seen": iso(datetime.fromtimestamp(spans[0][0], UTC)) if spans else None,
            "last_seen": iso(datetime.fromtimestamp(spans[-1][1], UTC)) if spans else None,
            "flags": row.flags if row is not None else computed.get(trainee_id, []),
        })
    credited = [r["attended_minutes"] * 60 for r in rows if r["attended_minutes"]]
    return {"session": {**session_row("live", session, now),
                        **_counts(credited, len(rows), session)}, "rows": rows}


def offline_sheet(session: OfflineSession) -> dict:
    now = now_utc()
    trainees = db.session.execute(
        select(User.id, User.name).join(Enrolment, Enrolment.trainee_id == User.id)
        .where(Enrolment.course_id == session.course_id, on_roll(Enrolment.status))
        .order_by(User.name, User.id)).all()
    checkins = offline.checkins(session)
    rows = []
    for trainee in trainees:
        checkin = checkins.get(trainee.id)
        credited = checkin_seconds(checkin, session) if checkin else 0
        status = "present" if credited else (
            "checked_in" if checkin and checkin.checked_in_at else
            ("absent" if session.state(now) == "ended" else "not_yet"))
        rows.append({"trainee": {"id": trainee.id, "name": trainee.name},
                     "attended_minutes": credited // 60, "status": status,
                     "checked_in_at": iso(checkin.checked_in_at) if checkin else None,
                     "checked_out_at": iso(checkin.checked_out_at) if checkin else None,
                     "correction_reason": checkin.correction_reason if checkin else None,
                     "flags": []})
    credited = [r["attended_minutes"] * 60 for r in rows if r["attended_minutes"]]
    return {"session": {**session_row("offline", session, now),
                        **_counts(credited, len(rows), session)}, "rows": rows}


def checkin_payload(row: OfflineCheckin) -> dict:
    return {"session_id": row.session_id, "trainee_id": row.trainee_id,
            "checked_in_at": iso(row.checked_in_at), "checked_out_at": iso(row.checked_out_at),
            "attended_minutes": checkin_seconds(row, row.session) // 60,
            "corrected": row.corrected_by_id is not None,
            "correction_reason": row.correction_reason}


def lessons_of(course: Course) -> list[Lesson]:
    return list(course.lessons)


def enrolled_trainees(course_id: int) -> list:
    """(id, name) of the trainees on the course's roll, by name (for pickers)."""
    return db.session.execute(select(User.id, User.name).join(
        Enrolment, Enrolment.trainee_id == User.id).where(
        Enrolment.course_id == course_id, on_roll(Enrolment.status))
        .order_by(User.name, User.id)).all()
