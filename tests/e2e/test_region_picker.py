"""The course form's region picker in Chromium: the selects fill themselves as the instructor
picks (static/js/regions.js, under the real CSP), offering the whole province or city too, and
the server accepts what they send."""

from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from courses.models import Course
from tests import factories


def test_instructor_picks_a_whole_city_for_a_course(live_server, page, instructor):
    factories.make_occupation("4-01-02-07", "互联网营销师", "Internet marketing")
    school = factories.make_institution("平湖职校")
    factories.assign_provider(instructor, school)
    db.session.commit()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server + "/login")
    page.fill("input[name=email]", instructor.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.goto(live_server + "/teach/courses/new")
    expect(page.locator(".region-pick")).to_have_count(0)  # no reload button with JS

    district = page.locator("select[name=region_code]")
    page.select_option("select[name=province]", "330000")
    expect(district.locator("option[value='330000']")).to_have_text("浙江省（全省）")
    expect(page.locator("select[name=city] option[value='330400']")).to_have_text("嘉兴市")
    page.select_option("select[name=city]", "330400")
    expect(district.locator("option[value='330400']")).to_have_text("嘉兴市（全市）")
    expect(district.locator("option[value='330482']")).to_have_text("平湖市")
    expect(district.locator("option[value='330000']")).to_have_count(0)
    page.select_option("select[name=city]", "")  # back to the province as a whole
    expect(district.locator("option")).to_have_text(["请选择…", "浙江省（全省）"])

    page.select_option("select[name=city]", "330400")
    expect(district.locator("option[value='330400']")).to_have_count(1)
    page.select_option("select[name=region_code]", "330400")
    page.fill("input[name=title]", "助农直播")
    page.select_option("select[name=provider]", f"institution:{school.id}")
    page.select_option("select[name=occupation_code]", "4-01-02-07")
    page.fill("input[name=required_hours]", "64")
    page.locator("form button[type=submit]", has_text="保存").first.click()
    expect(page.locator("h1")).to_have_text("助农直播")
    db.session.expire_all()
    course = db.session.scalar(select(Course).where(Course.title == "助农直播"))
    assert course.region_code == "330400"
    assert errors == []


def _log_in(page, live_server, user):
    page.goto(live_server + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form button[type=submit]")


def test_a_limited_officer_filters_claims_within_their_regions(live_server, page):
    from accounts import scope

    officer = factories.make_user("officer", email="jx@bureau.example.cn")
    scope.set_regions(None, officer, ["330400", "430100"])
    db.session.commit()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _log_in(page, live_server, officer)
    page.goto(live_server + "/subsidies/")
    province = page.locator("select[name=province]")
    expect(province.locator("option")).to_have_text(["您的全部地区", "浙江省", "湖南省"])
    page.select_option("select[name=province]", "330000")
    city = page.locator("select[name=city]")
    expect(city.locator("option")).to_have_text(["全部城市", "嘉兴市"])  # not 杭州市 and the rest
    page.select_option("select[name=city]", "330400")
    expect(page.locator("select[name=region] option[value='330482']")).to_have_text("平湖市")
    page.select_option("select[name=region]", "330482")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("select[name=region]")).to_have_value("330482")
    assert "region=330482" in page.url
    assert errors == []
