"""Officer endpoints beside the API twins: re-rendering an exam's PDFs, and the management
page's ZIP export and bulk CSV verification."""

import csv
import io
import zipfile

from sqlalchemy import select

from certificates.models import CertificateFile
from core.extensions import db
from tests.certificates.conftest import pass_exam
from tests.factories import api_headers, csrf_token, login


def test_render_stores_each_exam_certificate_pdf_with_its_current_watermark(
        client, officer, certificate, make_user, course):
    other = pass_exam(make_user("trainee"), course, exam_id=78)
    headers = api_headers(client, officer)
    assert client.post(f"/api/v1/certificates/{certificate.serial}/revoke", headers=headers,
                       json={"reason": "证书信息有误"}).status_code == 200
    response = client.post("/api/v1/certificates/render", headers=headers, json={"exam_id": 77})
    assert response.status_code == 202
    assert response.get_json() == {"mode": "inline", "count": 1, "jobs": []}
    files = db.session.scalars(select(CertificateFile).where(
        CertificateFile.certificate_id == certificate.id)).all()
    revoked = [f for f in files if f.watermark == "revoked"]
    assert len(revoked) == 1 and revoked[0].content.startswith(b"%PDF")
    assert not db.session.scalars(select(CertificateFile).where(
        CertificateFile.certificate_id == other.id,
        CertificateFile.watermark == "revoked")).all()  # exam 78 was not rendered
    assert client.post("/api/v1/certificates/render", headers=api_headers(
        client, make_user("trainee")), json={"exam_id": 77}).status_code == 403


def test_management_page_exports_a_zip_and_verifies_a_csv(client, officer, certificate):
    login(client, officer)
    response = client.get("/certificates/export.zip?exam_id=77")
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(response.data)).namelist() == [f"{certificate.serial}.pdf"]
    assert client.get("/certificates/export.zip").status_code == 400
    token = csrf_token(client, "/certificates/manage")
    last4 = certificate.holder_id_masked[-4:]
    rows = f"serial,name,id_last4\n{certificate.serial},李春花,{last4}\n"
    checked = client.post("/certificates/verify-batch", content_type="multipart/form-data",
                          data={"csrf_token": token,
                                "file": (io.BytesIO(rows.encode()), "in.csv")})
    assert checked.status_code == 200 and checked.mimetype == "text/csv"
    out = list(csv.DictReader(io.StringIO(checked.get_data(as_text=True))))
    assert [(r["serial"], r["result"], r["name_matches"]) for r in out] == [
        (certificate.serial, "valid", "yes")]
    missing = client.post("/certificates/verify-batch", data={"csrf_token": token})
    assert missing.status_code == 302
    assert "选择" in client.get(missing.headers["Location"]).get_data(as_text=True)
