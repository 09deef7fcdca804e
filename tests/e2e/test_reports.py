"""An officer opens the reports page: the charts render, and a filter changes the figures."""

from tests.factories import make_course, make_institution, make_user
from tests.reports.helpers import at, certify, enrol_at, job


def test_officer_reports_charts_and_filter(live_server, page, artifacts_dir, instructor):
    pinghu = make_course(instructor, region_code="330482",
                         institution_id=make_institution(region_code="330482").id)
    changsha = make_course(instructor, region_code="430121")
    for n in range(5):
        trainee = make_user("trainee")
        enrol_at(trainee, pinghu if n < 3 else changsha, at(2026, 2 + n))
        if n < 2:
            certify(trainee, pinghu, at(2026, 8))
            job(trainee, pinghu)
    officer = make_user("officer", email="zhou.min@example.test")
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server + "/login")
    page.fill("input[name=email]", officer.email)
    page.fill("input[name=password]", "secret-pass-1")
    page.click("form button[type=submit]")
    page.goto(live_server + "/reports?year=2026")
    page.wait_for_selector("#report-charts[data-rendered=true]")
    trained = page.locator('[data-figure="trained"] .figure')
    assert trained.inner_text() == "5"
    # Chart.js drew on every canvas (a drawn canvas is not blank).
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll('#report-charts canvas'))
        .map(c => c.width > 0 && c.toDataURL() !== document.createElement('canvas').toDataURL())""")
    assert drawn == [True, True, True]
    page.screenshot(path=str(artifacts_dir / "reports-charts.png"), full_page=True)
    page.select_option("#province", "430000")  # the picker fills city and district
    page.wait_for_selector("#city option[value='430100']", state="attached")
    page.select_option("#city", "430100")
    page.wait_for_selector("#region option[value='430121']", state="attached")
    page.select_option("#region", "430121")
    page.click("#report-filters button[type=submit]")
    page.wait_for_selector("#report-charts[data-rendered=true]")
    assert page.locator('[data-figure="trained"] .figure').inner_text() == "2"
    assert page.locator('[data-figure="employed"] .figure').inner_text() == "0"
    page.screenshot(path=str(artifacts_dir / "reports-filtered.png"), full_page=True)
    assert errors == []
