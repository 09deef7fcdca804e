"""Key-group evidence uploads and the officer's confirmation."""

from pathlib import Path

import pytest
from flask import current_app

from accounts.models import KeyGroupDeclaration
from core.extensions import db
from subsidies.models import KeyGroupEvidence
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def put(client, headers, group, data, name="proof.pdf"):
    # The body is encoded here: the test client would spool a large one to a temporary file
    # that it never closes (a ResourceWarning, which this suite treats as an error).
    boundary = "----skillbridge-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return client.put(f"/api/v1/me/key-groups/{group}/evidence", headers=headers, data=body,
                      content_type=f"multipart/form-data; boundary={boundary}")


def test_upload_is_stored_outside_the_web_root(client, trainee):
    headers = factories.api_headers(client, trainee)
    response = put(client, headers, "laid_off", PDF)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["group"] == "laid_off" and body["status"] == "declared"
    assert body["evidence"][0]["filename"] == "proof.pdf"
    row = db.session.scalar(db.select(KeyGroupEvidence))
    path = Path(current_app.instance_path) / "evidence" / row.stored_name
    assert path.read_bytes() == PDF
    assert "static" not in str(path)
    assert put(client, headers, "laid_off", PNG, "card.png").status_code == 200
    assert len(client.put("/api/v1/me/key-groups/laid_off/evidence", headers=headers).get_json()
               ["error"]["fields"]) == 1


@pytest.mark.parametrize("data,name,status", [
    (b"MZ\x90\x00 not a pdf", "proof.pdf", 422),
    (b"<html><script>alert(1)</script>", "proof.png", 422),
    (b"", "empty.pdf", 422),
    (b"%PDF-" + b"0" * (5 * 1024 * 1024), "big.pdf", 413),
])
def test_bad_files_are_refused_and_nothing_is_stored(client, trainee, data, name, status):
    response = put(client, factories.api_headers(client, trainee), "veteran", data, name)
    assert response.status_code == status
    assert "file" in response.get_json()["error"]["fields"]
    assert db.session.scalar(db.select(db.func.count()).select_from(KeyGroupEvidence)) == 0
    assert db.session.scalar(db.select(KeyGroupDeclaration).where(
        KeyGroupDeclaration.group == "veteran")) is None


def test_unknown_group_is_404(client, trainee):
    assert put(client, factories.api_headers(client, trainee), "wizard", PDF).status_code == 404


def test_only_trainees_upload(client, officer):
    assert put(client, factories.api_headers(client, officer), "veteran", PDF).status_code == 403
    assert put(client, {}, "veteran", PDF).status_code == 401


def test_officer_confirms_and_refuses(client, officer):
    trainee = factories.make_user("trainee", key_groups=["laid_off", "veteran"])
    headers = factories.api_headers(client, officer)
    url = f"/api/v1/trainees/{trainee.id}/key-groups/%s/confirm"
    ok = client.post(url % "laid_off", json={"confirmed": True}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["status"] == "confirmed"
    no = client.post(url % "veteran", json={"confirmed": False}, headers=headers)
    assert no.get_json()["status"] == "refused"
    assert client.post(url % "disabled", json={"confirmed": True},
                       headers=headers).status_code == 404
    assert client.post(url % "laid_off", json={}, headers=headers).status_code == 422
    assert client.post("/api/v1/trainees/999999/key-groups/veteran/confirm",
                       json={"confirmed": True}, headers=headers).status_code == 404
    own = client.post(url % "laid_off", json={"confirmed": True},
                      headers=factories.api_headers(client, trainee))
    assert own.status_code == 403


def test_evidence_download_only_for_holder_and_officers(client, trainee, officer):
    put(client, factories.api_headers(client, trainee), "veteran", PDF)
    row = db.session.scalar(db.select(KeyGroupEvidence))
    factories.login(client, trainee)
    response = client.get(f"/subsidies/evidence/{row.id}")
    assert response.status_code == 200 and response.data == PDF
    other = client.application.test_client()
    factories.login(other, factories.make_user("trainee"))
    assert other.get(f"/subsidies/evidence/{row.id}").status_code == 404
    boss = client.application.test_client()
    factories.login(boss, officer)
    assert boss.get(f"/subsidies/evidence/{row.id}").status_code == 200
