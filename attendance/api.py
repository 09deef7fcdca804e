"""Attendance API: webhook ingest, platform secrets and accounts, sessions, sheets, heartbeats."""

from flask import current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from attendance import lessons, live, offline, sheets, webhook_keys
from attendance.models import LiveSession, OfflineSession, PlatformAccount
from attendance.schemas import (
    AttendanceSchema,
    CheckArgs,
    CheckinSchema,
    CodeSchema,
    CorrectionArgs,
    EventsResultSchema,
    HeartbeatArgs,
    LessonHeartbeatSchema,
    LiveHeartbeatArgs,
    LiveHeartbeatSchema,
    LiveSessionArgs,
    LiveSessionListSchema,
    LiveSessionSchema,
    OfflineSessionArgs,
    OfflineSessionSchema,
    PlatformAccountArgs,
    PlatformAccountListSchema,
    PlatformAccountSchema,
    SecretSchema,
    SessionSheetSchema,
    UnmatchedListSchema,
)
from core.api import api_blueprint
from core.auth import INSTRUCTOR, OFFICER, TRAINEE, api_auth, current_api_user
from core.errors import Conflict, Forbidden
from core.extensions import db, limiter
from core.openapi import request_body
from core.timeutil import iso
from courses import service as courses

blp = api_blueprint("attendance_api", __name__,
                    "Attendance: live sessions, webhook events, lessons, offline classes")


def live_payload(session: LiveSession, show_link: bool = True) -> dict:
    return {"id": session.id, "course_id": session.course_id, "title": session.title,
            "kind": session.kind, "platform_id": session.platform_id, "room": session.room,
            "stream_url": session.stream_url if show_link else None,
            "starts_at": iso(session.starts_at), "ends_at": iso(session.ends_at),
            "state": session.state(), "closed_at": iso(session.closed_at),
            "page_url": url_for("attendance.live_page", session_id=session.id)}


def offline_payload(session: OfflineSession) -> dict:
    return {"id": session.id, "course_id": session.course_id, "title": session.title,
            "location": session.location, "starts_at": iso(session.starts_at),
            "ends_at": iso(session.ends_at), "state": session.state(),
            "checkin_url": url_for("attendance.checkin_page", session_id=session.id,
                                   _external=True)}


def _enrolled(user, course_id: int) -> bool:
    return courses.enrolment_for(user.id, course_id) is not None


# --- webhook (public, signed) -----------------------------------------------------------------

LIVE_EVENTS_BODY = {"type": "object", "required": ["events"], "properties": {"events": {
    "type": "array", "maxItems": 1000, "items": {
        "type": "object", "required": ["id", "type", "room", "user_ref", "at"], "properties": {
            "id": {"type": "string"}, "type": {"enum": ["join", "leave", "heartbeat"]},
            "room": {"type": "string"}, "user_ref": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "connection": {"type": "string"}, "user_name": {"type": "string"},
            "text": {"type": "string"}}}}}}

@blp.route("/live/events", methods=["POST"])
@webhook_keys.bad_signature_limit()
@blp.response(200, EventsResultSchema)
@blp.doc(parameters=[
    {"in": "header", "name": "X-SkillBridge-Platform", "required": True,
     "schema": {"type": "string"}, "description": "the platform id"},
    {"in": "header", "name": "X-SkillBridge-Signature", "required": True,
     "schema": {"type": "string"}, "description": "t=<unix>,v1=<hex HMAC-SHA256 of 't.body'>"}],
    **request_body({"application/json": {"schema": LIVE_EVENTS_BODY}},
                   "Read raw: the signature covers the exact bytes."))
@blp.doc(description="Signed batches of up to 1,000 join/leave/heartbeat events from a "
         "live-stream platform. Headers: X-SkillBridge-Platform: <platform id>, "
         "X-SkillBridge-Signature: t=<unix>,v1=<hex HMAC-SHA256 of 't.body'>. No bearer token.")
def live_events():
    """Receive live-stream viewer events (idempotent by event id)."""
    length = request.content_length
    if length is not None and length > current_app.config["ATTENDANCE_WEBHOOK_MAX_BYTES"]:
        raise live.PayloadTooLarge(_("The request body is too large."))
    body = request.get_data(cache=False)
    return live.ingest(request.headers.get(webhook_keys.PLATFORM_HEADER),
                       request.headers.get(webhook_keys.SIGNATURE_HEADER), body)


# --- platform secrets and accounts --------------------------------------------------------

@blp.route("/platforms/<int:platform_id>/webhook-secret", methods=["POST"])
@api_auth(OFFICER)
@blp.response(200, SecretSchema)
def rotate_secret(platform_id):
    """Set a new webhook secret (shown once); the previous one works for a grace period."""
    secret = webhook_keys.rotate(current_api_user(), platform_id)
    rows = webhook_keys.secret_rows(platform_id)
    previous = rows[1].expires_at if len(rows) > 1 else None
    return {"secret": secret, "fingerprint": webhook_keys.fingerprint(secret),
            "previous_valid_until": iso(previous)}


