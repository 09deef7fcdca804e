"""A trainee gives a bank card on a phone; an officer approves one claim and rejects another
with a reason; a second officer batches and downloads the CSV (four eyes), the first marks the
batch paid; each trainee sees the outcome on My subsidies."""

from pathlib import Path

from tests.factories import grant_attendance, make_course, make_user
from tests.subsidies.conftest import claim_of, issue, make_policy


def login(page, base, user):
    page.goto(base + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "secret-pass-1")
    page.click("form button[type=submit]")


def test_officer_reviews_batches_and_trainees_see_outcomes(live_server, browser, page,
                                                           artifacts_dir):
    make_policy()
    course = make_course(required_hours=64)
    good = make_user("trainee", name="钱多多", confirmed_groups=["rural_migrant"])
    bad = make_user("trainee", name="孙少平", confirmed_groups=["laid_off"])
    for trainee in (good, bad):
        grant_attendance(trainee, course, 64 * 60, source="lesson")
    ok_claim = claim_of(issue(good, course))
    no_claim = claim_of(issue(bad, course))
    officer = make_user("officer")
    second = make_user("officer")

    phone = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    mobile = phone.new_page()
    login(mobile, live_server, good)
    mobile.goto(live_server + "/my/subsidies/bank-account")
    assert mobile.get_attribute("input[name=account_number]", "inputmode") == "numeric"
    mobile.fill("input[name=bank_name]", "中国农业银行")
    mobile.fill("input[name=account_number]", "6200 0000 0000 0005")
    mobile.click("#save-bank-account")
    mobile.wait_for_selector("#bank-masked")
    assert mobile.inner_text("#bank-masked").endswith("0005")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360
    mobile.screenshot(path=str(artifacts_dir / "bank-account-phone.png"), full_page=True)
    phone.close()

    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, officer)
    page.goto(live_server + "/subsidies/")
    assert page.locator(f"tr[data-claim-id='{ok_claim.id}']").count() == 1
    page.screenshot(path=str(artifacts_dir / "subsidies-queue.png"), full_page=True)

    page.click(f"tr[data-claim-id='{ok_claim.id}'] a")
    page.click("#approve")
    page.wait_for_url(live_server + "/subsidies/")
    page.goto(live_server + f"/subsidies/claims/{no_claim.id}")
    page.click("#reject")  # no reason: refused, nothing changes
    assert page.locator(".field.has-error").count() == 1
    page.fill("textarea[name=reason]", "培训机构出勤记录与实际不符")
    page.click("#reject")
    page.wait_for_url(live_server + "/subsidies/")

    page.goto(live_server + "/subsidies/batches")
    assert page.locator("#waiting-own").count() == 1  # four eyes: not this officer's to batch

    other_officer = browser.new_context(locale="zh-CN")
    batcher = other_officer.new_page()
    login(batcher, live_server, second)
    batcher.goto(live_server + "/subsidies/batches")
    batcher.click("#create-batch")
    batcher.wait_for_selector("#download-csv")
    with batcher.expect_download() as info:
        batcher.click("#download-csv")
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert "钱多多" in text and good.profile.id_number in text and "孙少平" not in text
    assert "6200000000000005" in text
    batch_url = batcher.url
    other_officer.close()

    page.goto(batch_url)
    page.click("#mark-paid")
    page.wait_for_selector(".tag-paid")
    page.screenshot(path=str(artifacts_dir / "subsidies-batch.png"), full_page=True)
    # The refused rejection answers 422 on purpose; nothing else may log an error.
    assert [e for e in errors if "422" not in e] == []

    for trainee, expected in ((good, "已支付"), (bad, "培训机构出勤记录与实际不符")):
        context = browser.new_context(locale="zh-CN")
        other = context.new_page()
        login(other, live_server, trainee)
        other.goto(live_server + "/my/subsidies")
        assert expected in other.locator("main").inner_text()
        other.screenshot(path=str(artifacts_dir / f"my-subsidies-{trainee.id}.png"),
                         full_page=True)
        context.close()
