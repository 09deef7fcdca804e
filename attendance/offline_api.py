"""Attendance API, offline classes: scheduling, the rotating check-in code, check-in and
check-out by code, undo, corrections and the class's sheet. Routes of the attendance API's
blueprint (`attendance.api.blp`: same endpoint names), kept apart for the file's size."""

from flask import request, url_for

from attendance import live, offline, sheets
from attendance.api import blp
from attendance.models import OfflineSession
from attendance.schemas import (
    CheckArgs,
    CheckinSchema,
    CodeSchema,
    CorrectionArgs,
    OfflineSessionArgs,
    OfflineSessionSchema,
    SessionSheetSchema,
)
from core.auth import INSTRUCTOR, OFFICER, TRAINEE, api_auth, current_api_user
from core.extensions import limiter
from core.timeutil import iso
from courses import service as courses


def offline_payload(session: OfflineSession) -> dict:
    return {"id": session.id, "course_id": session.course_id, "title": session.title,
            "location": session.location, "starts_at": iso(session.starts_at),
            "ends_at": iso(session.ends_at), "state": session.state(),
            "checkin_url": url_for("attendance.checkin_page", session_id=session.id,
                                   _external=True)}


# --- offline classes ------------------------------------------------------------------------

@blp.route("/courses/<int:course_id>/offline-sessions", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(OfflineSessionArgs)
@blp.response(201, OfflineSessionSchema)
def create_offline_session(args, course_id):
    """Schedule an offline class of a course you teach."""
    user = current_api_user()
    course = courses.get_course(course_id, user)
    return offline_payload(offline.schedule(user, course, args))


@blp.route("/offline-sessions/<int:session_id>/code", methods=["GET"])
@api_auth(INSTRUCTOR)
@blp.response(200, CodeSchema)
def offline_code(session_id):
    """The check-in code on the instructor's screen now (changes every 30 seconds)."""
    from attendance.views import code_payload

    session = offline.get_session(session_id)
    courses.require_instructor(session.course, current_api_user())
    return code_payload(session)


@blp.route("/offline-sessions/<int:session_id>/check-in", methods=["POST"])
@limiter.limit("20 per minute")
@api_auth(TRAINEE)
@blp.arguments(CheckArgs)
@blp.response(200, CheckinSchema)
def check_in(args, session_id):
    """Check in with the code shown in the classroom."""
    row = offline.check(current_api_user(), offline.get_session(session_id), args["code"], "in",
                        request.remote_addr)
    return sheets.checkin_payload(row)


@blp.route("/offline-sessions/<int:session_id>/check-out", methods=["POST"])
@limiter.limit("20 per minute")
@api_auth(TRAINEE)
@blp.arguments(CheckArgs)
@blp.response(200, CheckinSchema)
def check_out(args, session_id):
    """Check out with the code shown in the classroom."""
    row = offline.check(current_api_user(), offline.get_session(session_id), args["code"], "out",
                        request.remote_addr)
    return sheets.checkin_payload(row)


@blp.route("/offline-sessions/<int:session_id>/check-out/undo", methods=["POST"])
@api_auth(TRAINEE)
@blp.response(200, CheckinSchema)
def undo_check_out(session_id):
    """Take back your own check-out within 5 minutes (409 `undo_expired` after; audited)."""
    row = offline.undo_checkout(current_api_user(), offline.get_session(session_id))
    return sheets.checkin_payload(row)


@blp.route("/offline-sessions/<int:session_id>/checkins/<int:trainee_id>", methods=["PUT"])
@api_auth(INSTRUCTOR)
@blp.arguments(CorrectionArgs)
@blp.response(200, CheckinSchema)
def correct_checkin(args, session_id, trainee_id):
    """Correct a trainee's check-in/out (reason required; audited)."""
    row = offline.correct(current_api_user(), offline.get_session(session_id), trainee_id,
                          args["checked_in_at"], args["checked_out_at"], args["reason"])
    return sheets.checkin_payload(row)


@blp.route("/offline-sessions/<int:session_id>/attendance", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.response(200, SessionSheetSchema)
def offline_session_sheet(session_id):
    """One class's sheet: check-in, check-out and minutes per enrolled trainee."""
    session = offline.get_session(session_id)
    live.require_viewer(session, current_api_user())
    return sheets.offline_sheet(session)
