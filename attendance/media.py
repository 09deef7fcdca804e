"""Lesson media: uploads checked by content, stored under the instance folder, fetched only by
the course's trainees, its instructors and officers."""

import hashlib
import os
import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from attendance.models import LessonMedia
from core import audit
from core.errors import Forbidden, Invalid, NotFound, ServiceError
from core.extensions import db
from courses.lifecycle import on_roll
from courses.models import Enrolment, Lesson
from courses.service import require_instructor

VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}
MAX_PDF_PAGES = 500
MAX_PDF_CONTENT = 50 * 1024 * 1024  # decoded page content: more is a decompression bomb
CHUNK = 1024 * 1024


def storage_dir() -> Path:
    path = Path(current_app.config.get("LESSON_MEDIA_DIR")
                or Path(current_app.instance_path) / "lesson_media")
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes(kind: str) -> int:
    return current_app.config[f"LESSON_MEDIA_MAX_{kind.upper()}_BYTES"]


def sniff_video(head: bytes) -> str | None:
    """MP4 (an ISO BMFF `ftyp` box first) or WebM (EBML header with DocType webm)."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return "webm"
    return None


def _invalid(message: str) -> Invalid:
    return Invalid(message, code="invalid_media", fields={"file": [message]})


def check_pdf(data: bytes) -> None:
    """A PDF that opens, with a sane page count and page content that does not explode."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    from pypdf.filters import LimitReachedError

    if not data.startswith(b"%PDF-"):
        raise _invalid(_("This file is not a PDF document."))
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        pages = len(reader.pages)
        if pages == 0 or pages > MAX_PDF_PAGES:
            raise _invalid(_("A document lesson has 1 to %(n)s pages.", n=MAX_PDF_PAGES))
        decoded = 0
        for page in reader.pages:
            contents = page.get_contents()
            decoded += len(contents.get_data()) if contents is not None else 0
            if decoded > MAX_PDF_CONTENT:
                raise _invalid(_("This PDF expands to far more than it holds; it was refused."))
    except Invalid:
        raise
    except (PdfReadError, LimitReachedError, MemoryError, ValueError, KeyError, TypeError,
            AttributeError, IndexError, OSError, RecursionError):
        raise _invalid(_("This PDF cannot be opened safely; it was refused.")) from None


def save_upload(user, lesson: Lesson, stream, filename: str) -> LessonMedia:
    """Check an uploaded file against the lesson's kind and keep it; nothing is stored when
    a check fails."""
    require_instructor(lesson.course, user)
    if lesson.kind not in ("video", "document"):
        raise Invalid(_("Only video and document lessons take a file."), code="not_media_lesson")
    limit = max_bytes(lesson.kind)
    head = stream.read(64)
    if lesson.kind == "video":
        ext = sniff_video(head)
        if ext is None:
            raise _invalid(_("This file is not an MP4 or WebM video."))
        content_type = VIDEO_TYPES[ext]
    else:
        if not head.startswith(b"%PDF-"):
            raise _invalid(_("This file is not a PDF document."))
        ext, content_type = "pdf", "application/pdf"
    folder = storage_dir()
    stored = f"{lesson.id}-{secrets.token_hex(12)}.{ext}"
    partial = folder / (stored + ".part")
    digest, size = hashlib.sha256(head), len(head)
    try:
        with open(partial, "wb") as out:
            out.write(head)
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ServiceError(
                        _("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)),
                        code="file_too_large", status=413,
                        fields={"file": [_("Too large.")]})
                digest.update(chunk)
                out.write(chunk)
        if lesson.kind == "document":
            check_pdf(partial.read_bytes())
        os.replace(partial, folder / stored)
    finally:
        partial.unlink(missing_ok=True)
    old = media_for(lesson)
    before = None
    if old is not None:
        before = {"sha256": old.sha256, "size_bytes": old.size_bytes}
        _remove_file_later(old.stored_name)
        db.session.delete(old)
        db.session.flush()
    media = LessonMedia(lesson_id=lesson.id, kind=lesson.kind, content_type=content_type,
                        stored_name=stored, original_name=(filename or "")[:200],
                        size_bytes=size, sha256=digest.hexdigest(), uploaded_by_id=user.id)
    db.session.add(media)
    db.session.flush()
    audit.record(user, "lesson.media_uploaded", media, before=before, after={
        "lesson_id": lesson.id, "content_type": content_type, "size_bytes": size,
        "sha256": media.sha256})
    return media


def _remove_file_later(name: str) -> None:
    # The old file goes only once the new row is committed (a failed request keeps it).
    from flask import after_this_request, has_request_context

    if not has_request_context():
        return

    @after_this_request
    def remove(response):
        if response.status_code < 400:
            (storage_dir() / name).unlink(missing_ok=True)
        return response


def media_for(lesson: Lesson) -> LessonMedia | None:
    return db.session.scalar(select(LessonMedia).where(LessonMedia.lesson_id == lesson.id))


def can_fetch(user, lesson: Lesson) -> bool:
    """Enrolled trainees (on the roll) of a published course, its instructors, officers."""
    if user.role in ("officer", "admin"):
        return True
    if user.role == "instructor":
        return lesson.course.is_instructor(user)
    if user.role == "trainee" and lesson.course.status == "published":
        return bool(db.session.scalar(select(Enrolment.id).where(
            Enrolment.course_id == lesson.course_id, Enrolment.trainee_id == user.id,
            on_roll(Enrolment.status))))
    return False


def file_for(user, lesson_id: int) -> tuple[Path, LessonMedia]:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound(_("No such lesson."))
    if not can_fetch(user, lesson):
        raise Forbidden(_("Only the course's trainees and instructors may open this lesson."),
                        code="not_enrolled")
    media = media_for(lesson)
    path = storage_dir() / media.stored_name if media else None
    if media is None or not path.is_file():
        raise NotFound(_("This lesson has no uploaded file."))
    return path, media
