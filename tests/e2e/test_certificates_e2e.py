"""In Chromium: the trainee finds the certificate, its QR link shows it valid, an officer
revokes it on the management page; on the next request the public verification page, the
W3C status list bit and the PDF check all say revoked (the officer's words stay internal)."""

import base64
import gzip
import json

from tests.certificates.conftest import pass_exam
from tests.factories import make_course, make_institution, make_user


def _login(page, base, user):
    page.goto(base + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "secret-pass-1")
    page.click("form button[type=submit]")


def _status_bit(page, credential_url: str) -> int:
    token = page.request.get(credential_url).text()
    vc = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["vc"]
    entry = vc["credentialStatus"]
    listed = page.request.get(entry["statusListCredential"].replace(
        "http://localhost", credential_url.split("/api/")[0]),
        headers={"Accept": "application/json"}).json()
    encoded = listed["credentialSubject"]["encodedList"][1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    index = int(entry["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_certificate_lifecycle_in_the_browser(live_server, browser, page, artifacts_dir,
                                              instructor, tmp_path):
    course = make_course(instructor, title="直播销售员五级实训班",
                         institution_id=make_institution(name="平湖市职业技能培训中心").id)
    trainee = make_user("trainee", name="李春花")
    cert = pass_exam(trainee, course)
    serial, signature = cert.serial, cert.signature
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _login(page, live_server, trainee)
    page.goto(live_server + "/certificates/mine")
    assert serial in page.locator("main, body").first.inner_text()
    page.screenshot(path=str(artifacts_dir / "certificates-mine.png"), full_page=True)
    # what the QR code opens
    page.goto(f"{live_server}/verify/{serial}?s={signature}")
    verdict = page.locator("#verdict")
    assert "有效" in verdict.inner_text() and "李**" in verdict.inner_text()
    assert "与本证书一致" in verdict.inner_text()
    page.screenshot(path=str(artifacts_dir / "certificates-verify-valid.png"), full_page=True)
    pdf_path = tmp_path / f"{serial}.pdf"
    pdf_path.write_bytes(page.request.get(f"{live_server}/certificates/{serial}.pdf").body())
    credential_url = f"{live_server}/api/v1/certificates/{serial}/credential"
    assert _status_bit(page, credential_url) == 0

    officer = make_user("officer")
    context = browser.new_context(locale="zh-CN")
    officer_page = context.new_page()
    try:
        _login(officer_page, live_server, officer)
        officer_page.goto(f"{live_server}/certificates/manage?q={serial}")
        row = officer_page.locator(f"#cert-{serial}")
        row.locator("summary").first.click()
        row.locator("select[name=category]").select_option("fraud")
        row.locator("textarea[name=reason]").fill("考试替考，经查实")
        row.locator("form").first.locator("button[type=submit]").click()
        officer_page.wait_for_selector(".flash-success")
        assert "已撤销" in officer_page.locator(f"#cert-{serial}").inner_text()
    finally:
        context.close()

    page.goto(f"{live_server}/verify/{serial}")
    text = page.locator("#verdict").inner_text()
    assert "已撤销" in text and "欺诈或作弊" in text and "考试替考" not in text
    page.screenshot(path=str(artifacts_dir / "certificates-verify-revoked.png"), full_page=True)
    assert _status_bit(page, credential_url) == 1
    # the genuine PDF, uploaded on the public page, is authentic but revoked
    page.locator("input[name=file]").set_input_files(str(pdf_path))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_selector("#pdf-verdict")
    assert "已撤销" in page.locator("#verdict").inner_text()
    check = page.request.post(f"{live_server}/api/v1/certificates/verify-pdf", multipart={
        "file": {"name": "c.pdf", "mimeType": "application/pdf",
                 "buffer": pdf_path.read_bytes()}}).json()
    assert check == {**check, "result": "authentic", "status": "revoked"}
    assert errors == []
