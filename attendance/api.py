"""Attendance API: webhook ingest, platform secrets and accounts, live sessions, sheets,
heartbeats, lesson media and summaries (offline classes: `offline_api`)."""

from flask import Response, current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from attendance import (
    accounts,
    adapters,
    ingest,
    lessons,
    live,
    media,
    sheets,
    webhook_keys,
)
from attendance.models import LiveSession, PlatformAccount
from attendance.schemas import (
    AccountVerificationArgs,
    AccountVerificationResult,
    AssignArgs,
    AttendanceSchema,
    EventsResultSchema,
    HeartbeatArgs,
    LessonHeartbeatSchema,
    LessonMediaSchema,
    LiveHeartbeatArgs,
    LiveHeartbeatSchema,
    LiveSessionArgs,
    LiveSessionListSchema,
    LiveSessionSchema,
    PlatformAccountArgs,
    PlatformAccountListSchema,
    PlatformAccountSchema,
    SecretArgs,
    SecretSchema,
    SessionSheetSchema,
    UnmatchedListSchema,
    VerifiedSchema,
    ViewerListSchema,
    WebhookLogSchema,
)
from core.api import api_blueprint
from core.auth import INSTRUCTOR, OFFICER, TRAINEE, api_auth, current_api_user
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.openapi import request_body
from core.timeutil import iso
from courses import service as courses
from courses.models import Lesson

blp = api_blueprint("attendance_api", __name__,
                    "Attendance: live sessions, webhook events, lessons, offline classes")


def live_payload(session: LiveSession, show_link: bool = True) -> dict:
    return {"id": session.id, "course_id": session.course_id, "title": session.title,
            "kind": session.kind, "platform_id": session.platform_id, "room": session.room,
            "stream_url": session.stream_url if show_link else None,
            "starts_at": iso(session.starts_at), "ends_at": iso(session.ends_at),
            "state": session.state(), "closed_at": iso(session.closed_at),
            "page_url": url_for("attendance.live_page", session_id=session.id)}


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
        raise ingest.PayloadTooLarge(_("The request body is too large."))
    body = request.get_data(cache=False)
    return ingest.ingest(request.headers.get(webhook_keys.PLATFORM_HEADER),
                         request.headers.get(webhook_keys.SIGNATURE_HEADER), body)


# --- platform secrets and accounts --------------------------------------------------------

def _body() -> bytes:
    length = request.content_length
    if length is not None and length > current_app.config["ATTENDANCE_WEBHOOK_MAX_BYTES"]:
        raise ingest.PayloadTooLarge(_("The request body is too large."))
    return request.get_data(cache=False)


@blp.route("/live/zoom/<int:platform_id>", methods=["POST"])
@blp.doc(description="Zoom's event notifications as Zoom sends them: x-zm-request-timestamp, "
         "x-zm-signature: v0=<hex HMAC-SHA256 of 'v0:{timestamp}:{body}'> with the platform's "
         "secret (Zoom's Secret Token). endpoint.url_validation is answered with plainToken and "
         "encryptedToken; meeting.participant_joined / _left become join / leave events.")
def zoom_events(platform_id):
    """Receive Zoom webhook events (adapter zoom)."""
    reply = adapters.get("zoom").receive(platform_id, request.headers, _body())
    return reply.body, reply.status


@blp.route("/live/tencent-meeting/<int:platform_id>", methods=["GET", "POST"])
@blp.doc(description="Tencent Meeting's webhook: GET with check_str (URL check, answered with "
         "the decoded text), POST {\"data\": base64(JSON)}; headers timestamp, nonce, "
         "signature = sha1 of the sorted token, timestamp, nonce and data.")
def tencent_meeting_events(platform_id):
    """Receive Tencent Meeting webhook events (adapter tencent_meeting)."""
    reply = adapters.get("tencent_meeting").receive(
        platform_id, request.headers, _body() if request.method == "POST" else b"",
        request.method, request.args)
    return Response(reply.body, status=reply.status, mimetype="text/plain")


