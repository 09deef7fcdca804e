"""Attendance figures the subsidy rules need, behind one small interface.

Living allowances count offline training days and online class hours. With the attendance
feature installed they come from its records (`attendance.service.trainee_detail`): a day is a
Shanghai calendar day with credited offline class time; online hours are credited lesson and
live-stream time. An `app.extensions["attendance_training_time"]` provider (enrolment ->
{"offline_days", "online_hours"}) overrides both; without either, figures are derived from
`courses.service.attendance_summary`.
"""

from flask import current_app

from core.timeutil import to_local
from courses import service as courses_service
from courses.models import Course, Enrolment
from subsidies.rules import TrainingTime

# Offline classroom days are counted as six teaching hours (the usual timetable).
HOURS_PER_OFFLINE_DAY = 6


def attendance_for(enrolment: Enrolment | None, course: Course) -> tuple[int, int]:
    """(attended minutes, required minutes) as the server recorded them."""
    if enrolment is None:
        return 0, course.required_minutes
    summary = courses_service.attendance_summary(enrolment)
    return int(summary.get("attended_minutes") or 0), int(
        summary.get("required_minutes") or course.required_minutes)


def training_time(enrolment: Enrolment | None, course: Course) -> TrainingTime:
    """Offline training days and online class hours attended, for the living allowance."""
    if enrolment is None:
        return TrainingTime(0, 0)
    provider = current_app.extensions.get("attendance_training_time")
    if provider is not None:
        figures = provider(enrolment)
        return TrainingTime(int(figures.get("offline_days", 0)),
                            int(figures.get("online_hours", 0)))
    if "attendance" in current_app.config.get("FEATURES", ()):
        return _from_attendance_records(enrolment, course)
    attended, _required = attendance_for(enrolment, course)
    if course.mode == "offline":
        return TrainingTime(attended // (HOURS_PER_OFFLINE_DAY * 60), 0)
    # Online, live and blended time counts by the class hour (the lower of the two rates).
    return TrainingTime(0, attended // 60)


def _from_attendance_records(enrolment: Enrolment, course: Course) -> TrainingTime:
    from attendance import service as attendance_service

    detail = attendance_service.trainee_detail(enrolment.trainee_id, course)
    days = {to_local(row["session"].starts_at).date() for row in detail["sessions"]
            if row["kind"] == "offline" and row["seconds"] > 0}
    online_seconds = detail["seconds"].get("lesson", 0) + detail["seconds"].get("live", 0)
    return TrainingTime(len(days), online_seconds // 3600)
