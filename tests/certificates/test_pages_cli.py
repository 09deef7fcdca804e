"""Pages (verify, My certificates, officer management), key rotation, bulk rendering."""

import io
import os
import uuid

import pytest
from sqlalchemy import func, select

from certificates import keys
from certificates.models import Certificate, CertificateFile
from core.extensions import db
from tests.certificates.conftest import pass_exam
from tests.factories import csrf_token, login


def test_public_verify_page_by_serial_and_qr_link(client, certificate):
    page = client.get(f"/verify?serial={certificate.serial.lower()}")
    assert page.status_code == 302 and page.headers["Location"].endswith(certificate.serial)
    html = client.get(f"/verify/{certificate.serial}?s={certificate.signature}") \
        .get_data(as_text=True)
    assert "李**" in html and "李春花" not in html and certificate.serial in html
    assert "二维码" in html and "与本证书一致" in html  # the QR's signature matches
    bad = client.get(f"/verify/{certificate.serial}?s=forged").get_data(as_text=True)
    assert "与本证书不一致" in bad
    assert client.get("/verify/SB202633010050001238").status_code == 404
    assert client.get("/verify?serial=abc").status_code == 422


def test_verify_page_upload(client, trainee, certificate):
    data = db.session.scalar(select(CertificateFile.content))
    token = csrf_token(client, "/verify")
    html = client.post("/verify/pdf", data={"csrf_token": token,
                                            "file": (io.BytesIO(data), "c.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "verdict-ok" in html
    altered = bytearray(data)
    altered[len(data) // 2] ^= 0xFF
    html = client.post("/verify/pdf", data={"csrf_token": token,
                                            "file": (io.BytesIO(bytes(altered)), "c.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "verdict-bad" in html and certificate.serial in html


def test_my_certificates_page_and_download(client, trainee, certificate, make_user):
    login(client, trainee)
    html = client.get("/certificates/mine").get_data(as_text=True)
    assert certificate.serial in html
    response = client.get(f"/certificates/{certificate.serial}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    client.get("/logout")
    other = app_client = client
    login(app_client, make_user("trainee"))
    assert other.get(f"/certificates/{certificate.serial}.pdf").status_code == 403


def test_officer_revokes_and_reissues_on_the_page(client, officer, certificate):
    login(client, officer)
    html = client.get("/certificates/manage").get_data(as_text=True)
    assert certificate.serial in html
    token = csrf_token(client, "/certificates/manage")
    empty = client.post(f"/certificates/{certificate.serial}/revoke",
                        data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 302
    db.session.refresh(certificate)
    assert certificate.status == "valid"
    client.post(f"/certificates/{certificate.serial}/revoke",
                data={"csrf_token": token, "reason": "证书信息有误"})
    db.session.refresh(certificate)
    assert certificate.status == "revoked" and certificate.revoked_reason == "证书信息有误"


@pytest.mark.parametrize("role, status", [("trainee", 403), ("instructor", 403)])
def test_management_page_is_for_officers(client, make_user, role, status):
    login(client, make_user(role))
    assert client.get("/certificates/manage").status_code == status


def test_keygen_rotates_and_old_signatures_still_verify(app, runner, client, trainee, course,
                                                       tmp_path, make_user):
    old_config = app.config.get("CERTIFICATE_KEY_DIR")
    old_store = app.extensions["certificate_keys"]
    app.config["CERTIFICATE_KEY_DIR"] = str(tmp_path / "keys")
    app.extensions["certificate_keys"] = keys.load(app, create=True)
    try:
        first = pass_exam(trainee, course)
        result = runner.invoke(args=["certificates", "keygen"])
        assert result.exit_code == 0, result.output
        second = pass_exam(make_user("trainee"), course)
        assert first.key_id != second.key_id
        # old private keys gone: only the new Ed25519 key and its RSA sibling remain
        assert sorted(p.name for p in (tmp_path / "keys").glob("*.key")) == [
            f"{second.key_id}-rsa.key", f"{second.key_id}.key"]
        kids = {k["kid"] for k in client.get("/.well-known/skillbridge-keys.json")
                .get_json()["keys"]}
        assert {first.key_id, second.key_id} <= kids
        for cert in (first, second):
            assert client.get(f"/api/v1/certificates/{cert.serial}/verify") \
                .get_json()["signature_valid"]
        assert oct(os.stat(tmp_path / "keys" / f"{second.key_id}.key").st_mode)[-3:] == "600"
    finally:
        app.extensions["certificate_keys"] = old_store
        if old_config is None:
            app.config.pop("CERTIFICATE_KEY_DIR")
        else:
            app.config["CERTIFICATE_KEY_DIR"] = old_config


def test_render_cli_rerenders_an_exam_inline(runner, certificate):
    db.session.execute(db.delete(CertificateFile))
    db.session.commit()
    result = runner.invoke(args=["certificates", "render", "--exam", "77"])
    assert result.exit_code == 0, result.output
    assert "1 certificates rendered" in result.output
    assert db.session.scalar(select(func.count(CertificateFile.id))) == 1
    missing = runner.invoke(args=["certificates", "render", "--exam", "999"])
    assert missing.exit_code != 0


def _redis():
    try:
        from redis import Redis

        conn = Redis.from_url("redis://127.0.0.1:6379/0")
        conn.ping()
        return conn
    except Exception:  # noqa: BLE001 - no Redis here: skip
        return None


@pytest.mark.skipif(_redis() is None, reason="Redis at 127.0.0.1:6379 is not running")
def test_bulk_rendering_through_rq(app, certificate, make_user, course):
    from rq import SimpleWorker

    from certificates import jobs

    pass_exam(make_user("trainee"), course)
    ids = db.session.scalars(select(Certificate.id)).all()
    db.session.execute(db.delete(CertificateFile))
    db.session.commit()
    app.config.update(REDIS_URL="redis://127.0.0.1:6379/0",
                      CERTIFICATE_QUEUE=f"sb-test-{uuid.uuid4().hex}")
    try:
        result = jobs.render_batch(ids)
        assert result["mode"] == "queued" and len(result["jobs"]) == 1
        q = jobs.queue(app)
        SimpleWorker([q], connection=q.connection).work(burst=True)
        db.session.commit()
        assert db.session.scalar(select(func.count(CertificateFile.id))) == 2
    finally:
        q = jobs.queue(app)
        q.delete(delete_jobs=True)
        q.connection.close()
        app.config.update(REDIS_URL=None, CERTIFICATE_QUEUE="skillbridge-certificates")


@pytest.mark.skipif(_redis() is None, reason="Redis at 127.0.0.1:6379 is not running")
def test_with_redis_issuing_queues_the_pdf_and_a_worker_renders_it(app, client, trainee,
                                                                   course):
    from rq import SimpleWorker

    from certificates import jobs
    from tests.factories import api_headers

    app.config.update(REDIS_URL="redis://127.0.0.1:6379/0",
                      CERTIFICATE_QUEUE=f"sb-test-{uuid.uuid4().hex}")
    q = jobs.queue(app)
    try:
        cert = pass_exam(trainee, course)
        assert db.session.scalar(select(func.count(CertificateFile.id))) == 0
        assert q.count == 1
        SimpleWorker([q], connection=q.connection).work(burst=True)
        db.session.commit()
        assert db.session.scalar(select(func.count(CertificateFile.id))) == 1
        response = client.get(f"/api/v1/certificates/{cert.serial}/pdf",
                              headers=api_headers(client, trainee))
        assert response.status_code == 200
        assert db.session.scalar(select(func.count(CertificateFile.id))) == 1  # the stored one
    finally:
        q.delete(delete_jobs=True)
        q.connection.close()
        app.config.update(REDIS_URL=None, CERTIFICATE_QUEUE="skillbridge-certificates")
