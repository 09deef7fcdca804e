"""A trainee registers, searches the menu in Chinese, enrols, and finds the course in My courses."""

from tests import factories


def pick_region(page, province: str, city: str, district: str) -> None:
    """Province → city → district: each select is filled by static/js/regions.js."""
    assert page.locator("button.region-pick").count() == 0  # the no-JS button is gone
    page.select_option("#province", province)
    page.wait_for_selector(f"#city option[value='{city}']", state="attached")
    page.select_option("#city", city)
    page.wait_for_selector(f"#region_code option[value='{district}']", state="attached")
    page.select_option("#region_code", district)


def test_register_search_enrol(live_server, page, artifacts_dir, instructor):
    occupation = factories.make_occupation("4-01-02-07", "互联网营销师",
                                           "Internet marketing specialist")
    factories.make_course(instructor, occupation=occupation, title="直播销售员五级实训班",
                          mode="live")
    factories.make_course(instructor, title="中式烹调师五级", mode="offline")

    page.goto(live_server + "/register")
    page.fill("#phone", "13800138000")  # phone first; no email
    page.fill("#name", "李春花")
    page.fill("#id_number", "11010519491231002X")
    pick_region(page, "430000", "430100", "430102")
    page.check("input[value=rural_migrant]")
    page.fill("#password", "long-enough-1")
    page.fill("#confirm", "long-enough-1")
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_url("**/menu")
    assert "账号已创建" in page.inner_text("main")

    page.fill("input[name=q]", "直播")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/menu?*")
    results = page.inner_text(".course-list")
    assert "直播销售员五级实训班" in results and "中式烹调师五级" not in results
    page.screenshot(path=str(artifacts_dir / "menu-search-zh.png"), full_page=True)

    page.click("text=直播销售员五级实训班")
    page.click("button:has-text('报名')")
    page.wait_for_url("**/my/courses")
    assert "直播销售员五级实训班" in page.inner_text(".course-list")
    page.screenshot(path=str(artifacts_dir / "my-courses.png"), full_page=True)


def test_bad_id_number_shows_a_clear_error(live_server, page):
    page.goto(live_server + "/register")
    page.fill("#name", "王军")
    page.fill("#id_number", "110105194912310021")
    page.fill("#phone", "13900139000")
    pick_region(page, "330000", "330100", "330105")
    page.fill("#email", "wang@example.cn")
    page.fill("#password", "long-enough-1")
    page.fill("#confirm", "long-enough-1")
    page.check("#consent")
    page.click("button[type=submit]")
    assert "校验码不正确" in page.inner_text("main")
