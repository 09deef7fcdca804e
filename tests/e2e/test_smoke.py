"""The browser loads the home page under the real CSP without console errors."""


def test_home_page_renders_in_chromium(live_server, page, artifacts_dir):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server + "/")
    assert page.locator("a.brand").inner_text().startswith("技能桥")
    page.screenshot(path=str(artifacts_dir / "home.png"))
    assert errors == []
