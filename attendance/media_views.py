"""Lesson media pages: the file itself (range requests) and the instructor's upload page."""

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from attendance import media
from attendance.forms import MediaForm
from attendance.views import bp
from core.auth import INSTRUCTOR, role_required
from core.errors import ServiceError
from core.extensions import db
from core.forms import show_service_error
from courses.models import Lesson

# The PDF viewer runs inside the lesson page's frame; nothing else may frame or run in it.
DOCUMENT_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"


UPLOAD_ENDPOINTS = ("attendance.upload_media", "attendance_api.upload_lesson_media")


def allow_large_upload() -> None:
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        request.max_content_length = max(media.max_bytes("video"),
                                         media.max_bytes("document")) + 1024 * 1024


@bp.get("/lessons/<int:lesson_id>/media")
@role_required()
def lesson_media(lesson_id: int):
    """The lesson's uploaded file, with HTTP range requests (seeking) and conditional GETs."""
    try:
        path, row = media.file_for(current_user, lesson_id)
    except ServiceError as error:
        abort(error.status)
    response = send_file(path, mimetype=row.content_type, conditional=True, etag=row.sha256,
                         max_age=0, download_name=f"lesson-{lesson_id}.{path.suffix[1:]}")
    response.headers["Cache-Control"] = "private, no-cache"
    if row.kind == "document":
        response.headers["Content-Security-Policy"] = DOCUMENT_CSP
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/teach/lessons/<int:lesson_id>/media", methods=["GET", "POST"])
@role_required(INSTRUCTOR)
def upload_media(lesson_id: int):
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        abort(404)
    if not lesson.course.is_instructor(current_user):
        abort(403)
    form = MediaForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            media.save_upload(current_user, lesson, upload.stream, upload.filename)
        except ServiceError as error:
            upload.close()
            show_service_error(form, error)
            status = error.status
        else:
            upload.close()  # a large upload is a temporary file: release it now
            flash(_("The lesson file was uploaded."), "success")
            return redirect(url_for("attendance.upload_media", lesson_id=lesson.id))
    elif form.is_submitted():
        status = 422
    return render_template("attendance/lesson_media.html", lesson=lesson, form=form,
                           current=media.media_for(lesson),
                           limit_mb=media.max_bytes(lesson.kind) // (1024 * 1024)
                           if lesson.kind in ("video", "document") else 0), status
