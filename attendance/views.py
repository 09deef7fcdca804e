"""Attendance pages: a trainee's course attendance, the lesson player, live and offline
session pages (trainee and instructor views), officers' platform secrets."""


import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from attendance import accounts, adapters, lessons, live, media, offline, sheets, webhook_keys
from attendance.forms import (
    CheckForm,
    CheckOutForm,
    CorrectionForm,
    LiveSessionForm,
    OfflineSessionForm,
    PlatformAccountForm,
    UndoForm,
    to_utc,
)
from attendance.models import ADAPTERS, ATTENDANCE_STATUSES, LIVE_KINDS
from core.auth import INSTRUCTOR, OFFICER, TRAINEE, role_required
from core.csvexport import csv_response, csv_text
from core.errors import ServiceError
from core.extensions import db, limiter
from core.forms import choices, show_service_error
from core.setup import CSP
from core.timeutil import now_utc
from courses import service as courses
from courses.models import Course, Platform

bp = Blueprint("attendance", __name__, url_prefix="/attendance")
STAFF = (INSTRUCTOR, OFFICER, "admin")


@bp.app_context_processor
def labels():
    return {"live_kinds": LIVE_KINDS, "attendance_statuses": ATTENDANCE_STATUSES}



def _enrolled(course: Course) -> bool:
    return courses.enrolment_for(current_user.id, course.id) is not None


def code_payload(session) -> dict:
    code = offline.current_code(session)
    link = url_for("attendance.checkin_page", session_id=session.id, code=code["code"],
                   _external=True)
    qr = segno.make(link, error="m").svg_data_uri(scale=6)
    return {**code, "checkin_url": link, "qr_svg": qr}


# --- trainee pages ---------------------------------------------------------------------------

@bp.get("/courses/<int:course_id>")
@role_required()
def course_page(course_id: int):
    course = courses.get_course(course_id, current_user)
    if current_user.role == TRAINEE:
        if not _enrolled(course):
            abort(403)
        today = lessons.today_figures(current_user)
        return render_template("attendance/my_course.html", course=course,
                               view=sheets.trainee_view(current_user.id, course), today=today,
                               class_hour_minutes=today["class_hour_minutes"])
    live.require_viewer(course, current_user)
    return render_template("attendance/course_sheet.html", course=course,
                           sheet=sheets.course_sheet(course),
                           class_hour_minutes=lessons.course_class_hour(course),
                           live_form=_live_form(), offline_form=OfflineSessionForm())


@bp.get("/live")
@role_required(TRAINEE)
def upcoming():
    return render_template("attendance/upcoming.html",
                           sessions=live.upcoming_for_trainee(current_user))


@bp.get("/lessons/<int:lesson_id>")
@role_required(TRAINEE)
def lesson_page(lesson_id: int):
    try:
        lesson = lessons.get_lesson_for(current_user, lesson_id)
    except ServiceError as error:
        abort(error.status)
    progress = lessons.progress_for(current_user.id, lesson)
    watched = progress.watched_seconds if progress else 0
    duration = lesson.duration_minutes * 60
    uploaded = media.media_for(lesson)
    external = lesson.video_url if lesson.kind == "video" and (lesson.video_url or "").startswith(
        "https://") else None
    source = url_for("attendance.lesson_media", lesson_id=lesson.id) if uploaded else external
    response = make_response(render_template(
        "attendance/lesson.html", lesson=lesson, course=lesson.course, watched=watched,
        ratio=min(watched / duration, 1.0) if duration else 0.0, source=source,
        summary=sheets.trainee_view(current_user.id, lesson.course, show_links=False),
        today=lessons.today_figures(current_user), reasons=lessons.reason_labels(),
        heartbeat=current_app.config["ATTENDANCE_HEARTBEAT_SECONDS"],
        start=progress.last_position if progress else 0))
    if external and not uploaded:  # a video the instructor links on an https host
        response.headers["Content-Security-Policy"] = CSP + "; media-src 'self' https:"
    return response


