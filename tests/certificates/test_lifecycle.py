"""Reissue after a corrected name, Open Badges VC-JWT, bulk CSV verification, ZIP export."""

import csv
import io
import zipfile

import pytest
from sqlalchemy import select

from certificates.models import Certificate
from core.audit import AuditLog
from core.extensions import db
from tests.certificates.conftest import pass_exam
from tests.factories import api_headers


def test_reissue_gets_a_new_serial_and_supersedes_the_old(client, officer, trainee, course,
                                                          certificate):
    old_serial, attempt_id = certificate.serial, certificate.attempt_id
    response = client.post(f"/api/v1/certificates/{old_serial}/reissue",
                           json={"holder_name": "李春华"}, headers=api_headers(client, officer))
    assert response.status_code == 201
    new = response.get_json()
    assert new["serial"] != old_serial and new["holder_name"] == "李春华"
    assert new["replaces"] == old_serial and new["attempt_id"] == attempt_id
    old = client.get(f"/api/v1/certificates/{old_serial}/verify").get_json()
    assert old["status"] == "superseded" and old["superseded_by"] == new["serial"]
    fresh = client.get(f"/api/v1/certificates/{new['serial']}/verify").get_json()
    assert fresh["status"] == "valid" and fresh["signature_valid"]
    # the same attempt still maps to exactly one current certificate
    again = pass_exam(trainee, course, attempt_id=attempt_id)
    assert again.serial == new["serial"]
    assert db.session.scalar(select(db.func.count(Certificate.id))) == 2
    actions = set(db.session.scalars(select(AuditLog.action)).all())
    assert {"certificate.reissue", "certificate.supersede"} <= actions
    second = client.post(f"/api/v1/certificates/{old_serial}/reissue",
                         json={"holder_name": "x"}, headers=api_headers(client, officer))
    assert second.status_code == 409


def test_reissue_validation_and_access(client, officer, trainee, certificate):
    url = f"/api/v1/certificates/{certificate.serial}/reissue"
    assert client.post(url, json={"holder_name": ""},
                       headers=api_headers(client, officer)).status_code == 422
    assert client.post(url, json={"holder_name": "x", "extra": 1},
                       headers=api_headers(client, officer)).status_code == 422
    assert client.post(url, json={"holder_name": "x"},
                       headers=api_headers(client, trainee)).status_code == 403
    db.session.refresh(certificate)
    assert certificate.status == "valid"


def test_officer_bulk_verifies_a_csv(client, officer, certificate, make_user, course):
    other = pass_exam(make_user("trainee", name="王军"), course)
    client.post(f"/api/v1/certificates/{other.serial}/revoke", json={"reason": "错误"},
                headers=api_headers(client, officer))
    last4 = certificate.holder_id_masked[-4:]
    rows = ("serial,name,id_last4\n"
            f"{certificate.serial},李春花,{last4}\n"
            f"{other.serial},王俊,0000\n"
            "SB202633010050001238,某人,1234\n"
            "SB123,x,y\n")
    response = client.post("/api/v1/certificates/verify-batch",
                           data={"file": (io.BytesIO(rows.encode()), "in.csv")},
                           content_type="multipart/form-data",
                           headers=api_headers(client, officer))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    out = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["result"] for r in out] == ["valid", "revoked", "unknown", "malformed"]
    assert out[0]["name_matches"] == "yes" and out[0]["id_last4_matches"] == "yes"
    assert out[1]["name_matches"] == "no" and out[1]["revoked_reason"] == "错误"
    trainee_try = client.post("/api/v1/certificates/verify-batch",
                              data={"file": (io.BytesIO(rows.encode()), "in.csv")},
                              content_type="multipart/form-data",
                              headers=api_headers(client, make_user("trainee")))
    assert trainee_try.status_code == 403
    empty = client.post("/api/v1/certificates/verify-batch",
                        data={"file": (io.BytesIO(b""), "in.csv")},
                        content_type="multipart/form-data", headers=api_headers(client, officer))
    assert empty.status_code == 422


def test_officer_downloads_a_zip_of_an_exam(client, officer, certificate, make_user, course):
    pass_exam(make_user("trainee"), course, exam_id=77)
    pass_exam(make_user("trainee"), course, exam_id=78)
    response = client.get("/api/v1/certificates/export.zip?exam_id=77",
                          headers=api_headers(client, officer))
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 2 and f"{certificate.serial}.pdf" in names
    assert client.get("/api/v1/certificates/export.zip?exam_id=999",
                      headers=api_headers(client, officer)).status_code == 404


@pytest.mark.parametrize("role, status", [("officer", 200), ("instructor", 200),
                                          ("trainee", 403), (None, 401)])
def test_certificate_list_access(client, make_user, certificate, role, status):
    headers = api_headers(client, make_user(role)) if role else {}
    response = client.get("/api/v1/certificates", headers=headers)
    assert response.status_code == status
    if role == "instructor":  # a different instructor: none of theirs
        assert response.get_json()["total"] == 0
    if role == "officer":
        assert response.get_json()["items"][0]["serial"] == certificate.serial
