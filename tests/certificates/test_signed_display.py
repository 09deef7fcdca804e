"""Every public surface shows the signed payload: a changed column reads as altered; a name of
the longest accepted length still leaves the serial and a readable QR on one page; dates are
Beijing dates."""

import re
import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from certificates.models import Certificate
from core import timeutil
from core.extensions import db
from tests.certificates.conftest import pass_exam
from tests.factories import api_headers


def download(client, user, cert) -> bytes:
    response = client.get(f"/api/v1/certificates/{cert.serial}/pdf",
                          headers=api_headers(client, user))
    assert response.status_code == 200
    return response.data


@pytest.mark.parametrize("column, value", [
    ("holder_name", "王大锤"), ("level", 3), ("holder_id_masked", "330482********0000"),
    ("certificate_type", "special_ability"), ("training_hours", 999),
])
def test_a_changed_column_reads_as_altered_everywhere(client, trainee, certificate, column,
                                                      value):
    genuine = download(client, trainee, certificate)
    setattr(certificate, column, value)
    db.session.commit()
    body = client.get(f"/api/v1/certificates/{certificate.serial}/verify").get_json()
    assert body["status"] == "altered" and body["signature_valid"] is False
    assert "holder" not in body and "level" not in body  # nothing unsigned is shown
    page = client.get(f"/verify/{certificate.serial}?s={certificate.signature}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "cert-altered" in html and "王大锤" not in html
    assert "已被篡改" in html
    check = client.post("/api/v1/certificates/verify-pdf",
                        data={"file": (__import__("io").BytesIO(genuine), "c.pdf")})
    assert check.get_json()["status"] == "altered"


def test_verify_shows_the_signed_values(client, certificate):
    body = client.get(f"/api/v1/certificates/{certificate.serial}/verify").get_json()
    assert body["status"] == "valid" and body["signature_valid"] is True
    assert body["occupation"]["name_zh"] == certificate.occupation.name_zh
    # an edit of the occupation's name (not a certificate column) does not change the answer
    certificate.occupation.name_zh = "改过的名字"
    db.session.commit()
    again = client.get(f"/api/v1/certificates/{certificate.serial}/verify").get_json()
    assert again["occupation"]["name_zh"] != "改过的名字" and again["status"] == "valid"


def test_dates_are_beijing_dates(client, trainee, course):
    # 20:30 UTC on 15 June is 04:30 on 16 June in Beijing
    offset = timeutil.clock_offset()
    timeutil.run_clock_from(datetime(2026, 6, 15, 20, 30, tzinfo=UTC))
    try:
        cert = pass_exam(trainee, course)
    finally:
        timeutil.run_clock_from(datetime.now(UTC) + offset)
    body = client.get(f"/api/v1/certificates/{cert.serial}/verify").get_json()
    assert body["issued_on"] == "2026-06-16" and body["issued_at"].startswith("2026-06-16T04")
    html = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert "2026-06-16" in html and "2026-06-15" not in html
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=download(client, trainee, cert),
                              capture_output=True, check=True).stdout.decode()
        assert "2026-06-16" in text and "2026-06-15" not in text


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils is not installed")
@pytest.mark.parametrize("name", ["龘" * 100, "Anna-Maria " * 9 + "Z", "李" * 30])
def test_the_longest_names_keep_serial_and_qr_on_one_page(client, make_user, course,
                                                          tmp_path, name):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    trainee = make_user("trainee")
    trainee.name = name[:100]
    db.session.commit()
    cert = pass_exam(trainee, course)
    assert cert.holder_name == name[:100]
    path = tmp_path / "c.pdf"
    path.write_bytes(download(client, trainee, cert))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout
    assert re.search(rb"^Pages:\s+1$", info, re.M), info
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                          check=True).stdout.decode()
    assert cert.serial in text
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))]
    assert found == [f"http://localhost/verify/{cert.serial}?s={cert.signature}"]


def test_public_revocation_reason_is_a_category(client, officer, certificate):
    client.post(f"/api/v1/certificates/{certificate.serial}/revoke",
                json={"reason": "学员本人申请撤销，电话确认", "category": "holder_request"},
                headers=api_headers(client, officer))
    page = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)
    assert "电话确认" not in page
    listed = client.get("/api/v1/certificates", headers=api_headers(client, officer)).get_json()
    assert listed["items"][0]["revoked_reason"] == "学员本人申请撤销，电话确认"
    db.session.refresh(certificate)
    assert db.session.get(Certificate, certificate.id).revocation_category == "holder_request"
