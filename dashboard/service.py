"""Read-only: what a trainee should do next in each course, gathered from the features.

Returns plain dicts (kind + values); the template turns them into sentences."""

from datetime import datetime, timedelta

from sqlalchemy import select

from attendance import lessons as attendance_lessons
from attendance.models import LiveSession, OfflineSession
from certificates import service as certificates
from certificates.models import Certificate
from core.errors import ServiceError
from core.extensions import db
from core.timeutil import LOCAL_TZ, as_utc, local_today, now_utc
from courses import service as courses
from exams import attempts as exam_attempts
from exams import service as exams
from reports import orders
from subsidies.models import STATE_TITLES, SubsidyClaim


def _minutes_until(moment: datetime, now: datetime) -> int:
    return max(int((as_utc(moment) - now).total_seconds() // 60), 0)


def _today_window(now: datetime) -> tuple[datetime, datetime]:
    today = local_today()
    start = datetime(today.year, today.month, today.day, tzinfo=LOCAL_TZ)
    return as_utc(start), as_utc(start + timedelta(days=1))


def _classes_today(course_id: int, now: datetime) -> list[dict]:
    start, end = _today_window(now)
    rows = []
    for model, kind in ((OfflineSession, "offline"), (LiveSession, "live")):
        for session in db.session.scalars(select(model).where(
                model.course_id == course_id, model.starts_at < end, model.ends_at > now,
                model.starts_at >= start).order_by(model.starts_at)):
            rows.append({"kind": kind, "id": session.id, "title": session.title,
                         "starts_at": session.starts_at, "ends_at": session.ends_at,
                         "running": as_utc(session.starts_at) <= now,
                         "location": getattr(session, "location", None)})
    return sorted(rows, key=lambda r: r["starts_at"])


def _next_lesson(trainee_id: int, course) -> dict | None:
    for number, lesson in enumerate(course.lessons, start=1):
        progress = attendance_lessons.progress_for(trainee_id, lesson)
        if progress is None or progress.completed_at is None:
            return {"id": lesson.id, "number": number, "title": lesson.title,
                    "minute": int((progress.last_position if progress else 0) // 60),
                    "started": progress is not None and progress.watched_seconds > 0}
    return None


def _exam_step(trainee, course_id: int, now: datetime) -> dict | None:
    for exam in exams.exams_of_course(course_id):
        mine = exam_attempts.attempts_of(exam, trainee.id)
        if any(a.passed for a in mine):
            continue
        running = next((a for a in mine if a.status == "in_progress"), None)
        if running is not None and as_utc(running.deadline) > now:
            return {"kind": "exam_running", "exam_id": exam.id, "attempt_id": running.id,
                    "title": exam.title, "minutes_left": _minutes_until(running.deadline, now)}
        if any(a.status == "awaiting_practical" for a in mine):
            return {"kind": "exam_waiting", "exam_id": exam.id, "title": exam.title}
        if not exams.is_open(exam, now):
            if as_utc(exam.opens_at) > now:
                return {"kind": "exam_later", "exam_id": exam.id, "title": exam.title,
                        "opens_at": exam.opens_at}
            continue
        left = exam_attempts.allowed_attempts(exam, trainee.id) - len(mine)
        if left <= 0:
            continue
        try:
            exam_attempts.check_eligible(exam, trainee)
        except ServiceError:  # not enough attendance yet: the lesson step says what to do
            return {"kind": "exam_not_yet", "exam_id": exam.id, "title": exam.title}
        return {"kind": "exam_open", "exam_id": exam.id, "title": exam.title,
                "closes_at": exam.closes_at, "attempts_left": left,
                "minutes": exam.time_limit_minutes}
    return None


def _certificate_steps(trainee_id: int, course_id: int, now: datetime) -> list[dict]:
    steps = []
    for cert in db.session.scalars(select(Certificate).where(
            Certificate.trainee_id == trainee_id, Certificate.course_id == course_id)
            .order_by(Certificate.issued_at.desc())):
        status = certificates.effective_status(cert, now)
        if status != "valid":
            continue
        steps.append({"kind": "certificate", "serial": cert.serial, "issued_at": cert.issued_at})
        for claim in db.session.scalars(select(SubsidyClaim).where(
                SubsidyClaim.certificate_id == cert.id).order_by(SubsidyClaim.id)):
            steps.append({"kind": "claim", "status": claim.status,
                          "status_title": str(STATE_TITLES.get(claim.status, claim.status)),
                          "amount_fen": claim.amount_fen, "claim_kind": claim.kind})
    return steps


def trainee_home(trainee, now: datetime | None = None) -> dict:
    """Every active course of the trainee with its next steps, most urgent first, plus job
    offers from enterprises' orders linked to those courses."""
    now = now or now_utc()
    cards = []
    for enrolment in courses.my_enrolments(trainee):
        if enrolment.status == "withdrawn":
            continue
        course = enrolment.course
        summary = courses.attendance_summary(enrolment)
        steps: list[dict] = []
        exam = _exam_step(trainee, course.id, now)
        if exam and exam["kind"] == "exam_running":
            steps.append(exam)
        steps += [{**c, "kind": "class_" + c["kind"]} for c in _classes_today(course.id, now)]
        if exam and exam["kind"] != "exam_running":
            steps.append(exam)
        lesson = _next_lesson(trainee.id, course)
        if lesson and not summary.get("eligible_for_exam"):
            steps.append({"kind": "lesson", **lesson})
        done = _certificate_steps(trainee.id, course.id, now)
        if lesson and summary.get("eligible_for_exam") and not done:
            steps.append({"kind": "lesson", **lesson})
        steps += done
        if not steps:
            steps.append({"kind": "nothing"})
        cards.append({"course": course, "summary": summary, "steps": steps})
    offers = [{"order": order, "course": course} for order, course in orders.offers_for(trainee)]
    return {"cards": cards, "offers": offers}
