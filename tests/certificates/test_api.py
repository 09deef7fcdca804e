"""The certificate API contract: listing, verification, PDF checks, revocation, keys."""

import io

import pytest
from sqlalchemy import select

from core import signals
from core.audit import AuditLog
from core.extensions import db
from tests.factories import api_headers


def test_trainee_lists_own_certificates_only(client, trainee, certificate, make_user, course):
    from tests.certificates.conftest import pass_exam

    other = make_user("trainee", name="王军")
    pass_exam(other, course)
    body = client.get("/api/v1/me/certificates", headers=api_headers(client, trainee)).get_json()
    assert body["total"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert item["serial"] == certificate.serial and item["status"] == "valid"
    assert item["pdf_url"] == f"/api/v1/certificates/{certificate.serial}/pdf"
    assert item["holder_name"] == "李春花"


@pytest.mark.parametrize("role, status", [("trainee", 200), ("officer", 403),
                                          ("instructor", 403), (None, 401)])
def test_my_certificates_access(client, make_user, role, status):
    headers = api_headers(client, make_user(role)) if role else {}
    assert client.get("/api/v1/me/certificates", headers=headers).status_code == status


def test_public_verification_masks_the_holder(client, certificate):
    response = client.get(f"/api/v1/certificates/{certificate.serial}/verify")
    assert response.status_code == 200
    body = response.get_json()
    assert body["serial"] == certificate.serial and body["status"] == "valid"
    assert body["holder"]["name_masked"] == "李**"
    assert body["holder"]["id_masked"] == certificate.holder_id_masked
    assert "李春花" not in response.get_data(as_text=True)
    assert body["occupation"]["code"] == "4-01-02-07" and body["level"] == 5
    assert body["signature_valid"] is True and body["issued_at"].endswith("+08:00")


def test_unknown_serial_is_404(client):
    response = client.get("/api/v1/certificates/SB202633010050001238/verify")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "certificate_not_found"


def test_tampered_payload_or_signature_is_detected(client, certificate):
    certificate.payload = certificate.payload.replace("李春花", "李春华")
    db.session.commit()
    body = client.get(f"/api/v1/certificates/{certificate.serial}/verify").get_json()
    assert body["signature_valid"] is False
    certificate.payload = certificate.payload.replace("李春华", "李春花")
    db.session.commit()
    assert client.get(f"/api/v1/certificates/{certificate.serial}/verify") \
        .get_json()["signature_valid"] is True
    sig = certificate.signature
    certificate.signature = ("A" if sig[0] != "A" else "B") + sig[1:]
    db.session.commit()
    assert client.get(f"/api/v1/certificates/{certificate.serial}/verify") \
        .get_json()["signature_valid"] is False


def test_officer_revokes_with_reason(client, officer, certificate):
    seen = []

    def listener(sender, certificate, actor):
        seen.append(certificate.serial)

    headers = api_headers(client, officer)
    url = f"/api/v1/certificates/{certificate.serial}/revoke"
    signals.certificate_revoked.connect(listener)
    try:
        empty = client.post(url, json={"reason": "  "}, headers=headers)
        assert empty.status_code == 422 and "reason" in empty.get_json()["error"]["fields"]
        assert client.post(url, json={}, headers=headers).status_code == 422
        bad = client.post(url, json={"reason": "x", "category": "grudge"}, headers=headers)
        assert bad.status_code == 422 and "category" in bad.get_json()["error"]["fields"]
        response = client.post(url, json={"reason": "考试作弊，经查实", "category": "fraud"},
                               headers=headers)
    finally:
        signals.certificate_revoked.disconnect(listener)
    assert response.status_code == 200 and response.get_json()["status"] == "revoked"
    assert seen == [certificate.serial]
    again = client.post(url, json={"reason": "again"}, headers=headers)
    assert again.status_code == 409
    public = client.get(f"/api/v1/certificates/{certificate.serial}/verify")
    body = public.get_json()
    # the public sees the category; the officer's own words stay internal
    assert body["status"] == "revoked" and body["revoked_reason"] == "fraud"
    assert "考试作弊" not in public.get_data(as_text=True)
    assert response.get_json()["revoked_reason"] == "考试作弊，经查实"  # the officer's view
    assert body["revoked_at"]
    actions = db.session.scalars(select(AuditLog.action)).all()
    assert "certificate.revoke" in actions


@pytest.mark.parametrize("role, status", [("trainee", 403), ("instructor", 403), (None, 401),
                                          ("enterprise", 403)])
def test_only_officers_revoke(client, make_user, certificate, role, status):
    headers = api_headers(client, make_user(role)) if role else {}
    response = client.post(f"/api/v1/certificates/{certificate.serial}/revoke",
                           json={"reason": "x"}, headers=headers)
    assert response.status_code == status
    db.session.refresh(certificate)
    assert certificate.status == "valid"


def test_revoke_unknown_serial_is_404(client, officer):
    response = client.post("/api/v1/certificates/SB202633010050001238/revoke",
                           json={"reason": "x"}, headers=api_headers(client, officer))
    assert response.status_code == 404


def test_jwks_serves_the_ed25519_public_key(client, certificate):
    response = client.get("/.well-known/skillbridge-keys.json")
    assert response.status_code == 200
    keys = response.get_json()["keys"]
    key = next(k for k in keys if k["kid"] == certificate.key_id)
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and len(key["x"]) == 43
    assert "d" not in key


def test_offline_check_with_only_the_jwks(client, certificate):
    """A third party verifies the signature with the published key, without our code."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    jwk = next(k for k in client.get("/.well-known/skillbridge-keys.json").get_json()["keys"]
               if k["kid"] == certificate.key_id)
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(pad(jwk["x"])))
    public.verify(base64.urlsafe_b64decode(pad(certificate.signature)),
                  certificate.payload.encode())


def test_pdf_download_access(client, trainee, instructor, officer, make_user, certificate):
    url = f"/api/v1/certificates/{certificate.serial}/pdf"
    for user, status in [(trainee, 200), (instructor, 200), (officer, 200),
                         (make_user("trainee"), 403), (make_user("instructor"), 403),
                         (make_user("enterprise"), 403)]:
        response = client.get(url, headers=api_headers(client, user))
        assert response.status_code == status, user.role
        if status == 200:
            assert response.data.startswith(b"%PDF")
    assert client.get(url).status_code == 401


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(200, 200)
    writer.write(out)
    return out.getvalue()


def _upload(client, data: bytes):
    return client.post("/api/v1/certificates/verify-pdf",
                       data={"file": (io.BytesIO(data), "c.pdf")},
                       content_type="multipart/form-data")


def test_uploaded_pdf_authentic_altered_unknown(client, trainee, certificate):
    pdf = client.get(f"/api/v1/certificates/{certificate.serial}/pdf",
                     headers=api_headers(client, trainee)).data
    body = _upload(client, pdf).get_json()
    assert body["result"] == "authentic" and body["serial"] == certificate.serial
    assert body["status"] == "valid"
    for position in (len(pdf) // 3, len(pdf) // 2, len(pdf) - 200):
        altered = bytearray(pdf)
        altered[position] ^= 0x01
        result = _upload(client, bytes(altered)).get_json()
        assert result["result"] == "altered", position
        assert result["serial"] == certificate.serial
    assert _upload(client, _blank_pdf()).get_json()["result"] == "unknown"
    truncated = _upload(client, b"%PDF-1.7 not ours")
    assert truncated.status_code == 422 and truncated.get_json()["error"]["code"] == "invalid_pdf"
    assert _upload(client, b"").status_code == 422
    missing = client.post("/api/v1/certificates/verify-pdf", data={},
                          content_type="multipart/form-data")
    assert missing.status_code == 422


def test_forged_pdfs_built_from_a_genuine_one_read_altered(client, trainee, certificate):
    """What a forger can do with a genuine PDF short of flipping bytes: add an incremental
    update (new text over the page), re-save it with another writer, or copy its signed
    attachment into a blank page. None are the bytes we issued, all name our serial."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import FreeText

    from certificates.pdf import ATTACHMENT_NAME

    genuine = client.get(f"/api/v1/certificates/{certificate.serial}/pdf",
                         headers=api_headers(client, trainee)).data
    assert _upload(client, genuine).get_json()["result"] == "authentic"

    incremental = PdfWriter(io.BytesIO(genuine), incremental=True)
    incremental.add_metadata({"/Title": "升级为高级技师"})
    incremental.add_annotation(0, FreeText(text="高级技师（一级）", rect=(50, 400, 400, 440)))
    updated = io.BytesIO()
    incremental.write(updated)
    assert updated.getvalue().startswith(genuine)  # the original bytes, plus an update

    resaved = io.BytesIO()
    PdfWriter(clone_from=PdfReader(io.BytesIO(genuine))).write(resaved)

    carrier = PdfWriter()
    carrier.add_blank_page(595, 842)
    carrier.add_attachment(ATTACHMENT_NAME,
                           PdfReader(io.BytesIO(genuine)).attachments[ATTACHMENT_NAME][0])
    copied = io.BytesIO()
    carrier.write(copied)

    for label, forged in [("incremental update", updated.getvalue()),
                          ("re-saved", resaved.getvalue()),
                          ("blank page with the genuine attachment", copied.getvalue())]:
        response = _upload(client, forged)
        body = response.get_json()
        assert response.status_code == 200, label
        assert body["result"] == "altered" and body["serial"] == certificate.serial, label
        assert body["status"] == "valid", label  # the certificate is; this file is not it


def test_verification_is_rate_limited(database_url, instance_dir, certificate):
    """A dedicated app with rate limits on (the suite runs with them off)."""
    from core.extensions import limiter
    from tests.conftest import make_app

    limited = make_app(database_url, instance_dir, RATELIMIT_ENABLED=True)
    serial = certificate.serial
    db.session.commit()
    try:
        client = limited.test_client()
        codes = [client.get(f"/api/v1/certificates/{serial}/verify").status_code
                 for _ in range(61)]
        assert codes[:60] == [200] * 60
        limited_response = client.get(f"/api/v1/certificates/{serial}/verify")
        assert limited_response.status_code == 429
        assert limited_response.get_json()["error"]["code"] == "rate_limited"
    finally:
        limiter.enabled = False  # the shared extension object: back to the suite's setting
        with limited.app_context():
            db.engine.dispose()


def test_verification_cache_forgets_a_revoked_certificate_at_once(app, client, officer,
                                                                  certificate):
    from certificates import cache

    app.config["CERTIFICATE_VERIFY_CACHE_SECONDS"] = 60
    cache.clear()
    try:
        url = f"/api/v1/certificates/{certificate.serial}/verify"
        assert client.get(url).get_json()["status"] == "valid"
        genuine, certificate.holder_id_masked = certificate.holder_id_masked, "changed-in-db"
        db.session.commit()
        assert client.get(url).get_json()["status"] == "valid"  # cached (else: altered)
        certificate.holder_id_masked = genuine
        db.session.commit()
        client.post(f"/api/v1/certificates/{certificate.serial}/revoke",
                    json={"reason": "撤销"}, headers=api_headers(client, officer))
        assert client.get(url).get_json()["status"] == "revoked"
    finally:
        app.config["CERTIFICATE_VERIFY_CACHE_SECONDS"] = 0
        cache.clear()
