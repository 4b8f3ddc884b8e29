"""The reports page in headless Chromium: every chart draws from the JSON endpoint, no CSP error.

A demo history is loaded first; the screenshot lands in test-artifacts/reports.png.
"""

from __future__ import annotations

import threading

import pytest

from app import demo_data
from app.accounts import create_agent
from tests.test_browser import ARGS, ARTIFACTS, CHROMIUM, PASSWORD, require_chromium, shot

pytestmark = pytest.mark.browser
CHARTS = ("kind", "service", "priority", "times", "sla", "backlog", "override")


@pytest.fixture
def reports_url(app_factory):
    """Serve an app holding the demo history; yield its base URL."""
    require_chromium()
    from waitress.server import create_server

    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        create_agent("agent@example.org", PASSWORD, role="admin", name="Alex Agent")
        demo_data.load(limit=400)
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


def test_reports_page_draws_every_chart(reports_url):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(base_url=reports_url, viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto("/login")
        page.fill("input[name=email]", "agent@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.goto("/reports")
        page.wait_for_selector("#reports[data-ready=true]", timeout=10000)
        for name in CHARTS:
            assert _painted(page, f"chart-{name}") > 2000, name
        assert "tickets opened" in page.inner_text("#report-summary")
        shot(page, "reports")
        browser.close()
    assert problems == []


def _painted(page, canvas_id: str) -> int:
    """Count the canvas pixels Chart.js drew (non-transparent)."""
    return page.evaluate(
        "id => { const c = document.getElementById(id);"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }",
        canvas_id)
