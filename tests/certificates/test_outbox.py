"""Results are never lost: when issuing fails the exam result still commits, the outbox row
stays pending with its error (officers see "issuing"), and a retry issues the certificate."""

from sqlalchemy import func, select

from certificates.keys import KeyStore
from certificates.models import Certificate, IssuanceOutbox
from core import signals
from core.extensions import db
from exams.models import Attempt
from tests import factories
from tests.certificates.conftest import pass_exam
from tests.exams.helpers import correct_answer, setup_exam


def sit_and_pass(client, trainee, exam) -> dict:
    headers = factories.api_headers(client, trainee)
    body = client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).get_json()
    for question in body["questions"]:
        client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{question['id']}",
                   headers=headers, json={"answer": correct_answer(question)})
    response = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers)
    assert response.status_code == 200, response.get_json()
    return {"attempt_id": body["attempt_id"], **response.get_json()}


def test_no_signing_key_keeps_the_result_and_retry_issues(app, client, runner, instructor,
                                                         trainee, officer):
    exam = setup_exam(instructor, trainee)
    real = app.extensions["certificate_keys"]
    app.extensions["certificate_keys"] = KeyStore(public=dict(real.public))  # no private key
    try:
        result = sit_and_pass(client, trainee, exam)
    finally:
        app.extensions["certificate_keys"] = real
    assert result["passed"] is True
    attempt = db.session.get(Attempt, result["attempt_id"])
    assert attempt.passed is True and attempt.theory_score == 100  # committed
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    row = db.session.scalar(select(IssuanceOutbox))
    assert row.state == "pending" and row.attempt_id == attempt.id
    assert "signing key" in row.last_error and row.tries == 1
    # officers see it as issuing, with the error
    listed = client.get("/api/v1/certificates/issuing",
                        headers=factories.api_headers(client, officer)).get_json()
    assert listed["total"] == 1 and listed["items"][0]["status"] == "issuing"
    assert "signing key" in listed["items"][0]["last_error"]
    assert client.get("/api/v1/certificates/issuing",
                      headers=factories.api_headers(client, trainee)).status_code == 403
    factories.login(client, trainee)
    mine = client.get("/certificates/mine").get_data(as_text=True)
    assert 'id="issuing"' in mine and "cert-issuing" in mine  # the result is not lost
    client.post("/logout", data={"csrf_token": factories.csrf_token(client)})
    factories.login(client, officer)
    page = client.get("/certificates/manage").get_data(as_text=True)
    assert 'id="issuing"' in page and "signing key" in page
    # the trainee's result page is unaffected; the retry issues the certificate
    outcome = runner.invoke(args=["certificates", "retry"])
    assert outcome.exit_code == 0, outcome.output
    assert "1 certificates issued, 0 still pending" in outcome.output
    db.session.expire_all()
    row = db.session.get(IssuanceOutbox, row.id)
    cert = db.session.get(Certificate, row.certificate_id)
    assert row.state == "issued" and cert.attempt_id == attempt.id and cert.credential_jwt
    assert client.get(f"/api/v1/certificates/{cert.serial}/verify").get_json()["status"] == \
        "valid"
    again = runner.invoke(args=["certificates", "retry"])
    assert "0 certificates issued, 0 still pending" in again.output


def test_a_failing_listener_leaves_the_outbox_pending_then_retry_issues(runner, trainee,
                                                                        course):
    def listener(sender, certificate, actor):
        raise RuntimeError("subsidies broke")

    signals.certificate_issued.connect(listener)
    try:
        assert pass_exam(trainee, course, attempt_id=555) is None
        failing = runner.invoke(args=["certificates", "retry"])
        assert failing.exit_code == 1 and "subsidies broke" in failing.output
    finally:
        signals.certificate_issued.disconnect(listener)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    row = db.session.scalar(select(IssuanceOutbox).where(IssuanceOutbox.attempt_id == 555))
    assert row.state == "pending" and row.tries == 2 and "subsidies broke" in row.last_error
    assert runner.invoke(args=["certificates", "retry"]).exit_code == 0
    db.session.expire_all()
    row = db.session.get(IssuanceOutbox, row.id)
    assert row.state == "issued" and row.last_error is None
    assert pass_exam(trainee, course, attempt_id=555).id == row.certificate_id  # idempotent


def test_without_redis_the_sweep_renders_missing_pdfs_once(runner, trainee, course):
    from certificates import jobs
    from certificates.models import CertificateFile

    cert = pass_exam(trainee, course)
    assert cert.id not in jobs.without_pdf()  # without Redis the issue renders it inline
    db.session.execute(db.delete(CertificateFile).where(  # lost, say, in a crash
        CertificateFile.certificate_id == cert.id))
    db.session.commit()
    assert cert.id in jobs.without_pdf()
    result = runner.invoke(args=["certificates", "retry"])
    assert result.exit_code == 0 and "rendered now" in result.output
    files = db.session.scalars(db.select(CertificateFile).where(
        CertificateFile.certificate_id == cert.id)).all()
    assert [f.watermark for f in files] == ["none"]
    assert cert.id not in jobs.without_pdf()
    again = runner.invoke(args=["certificates", "retry"])
    assert "rendered now" not in again.output
