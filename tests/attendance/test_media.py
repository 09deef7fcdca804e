"""Lesson media: uploads checked by content and size (nothing stored on rejection), served
with HTTP range requests only to the course's trainees, its instructors and officers."""

import io
import zlib

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from attendance.models import LessonMedia
from core.extensions import db
from courses.models import Lesson
from tests.factories import api_headers, enrol, login

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81" \
       b"\x08\x42\x82\x84webm" + b"\x00" * 2000


def blank_pdf(pages=1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bomb_pdf() -> bytes:
    """A one-page PDF whose content stream inflates from ~60 KB to 60 MB."""
    inflated = zlib.compress(b" " * (60 * 1024 * 1024), 9)
    base = blank_pdf()
    reader = PdfReader(io.BytesIO(base))
    writer = PdfWriter(clone_from=reader)
    from pypdf.generic import NameObject, StreamObject

    stream = StreamObject()
    stream._data = inflated
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def media_dir(app, tmp_path):
    app.config["LESSON_MEDIA_DIR"] = str(tmp_path / "media")
    yield tmp_path / "media"
    app.config.pop("LESSON_MEDIA_DIR", None)


@pytest.fixture
def course(trainee, instructor, make_course):
    course = make_course(instructor, required_hours=1)
    enrol(trainee, course)
    return course


def lesson_of(course, kind="video", minutes=2):
    row = Lesson(course_id=course.id, title="讲解视频" if kind == "video" else "讲义",
                 kind=kind, duration_minutes=minutes, position=1)
    db.session.add(row)
    db.session.commit()
    return row


def upload(client, headers, lesson, data, name="lesson.mp4"):
    return client.post(f"/api/v1/lessons/{lesson.id}/media", headers=headers,
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def stored(media_dir):
    return sorted(p.name for p in media_dir.glob("*")) if media_dir.exists() else []


def test_video_upload_is_served_with_ranges_to_the_enrolled_trainee(client, trainee,
                                                                    instructor, course):
    lesson = lesson_of(course)
    response = upload(client, api_headers(client, instructor), lesson, MP4)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["content_type"] == "video/mp4" and body["size_bytes"] == len(MP4)
    login(client, trainee)
    url = f"/attendance/lessons/{lesson.id}/media"
    with client.get(url) as whole:
        assert whole.status_code == 200 and whole.data == MP4
        assert whole.headers["Accept-Ranges"] == "bytes"
        etag = whole.headers["ETag"]
    with client.get(url, headers={"Range": "bytes=100-199"}) as part:
        assert part.status_code == 206 and part.data == MP4[100:200]
        assert part.headers["Content-Range"] == f"bytes 100-199/{len(MP4)}"
    with client.get(url, headers={"If-None-Match": etag}) as cached:
        assert cached.status_code == 304
    html = client.get(f"/attendance/lessons/{lesson.id}").get_data(as_text=True)
    assert f'<video id="lesson-video" class="lesson-video" src="{url}"' in html


def test_webm_and_pdf_uploads_are_accepted(client, instructor, course):
    headers = api_headers(client, instructor)
    assert upload(client, headers, lesson_of(course), WEBM, "a.webm").get_json()[
        "content_type"] == "video/webm"
    doc = lesson_of(course, "document")
    response = upload(client, headers, doc, blank_pdf(3), "notes.pdf")
    assert response.status_code == 201 and response.get_json()["content_type"] == \
        "application/pdf"


def test_document_is_framable_only_by_our_pages(client, trainee, instructor, course):
    doc = lesson_of(course, "document")
    upload(client, api_headers(client, instructor), doc, blank_pdf(), "notes.pdf")
    login(client, trainee)
    with client.get(f"/attendance/lessons/{doc.id}/media") as response:
        assert response.status_code == 200 and response.data.startswith(b"%PDF-")
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    html = client.get(f"/attendance/lessons/{doc.id}").get_data(as_text=True)
    assert f'src="/attendance/lessons/{doc.id}/media"' in html and "<iframe" in html


@pytest.mark.parametrize("kind,data,name", [
    ("video", b"<!doctype html><html><script>alert(1)</script></html>" * 10, "lesson.mp4"),
    ("video", b"%PDF-1.7 not a video" * 10, "lesson.webm"),
    ("document", b"<html>not a pdf</html>", "notes.pdf"),
    ("document", b"%PDF-1.4 broken beyond repair" * 20, "notes.pdf"),
    ("document", MP4, "notes.pdf"),
])
def test_files_that_are_not_what_they_say_are_422_and_not_stored(client, instructor, course,
                                                                 media_dir, kind, data, name):
    lesson = lesson_of(course, kind)
    response = upload(client, api_headers(client, instructor), lesson, data, name)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_media" and "file" in error["fields"]
    assert db.session.scalar(select(func.count()).select_from(LessonMedia)) == 0
    assert stored(media_dir) == []


def test_a_pdf_bomb_is_refused(client, instructor, course, media_dir):
    lesson = lesson_of(course, "document")
    data = bomb_pdf()
    assert len(data) < 1024 * 1024
    response = upload(client, api_headers(client, instructor), lesson, data, "bomb.pdf")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_media"
    assert db.session.scalar(select(func.count()).select_from(LessonMedia)) == 0
    assert stored(media_dir) == []


def test_an_oversized_upload_is_413_with_a_clear_message(app, client, instructor, course,
                                                         media_dir):
    app.config["LESSON_MEDIA_MAX_VIDEO_BYTES"] = 4096
    try:
        lesson = lesson_of(course)
        response = upload(client, api_headers(client, instructor), lesson, MP4 * 2)
    finally:
        app.config["LESSON_MEDIA_MAX_VIDEO_BYTES"] = 500 * 1024 * 1024
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "file_too_large" and "MB" in error["message"]
    assert db.session.scalar(select(func.count()).select_from(LessonMedia)) == 0
    assert stored(media_dir) == []


def test_upload_page_shows_the_error_and_stores_nothing(client, instructor, course, media_dir):
    from tests.factories import csrf_token

    lesson = lesson_of(course)
    login(client, instructor)
    url = f"/attendance/teach/lessons/{lesson.id}/media"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token,
                                      "file": (io.BytesIO(b"<html></html>" * 9), "x.mp4")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "MP4" in response.get_data(as_text=True)
    assert stored(media_dir) == []
    response = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(MP4), "v.mp4")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert len(stored(media_dir)) == 1


def test_only_the_courses_people_fetch_or_upload_media(app, client, trainee, instructor, officer,
                                                       make_user, course):
    lesson = lesson_of(course)
    upload(client, api_headers(client, instructor), lesson, MP4)
    url = f"/attendance/lessons/{lesson.id}/media"
    stranger, other_teacher = make_user("trainee"), make_user("instructor")
    for user, status in ((stranger, 403), (other_teacher, 403), (officer, 200),
                         (instructor, 200), (trainee, 200)):
        client.get("/logout")
        login(client, user)
        with client.get(url) as response:
            assert response.status_code == status, user.role
    with app.test_client().get(url) as response:
        assert response.status_code in (302, 401)
    response = upload(client, api_headers(client, other_teacher), lesson, MP4)
    assert response.status_code == 403
    assert upload(client, api_headers(client, trainee), lesson, MP4).status_code == 403


def test_a_video_larger_than_the_site_wide_request_limit_uploads(app, client, instructor,
                                                                 course, media_dir):
    from tests.factories import csrf_token

    big = MP4 + b"\0" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    lesson = lesson_of(course)
    login(client, instructor)
    url = f"/attendance/teach/lessons/{lesson.id}/media"
    # a ready-made multipart body (the test client would spool a large one to a temp file)
    boundary = "sb-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{csrf_token(client, url)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"file\"; filename=\"big.mp4\"\r\nContent-Type: video/mp4\r\n\r\n"
            ).encode() + big + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(url, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    assert db.session.scalar(select(LessonMedia.size_bytes)) == len(big)
