"""Every demo certificate came through the real issuance path: signed, a status index, a
stored credential, public answers without a 500, and a PDF that renders on first download."""

import time

from sqlalchemy import select

from accounts.demo import DEMO_PASSWORD
from certificates import verification
from certificates.models import Certificate
from core.extensions import db


def test_demo_certificates_are_real(runner, client):
    started = time.monotonic()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    elapsed = time.monotonic() - started
    certs = db.session.scalars(select(Certificate)).all()
    assert len(certs) >= 5, len(certs)  # each from a passed exam (the five-minute walk)
    assert all(c.signature and c.credential_jwt and c.status_index for c in certs)
    assert {verification.public_status(c) for c in certs} == {"valid"}
    assert len({c.status_index for c in certs}) == len(certs)
    for cert in certs:
        for url in (f"/api/v1/certificates/{cert.serial}/verify", f"/verify/{cert.serial}",
                    f"/api/v1/certificates/{cert.serial}/credential"):
            assert client.get(url).status_code == 200, url
    token = client.post("/api/v1/auth/token", json={
        "email": "officer@demo.skillbridge.cn", "password": DEMO_PASSWORD}).get_json()["token"]
    response = client.get(f"/api/v1/certificates/{certs[-1].serial}/pdf",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert elapsed < 120  # PDFs render lazily: the demo load stays quick
