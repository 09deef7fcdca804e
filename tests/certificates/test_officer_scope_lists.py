"""A region-limited officer's certificate work stays in their regions: the results still
being issued (with the trainee's name) and an exam's re-render."""

from sqlalchemy import func, select

from accounts import scope
from certificates.keys import KeyStore
from certificates.models import CertificateFile
from core.extensions import db
from tests import factories
from tests.certificates.test_outbox import sit_and_pass
from tests.exams.helpers import setup_exam


def _officer_of(region: str):
    officer = factories.make_user("officer")
    scope.set_regions(None, officer, [region])
    db.session.commit()
    return officer


def test_results_being_issued_are_listed_to_officers_of_their_region(app, client, instructor,
                                                                    trainee):
    exam = setup_exam(instructor, trainee)  # course and trainee in 平湖市 (330482)
    real = app.extensions["certificate_keys"]
    app.extensions["certificate_keys"] = KeyStore(public=dict(real.public))  # no private key
    try:
        sit_and_pass(client, trainee, exam)
    finally:
        app.extensions["certificate_keys"] = real
    hunan, jiaxing = _officer_of("430100"), _officer_of("330400")

    def listed(officer) -> int:
        return client.get("/api/v1/certificates/issuing", headers=factories.api_headers(
            client, officer)).get_json()["total"]

    assert (listed(hunan), listed(jiaxing)) == (0, 1)
    factories.login(client, hunan)
    assert trainee.name not in client.get("/certificates/manage").get_data(as_text=True)


def test_an_exam_is_re_rendered_only_in_the_officers_regions(client, certificate):
    stored = db.session.scalar(select(func.count()).select_from(CertificateFile))
    rendered = client.post("/api/v1/certificates/render", headers=factories.api_headers(
        client, _officer_of("430100")), json={"exam_id": 77})
    assert rendered.status_code == 202 and rendered.get_json()["count"] == 0
    assert db.session.scalar(select(func.count()).select_from(CertificateFile)) == stored
    rendered = client.post("/api/v1/certificates/render", headers=factories.api_headers(
        client, _officer_of("330400")), json={"exam_id": 77})
    assert rendered.get_json()["count"] == 1