@blp.route("/live/account-verifications", methods=["POST"])
@blp.response(200, AccountVerificationResult)
@blp.doc(description="The platform confirms linked accounts: {\"accounts\": [{\"user_ref\", "
         "\"verification_code\"}]}, signed like /live/events (X-SkillBridge-Platform, "
         "X-SkillBridge-Signature).")
def account_verifications():
    """A platform's signed confirmation that its users hold the codes of pending links."""
    body = _body()
    platform_id = ingest.platform_for(request.headers.get(webhook_keys.PLATFORM_HEADER))
    webhook_keys.verify(platform_id, request.headers.get(webhook_keys.SIGNATURE_HEADER, ""),
                        body, current_app.config["ATTENDANCE_WEBHOOK_TOLERANCE_SECONDS"])
    try:
        data = AccountVerificationArgs().loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        fields = getattr(exc, "messages", None)
        raise Invalid(_("Some fields are invalid."),
                      fields=fields if isinstance(fields, dict) else {"accounts": [str(exc)]}) \
            from exc
    return accounts.verify_by_platform(platform_id, data["accounts"])


# --- platform secrets and accounts --------------------------------------------------------

@blp.route("/platforms/<int:platform_id>/webhook-secret", methods=["POST"])
@api_auth(OFFICER)
@blp.arguments(SecretArgs)
@blp.response(200, SecretSchema)
def rotate_secret(args, platform_id):
    """Set a new webhook secret (shown once) and the adapter (vendor format) the platform
    posts; the previous secret works for a grace period. Zoom issues its own Secret Token:
    pass it as `secret`."""
    secret = webhook_keys.rotate(current_api_user(), platform_id, args["adapter"],
                                 args.get("secret"))
    rows = webhook_keys.secret_rows(platform_id)
    previous = rows[1].expires_at if len(rows) > 1 else None
    return {"secret": secret, "fingerprint": webhook_keys.fingerprint(secret),
            "previous_valid_until": iso(previous), "adapter": args["adapter"]}


@blp.route("/platforms/<int:platform_id>/webhook-log", methods=["GET"])
@api_auth(OFFICER)
@blp.response(200, WebhookLogSchema)
def webhook_log(platform_id):
    """The platform's adapter, the last batches received and the last errors."""
    log = adapters.recent_log(live.get_platform(platform_id).id)

    def lines(rows):
        return [{"at": iso(r.at), "adapter": r.adapter,
                 "summary": adapters.summary_text(r.summary)} for r in rows]
    return {"adapter": adapters.adapter_of(platform_id), "received": lines(log["received"]),
            "errors": lines(log["error"])}


def account_payload(account: PlatformAccount) -> dict:
    return {"id": account.id, "platform_id": account.platform_id,
            "platform": account.platform.name, "user_ref": account.user_ref,
            "status": account.status,
            "verification_code": account.verification_code
            if account.status == "pending" else None}


@blp.route("/me/platform-accounts/<int:platform_id>", methods=["PUT"])
@api_auth(TRAINEE)
@blp.arguments(PlatformAccountArgs)
@blp.response(200, PlatformAccountSchema)
@blp.alt_response(201, schema=PlatformAccountSchema, description="Linked (new).")
def link_account(args, platform_id):
    """Link your account on a live-stream platform. It is pending (credits nothing) until
    verified: type the verification code into the live room's name or chat."""
    account, created = accounts.link_account(current_api_user(), platform_id, args["user_ref"])
    return account_payload(account), 201 if created else 200


@blp.route("/me/platform-accounts", methods=["GET"])
@api_auth(TRAINEE)
@blp.response(200, PlatformAccountListSchema)
def my_accounts():
    """Your linked platform accounts."""
    rows = db.session.scalars(select(PlatformAccount).where(
        PlatformAccount.trainee_id == current_api_user().id)).all()
    return {"items": [account_payload(a) for a in rows]}


