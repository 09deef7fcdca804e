"""Browser tests: the app served on a loopback port, driven by Playwright in Debian's Chromium."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


_bodies = threading.local()


def _tracking(app):
    """The app, remembering each response body on the thread that serves it."""
    def wrapped(environ, start_response):
        body = app(environ, start_response)
        _bodies.__dict__.setdefault("open", []).append(body)
        return body
    return wrapped


class _ClosingHandler(WSGIRequestHandler):
    """Werkzeug's dev server skips the response's close() when the browser drops the
    connection while it drains the request (a video range request Chromium aborts): the
    lesson file stays open and pytest reports a ResourceWarning. Close what is left here."""

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            for body in _bodies.__dict__.pop("open", []):
                if hasattr(body, "close"):
                    body.close()


@pytest.fixture
def live_server(app):
    """Base URL of the app served in a background thread (same database as the test)."""
    server = make_server("127.0.0.1", 0, _tracking(app), threaded=True,
                         request_handler=_ClosingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium "
                    "(bash .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, artifacts_dir, request):
    """A fresh browser context per test; a screenshot is kept in test-artifacts/ on failure."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        page.screenshot(path=str(artifacts_dir / f"{request.node.name}-failure.png"),
                        full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