@bp.get("/live/<int:session_id>")
@role_required()
def live_page(session_id: int):
    session = live.get_session(session_id)
    if current_user.role == TRAINEE:
        if not _enrolled(session.course):
            abort(403)
        # The page starts beating when the server starts counting, and stops at the end.
        now, counting_from = now_utc(), session.starts_at - live.MATCH_MARGIN
        return render_template(
            "attendance/live.html", session=session,
            heartbeat=current_app.config["ATTENDANCE_HEARTBEAT_SECONDS"],
            counting_from=counting_from,
            opens_in=max(0, int((counting_from - now).total_seconds())),
            closes_in=max(0, int((session.ends_at - now).total_seconds())))
    live.require_viewer(session, current_user)
    return render_template("attendance/live_sheet.html", session=session,
                           sheet=sheets.live_sheet(session))


@bp.route("/offline/<int:session_id>", methods=["GET", "POST"])
@role_required()
@limiter.limit("20 per minute", methods=["POST"])
def checkin_page(session_id: int):
    session = offline.get_session(session_id)
    if current_user.role != TRAINEE:
        live.require_viewer(session, current_user)
        return render_template("attendance/offline_sheet.html", session=session,
                               sheet=sheets.offline_sheet(session), form=CorrectionForm(),
                               code=code_payload(session) if session.course.is_instructor(
                                   current_user) and session.state() != "ended" else None)
    if not _enrolled(session.course):
        abort(403)
    checkin = offline.checkins(session).get(current_user.id)
    checked_in = bool(checkin and checkin.checked_in_at and not checkin.checked_out_at)
    action = request.form.get("action") if request.method == "POST" else None
    # A scan (the QR link) while checked in shows the state; leaving needs its own confirmation.
    form = CheckOutForm() if checked_in else CheckForm(code=request.args.get("code"))
    status = 200
    if action == "undo":
        undo = UndoForm()
        if undo.validate_on_submit():
            try:
                offline.undo_checkout(current_user, session)
            except ServiceError as error:
                flash(error.message, "error")
                status = error.status
            else:
                flash(_("Check-out undone: you are checked in again."), "success")
                return redirect(url_for("attendance.checkin_page", session_id=session.id))
        else:
            status = 422
    elif form.validate_on_submit():
        direction = "out" if checked_in else "in"
        try:
            offline.check(current_user, session, form.code.data, direction, request.remote_addr)
        except ServiceError as error:
            show_service_error(form, error)
            status = error.status
        else:
            flash(_("Checked in.") if direction == "in" else _("Checked out."), "success")
            return redirect(url_for("attendance.checkin_page", session_id=session.id))
    elif form.is_submitted():
        status = 422
    checkin = offline.checkins(session).get(current_user.id)
    return render_template("attendance/checkin.html", session=session, form=form,
                           checkin=checkin, undo_form=UndoForm(),
                           can_undo=offline.can_undo(checkin)), status