@blp.route("/platform-accounts/<int:account_id>/verify", methods=["POST"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.response(200, VerifiedSchema)
def verify_account(account_id):
    """Verify a trainee's platform account (an instructor of their live course, or an
    officer); its events count from now on, including earlier ones."""
    account = accounts.verify_by_staff(current_api_user(), accounts.get_account(account_id))
    return {"status": account.status}


@blp.route("/live-sessions/<int:session_id>/viewers", methods=["GET"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.response(200, ViewerListSchema)
def session_viewers(session_id):
    """Viewers whose events credit nobody yet (unlinked or pending), with suggested trainees."""
    session = live.get_session(session_id)
    live.require_viewer(session, current_api_user())
    return {"items": [{**v, "first_seen": iso(v["first_seen"]), "last_seen": iso(v["last_seen"])}
                      for v in accounts.session_viewers(session)]}


@blp.route("/live-sessions/<int:session_id>/viewers/assign", methods=["POST"])
@api_auth(INSTRUCTOR, OFFICER)
@blp.arguments(AssignArgs)
@blp.response(200, PlatformAccountSchema)
def assign_viewer(args, session_id):
    """Link a viewer of this session to an enrolled trainee, verified (audited)."""
    account = accounts.assign_viewer(current_api_user(), live.get_session(session_id),
                                     args["user_ref"], args["trainee_id"])
    return account_payload(account)


@blp.route("/live/unmatched", methods=["GET"])
@api_auth(OFFICER)
@blp.response(200, UnmatchedListSchema)
def unmatched():
    """Webhook events not yet matched to a trainee or session, grouped for reconciliation."""
    return {"items": [{"platform_id": g.platform_id, "room": g.room, "user_ref": g.user_ref,
                       "events": g.events, "first": iso(g.first), "last": iso(g.last),
                       "reason": "unknown_room" if g.session_id is None else "unknown_user"}
                      for g in live.unmatched_groups(viewer=current_api_user())]}


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


# --- lessons and summaries ------------------------------------------------------------------

@blp.route("/lessons/<int:lesson_id>/heartbeat", methods=["POST"])
@api_auth(TRAINEE)
@blp.arguments(HeartbeatArgs)
@blp.response(200, LessonHeartbeatSchema)
def lesson_heartbeat(args, lesson_id):
    """The player's heartbeat: credits watch time no faster than real time, only while the
    media plays in a visible page, within the policy's daily cap, idle cut-off and attention
    checks (`reason` says why a span was not credited; `prompt` asks for presence)."""
    user = current_api_user()
    return lessons.heartbeat(user, lessons.get_lesson_for(user, lesson_id), args["position"],
                             state=args["state"], active=args["active"],
                             answer=args.get("answer"))


@blp.route("/lessons/<int:lesson_id>/media", methods=["POST"])
@api_auth(INSTRUCTOR)
@blp.response(201, LessonMediaSchema)
@blp.doc(description="Multipart `file`: MP4/WebM for a video lesson, PDF for a document "
         "lesson, checked by content (422 `invalid_media`); too large → 413 `file_too_large`.")
def upload_lesson_media(lesson_id):
    """Upload the file of a lesson you teach (replaces the previous one)."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound(_("No such lesson."))
    courses.require_instructor(lesson.course, current_api_user())
    upload = request.files.get("file")
    if upload is None:
        raise Invalid(_("Some fields are invalid."), fields={"file": [_("Choose a file.")]})
    try:
        row = media.save_upload(current_api_user(), lesson, upload.stream, upload.filename)
    finally:
        upload.close()  # a large upload is a temporary file: release it now
    return {"lesson_id": lesson.id, "kind": row.kind, "content_type": row.content_type,
            "size_bytes": row.size_bytes, "sha256": row.sha256,
            "url": url_for("attendance.lesson_media", lesson_id=lesson.id)}


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