@blp.route("/me/platform-accounts/<int:platform_id>", methods=["PUT"])
@api_auth(TRAINEE)
@blp.arguments(PlatformAccountArgs)
@blp.response(200, PlatformAccountSchema)
def link_account(args, platform_id):
    """Link your account on a live-stream platform (how its events find you)."""
    account = live.link_account(current_api_user(), platform_id, args["user_ref"])
    return {"platform_id": account.platform_id, "platform": account.platform.name,
            "user_ref": account.user_ref}


@blp.route("/me/platform-accounts", methods=["GET"])
@api_auth(TRAINEE)
@blp.response(200, PlatformAccountListSchema)
def my_accounts():
    """Your linked platform accounts."""
    rows = db.session.scalars(select(PlatformAccount).where(
        PlatformAccount.trainee_id == current_api_user().id)).all()
    return {"items": [{"platform_id": a.platform_id, "platform": a.platform.name,
                       "user_ref": a.user_ref} for a in rows]}


@blp.route("/live/unmatched", methods=["GET"])
@api_auth(OFFICER)
@blp.response(200, UnmatchedListSchema)
def unmatched():
    """Webhook events not yet matched to a trainee or session, grouped for reconciliation."""
    return {"items": [{"platform_id": g.platform_id, "room": g.room, "user_ref": g.user_ref,
                       "events": g.events, "first": iso(g.first), "last": iso(g.last),
                       "reason": "unknown_room" if g.session_id is None else "unknown_user"}
                      for g in live.unmatched_groups()]}


# --- live sessions ------------------------------------------------------------------------

@blp.route("/courses/<int:course_id>/live-sessions", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.arguments(LiveSessionArgs)
@blp.response(201, LiveSessionSchema)
def create_live_session(args, course_id):
    """Schedule a live session of a course you teach."""
    user = current_api_user()
    course = courses.get_course(course_id, user)
    return live_payload(live.schedule_session(user, course, args))


@blp.route("/courses/<int:course_id>/live-sessions", methods=["GET"])
@api_auth()
@blp.response(200, LiveSessionListSchema)
def list_live_sessions(course_id):
    """A course's live sessions; the stream link only for its trainees and staff."""
    user = current_api_user()
    course = courses.get_course(course_id, user)
    show = user.role in (OFFICER, "admin") or course.is_instructor(user) \
        or _enrolled(user, course.id)
    rows = db.session.scalars(select(LiveSession).where(LiveSession.course_id == course.id)
                              .order_by(LiveSession.starts_at)).all()
    return {"items": [live_payload(s, show) for s in rows]}


@blp.route("/live-sessions/<int:session_id>/heartbeat", methods=["POST"])
@api_auth(TRAINEE)
@blp.arguments(LiveHeartbeatArgs)
@blp.response(200, LiveHeartbeatSchema)
def live_heartbeat(args, session_id):
    """The session page's heartbeat (fallback when the platform sends no webhook)."""
    session = live.get_session(session_id)
    client = f"{request.remote_addr}"
    result = live.browser_heartbeat(current_api_user(), session, client)
    return {**result, "next_in": current_app.config["ATTENDANCE_HEARTBEAT_SECONDS"]}


@blp.route("/live-sessions/<int:session_id>/close", methods=["POST"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.response(200, SessionSheetSchema)
def close_live_session(session_id):
    """Close an ended session: open intervals end, absentees are marked."""
    session = live.get_session(session_id)
    live.require_viewer(session, current_api_user())
    if session.state() != "ended":
        raise Conflict(_("The session has not ended yet."), code="session_not_ended")
    live.close_session(session, current_api_user())
    return sheets.live_sheet(session)


@blp.route("/live-sessions/<int:session_id>/attendance", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.response(200, SessionSheetSchema)
def live_session_sheet(session_id):
    """One live session's sheet: minutes, status and signals per trainee."""
    session = live.get_session(session_id)
    live.require_viewer(session, current_api_user())
    return sheets.live_sheet(session)


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


# --- lessons and summaries ------------------------------------------------------------------

@blp.route("/lessons/<int:lesson_id>/heartbeat", methods=["POST"])
@api_auth(TRAINEE)
@blp.arguments(HeartbeatArgs)
@blp.response(200, LessonHeartbeatSchema)
def lesson_heartbeat(args, lesson_id):
    """The player's heartbeat: credits watch time no faster than real time."""
    user = current_api_user()
    return lessons.heartbeat(user, lessons.get_lesson_for(user, lesson_id), args["position"])


@blp.route("/courses/<int:course_id>/attendance", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.response(200, AttendanceSchema)
def course_attendance(course_id):
    """The course sheet (instructors of the course, officers). Top-level figures are the
    average enrolled trainee; `trainees` has everyone's; `eligible_for_exam` means all are."""
    user = current_api_user()
    course = courses.get_course(course_id, user)
    live.require_viewer(course, user)
    return sheets.course_sheet(course)


@blp.route("/me/courses/<int:course_id>/attendance", methods=["GET"])
@api_auth(TRAINEE)
@blp.response(200, AttendanceSchema)
def my_attendance(course_id):
    """Your attendance in a course you are enrolled in."""
    user = current_api_user()
    course = courses.get_course(course_id, user)
    if not _enrolled(user, course.id):
        raise Forbidden(_("You are not enrolled in this course."), code="not_enrolled")
    return sheets.trainee_view(user.id, course)