@bp.route("/platform-accounts", methods=["GET", "POST"])
@role_required(TRAINEE)
def platform_accounts():
    form = PlatformAccountForm()
    platforms = db.session.scalars(select(Platform).where(Platform.active.is_(True))
                                   .order_by(Platform.name)).all()
    form.platform_id.choices = choices((p.id, p.name) for p in platforms)
    if form.validate_on_submit():
        try:
            accounts.link_account(current_user, form.platform_id.data, form.user_ref.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Platform account linked."), "success")
            return redirect(url_for("attendance.platform_accounts"))
    return render_template("attendance/platform_accounts.html", form=form,
                           accounts=accounts.accounts_of(current_user), platforms=platforms), \
        422 if form.is_submitted() else 200


# --- instructor pages ------------------------------------------------------------------------

def _live_form() -> LiveSessionForm:
    form = LiveSessionForm()
    form.platform_id.choices = choices([("", _("None (browser heartbeats only)"))] + [
        (p.id, p.name) for p in db.session.scalars(select(Platform).order_by(Platform.name))])
    return form


@bp.post("/courses/<int:course_id>/live-sessions")
@role_required(INSTRUCTOR)
def create_live(course_id: int):
    course = courses.get_course(course_id, current_user)
    courses.require_instructor(course, current_user)
    form = _live_form()
    if form.validate_on_submit():
        try:
            session = live.schedule_session(current_user, course, {
                "title": form.title.data, "kind": form.kind.data,
                "starts_at": to_utc(form.starts_at.data), "ends_at": to_utc(form.ends_at.data),
                "platform_id": int(form.platform_id.data) if form.platform_id.data else None,
                "room": form.room.data, "stream_url": form.stream_url.data})
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Live session scheduled."), "success")
            return redirect(url_for("attendance.live_page", session_id=session.id))
    return render_template("attendance/course_sheet.html", course=course,
                           sheet=sheets.course_sheet(course), live_form=form,
                           class_hour_minutes=lessons.course_class_hour(course),
                           offline_form=OfflineSessionForm(formdata=None)), 422


@bp.post("/courses/<int:course_id>/offline-sessions")
@role_required(INSTRUCTOR)
def create_offline(course_id: int):
    course = courses.get_course(course_id, current_user)
    courses.require_instructor(course, current_user)
    form = OfflineSessionForm()
    if form.validate_on_submit():
        try:
            session = offline.schedule(current_user, course, {
                "title": form.title.data, "location": form.location.data,
                "starts_at": to_utc(form.starts_at.data), "ends_at": to_utc(form.ends_at.data)})
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Class scheduled."), "success")
            return redirect(url_for("attendance.checkin_page", session_id=session.id))
    live_form = _live_form()
    live_form.process(formdata=None)
    return render_template("attendance/course_sheet.html", course=course,
                           sheet=sheets.course_sheet(course), live_form=live_form,
                           class_hour_minutes=lessons.course_class_hour(course),
                           offline_form=form), 422


@bp.post("/offline/<int:session_id>/checkins/<int:trainee_id>")
@role_required(INSTRUCTOR)
def correct(session_id: int, trainee_id: int):
    session = offline.get_session(session_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            offline.correct(current_user, session, trainee_id, to_utc(form.checked_in_at.data),
                            to_utc(form.checked_out_at.data), form.reason.data)
        except ServiceError as error:
            if error.status == 403:
                abort(403)
            flash(error.message, "error")
        else:
            flash(_("Correction saved."), "success")
    else:
        flash(_("Give the reason for the correction."), "error")
    return redirect(url_for("attendance.checkin_page", session_id=session.id))


@bp.post("/live/<int:session_id>/close")
@role_required(INSTRUCTOR, OFFICER)
def close_live(session_id: int):
    session = live.get_session(session_id)
    live.require_viewer(session, current_user)
    if session.state() != "ended":
        flash(_("The session has not ended yet."), "error")
    else:
        live.close_session(session, current_user)
        flash(_("Session closed: absentees are marked."), "success")
    return redirect(url_for("attendance.live_page", session_id=session.id))


@bp.route("/live/<int:session_id>/viewers", methods=["GET", "POST"])
@role_required(INSTRUCTOR, OFFICER)
def live_viewers(session_id: int):
    """Unmatched and pending viewers of a platform session: verify or assign (audited)."""
    session = live.get_session(session_id)
    live.require_viewer(session, current_user)
    if request.method == "POST":  # CSRFProtect has checked the token already
        try:
            if request.form.get("account_id"):
                accounts.verify_by_staff(current_user, accounts.get_account(
                    request.form.get("account_id", type=int) or 0))
            else:
                accounts.assign_viewer(current_user, session, request.form.get("user_ref", ""),
                                       request.form.get("trainee_id", type=int) or 0)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Platform account verified: its minutes count now."), "success")
        return redirect(url_for("attendance.live_viewers", session_id=session.id))
    return render_template("attendance/live_viewers.html", session=session,
                           viewers=accounts.session_viewers(session),
                           enrolled=sheets.enrolled_trainees(session.course_id))


def _csv(filename: str, header: list[str], rows: list[list]) -> Response:
    return csv_response(csv_text(header, rows), filename)


@bp.get("/courses/<int:course_id>/attendance.csv")
@role_required(*STAFF)
def course_csv(course_id: int):
    course = courses.get_course(course_id, current_user)
    live.require_viewer(course, current_user)
    sheet = sheets.course_sheet(course)
    return _csv(f"attendance-course-{course.id}.csv",
                ["trainee_id", "name", "required_minutes", "attended_minutes", "lesson_minutes",
                 "offline_minutes", "live_minutes", "ratio", "eligible_for_exam", "flags"],
                [[r["trainee"]["id"], r["trainee"]["name"], r["required_minutes"],
                  r["attended_minutes"], r["by_source"]["lesson"], r["by_source"]["offline"],
                  r["by_source"]["live"], r["ratio"], r["eligible_for_exam"],
                  " ".join(r["flags"])] for r in sheet["trainees"]])


@bp.get("/live/<int:session_id>/attendance.csv")
@role_required(*STAFF)
def live_csv(session_id: int):
    session = live.get_session(session_id)
    live.require_viewer(session, current_user)
    sheet = sheets.live_sheet(session)
    return _csv(f"attendance-live-{session.id}.csv",
                ["trainee_id", "name", "attended_minutes", "status", "first_seen", "last_seen",
                 "flags"],
                [[r["trainee"]["id"], r["trainee"]["name"], r["attended_minutes"], r["status"],
                  r["first_seen"] or "", r["last_seen"] or "", " ".join(r["flags"])]
                 for r in sheet["rows"]])


@bp.get("/offline/<int:session_id>/attendance.csv")
@role_required(*STAFF)
def offline_csv(session_id: int):
    session = offline.get_session(session_id)
    live.require_viewer(session, current_user)
    sheet = sheets.offline_sheet(session)
    return _csv(f"attendance-class-{session.id}.csv",
                ["trainee_id", "name", "checked_in_at", "checked_out_at", "attended_minutes",
                 "status", "correction_reason"],
                [[r["trainee"]["id"], r["trainee"]["name"], r["checked_in_at"] or "",
                  r["checked_out_at"] or "", r["attended_minutes"], r["status"],
                  r["correction_reason"] or ""] for r in sheet["rows"]])


# --- officer pages ---------------------------------------------------------------------------

@bp.route("/platforms", methods=["GET", "POST"])
@role_required(OFFICER)
def platforms():
    new_secret = None
    if request.method == "POST":  # CSRFProtect has checked the token already
        platform_id = request.form.get("platform_id", type=int)
        adapter = request.form.get("adapter") or "skillbridge"
        given = (request.form.get("secret") or "").strip() or None
        try:
            new_secret = (platform_id, webhook_keys.rotate(current_user, platform_id or 0,
                                                           adapter, given))
        except ServiceError as error:
            flash(error.message, "error")
    rows = db.session.scalars(select(Platform).order_by(Platform.name)).all()
    secrets = {p.id: webhook_keys.secret_rows(p.id) for p in rows}
    return render_template("attendance/platforms.html", platforms=rows, secrets=secrets,
                           new_secret=new_secret, unmatched=live.unmatched_groups(50, current_user),
                           adapter_names=ADAPTERS,
                           adapter_of={p.id: adapters.adapter_of(p.id) for p in rows},
                           logs={p.id: adapters.recent_log(p.id) for p in rows},
                           summary_text=adapters.summary_text)
