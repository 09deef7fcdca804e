"""In Chromium: the trainee finds the certificate, its QR link shows it valid, an officer
revokes it on the management page and the public verification page then says revoked."""

from tests.certificates.conftest import pass_exam
from tests.factories import make_course, make_institution, make_user


def _login(page, base, user):
    page.goto(base + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "secret-pass-1")
    page.click("form button[type=submit]")


def test_certificate_lifecycle_in_the_browser(live_server, browser, page, artifacts_dir,
                                              instructor):
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

    officer = make_user("officer")
    context = browser.new_context(locale="zh-CN")
    officer_page = context.new_page()
    try:
        _login(officer_page, live_server, officer)
        officer_page.goto(f"{live_server}/certificates/manage?q={serial}")
        row = officer_page.locator(f"#cert-{serial}")
        row.locator("summary").first.click()
        row.locator("textarea[name=reason]").fill("考试替考，经查实")
        row.locator("form").first.locator("button[type=submit]").click()
        officer_page.wait_for_selector(".flash-success")
        assert "已撤销" in officer_page.locator(f"#cert-{serial}").inner_text()
    finally:
        context.close()

    page.goto(f"{live_server}/verify/{serial}")
    text = page.locator("#verdict").inner_text()
    assert "已撤销" in text and "考试替考，经查实" in text
    page.screenshot(path=str(artifacts_dir / "certificates-verify-revoked.png"), full_page=True)
    assert errors == []
