"""Hostile uploads to the public PDF check: a clear 422, quickly, with bounded memory; never a
500 and never a worker's memory spent on a deflate bomb."""

import io
import time
import tracemalloc
import zlib

import pytest

from tests.factories import api_headers


def _pdf(objects: list[bytes]) -> bytes:
    """A well-formed PDF (header, objects, xref table, trailer) around hostile objects."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def _with_attachment(stream: bytes, extra: bytes = b"") -> bytes:
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names "
        b"[(skillbridge-certificate.json) 3 0 R] >> >> " + extra + b" >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
        b"<< /Type /Filespec /F (skillbridge-certificate.json) /EF << /F 4 0 R >> >>",
        stream])


def deflate_bomb() -> bytes:
    """About 200 KB on the wire, 200 MB once inflated."""
    packer = zlib.compressobj(9)
    data = packer.compress(b"\0" * (200 * 1024 * 1024)) + packer.flush()
    return _with_attachment(b"<< /Type /EmbeddedFile /Filter /FlateDecode /Length %d >>\n"
                            b"stream\n" % len(data) + data + b"\nendstream")


def deeply_nested() -> bytes:
    depth = 50_000
    return _with_attachment(b"<< /Length 2 >>\nstream\n{}\nendstream",
                            extra=b"/X " + b"[" * depth + b"]" * depth)


def huge_declared_stream() -> bytes:
    return _with_attachment(b"<< /Length 99999999999999999999 >>\nstream\n{}\nendstream")


def _upload(client, data: bytes):
    return client.post("/api/v1/certificates/verify-pdf",
                       data={"file": (io.BytesIO(data), "c.pdf")},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("make, code", [
    (deflate_bomb, "invalid_pdf"),
    (deeply_nested, "invalid_pdf"),
    (huge_declared_stream, "invalid_pdf"),
    (lambda: deflate_bomb()[:150_000], "invalid_pdf"),  # truncated
    (lambda: b"PK\x03\x04 a zip, not a PDF" + b"\0" * 1000, "not_a_pdf"),
    (lambda: "证书".encode() * 100, "not_a_pdf"),
])
def test_hostile_pdf_is_422_quickly_with_bounded_memory(client, make, code):
    data = make()
    tracemalloc.start()
    started = time.monotonic()
    response = _upload(client, data)
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert response.status_code == 422, response.data[:300]
    error = response.get_json()["error"]
    assert error["code"] == code and error["fields"]["file"]
    assert elapsed < 5
    # The bomb would inflate to 200 MB (pypdf's own default stops at 75 MB): ours stops at 2.
    assert peak < 40 * 1024 * 1024


def test_hostile_pdf_on_the_verify_page_is_a_form_error(client):
    from tests.factories import csrf_token

    token = csrf_token(client, "/verify")
    response = client.post("/verify/pdf", data={
        "csrf_token": token, "file": (io.BytesIO(deflate_bomb()), "c.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "PDF" in response.get_data(as_text=True)


def test_damaged_copy_of_a_real_certificate_is_still_altered(client, trainee, certificate):
    """A truncated certificate that no longer parses still names its serial: altered, not 422."""
    pdf = client.get(f"/api/v1/certificates/{certificate.serial}/pdf",
                     headers=api_headers(client, trainee)).data
    body = _upload(client, pdf[: len(pdf) // 2] + pdf[-300:]).get_json()
    assert body["result"] == "altered" and body["serial"] == certificate.serial
