"""The main flows in a real browser: headless Chromium (Debian's) through Playwright.

The app runs under waitress on a free loopback port, with CSRF on as in
production. Screenshots land in test-artifacts/ for a human look.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from app.accounts import create_agent

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("GATEWAY_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
PASSWORD = "correct horse battery"


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"Chromium missing at {CHROMIUM} (CI must have it)")
    pytest.skip(f"Chromium not found at {CHROMIUM}")


@pytest.fixture
def live_url(app_factory):
    """Serve a fresh app (CSRF on) with waitress in a thread; yield its base URL."""
    require_chromium()
    from waitress.server import create_server

    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        create_agent("agent@example.org", PASSWORD, role="admin", name="Alex Agent")
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def page(live_url):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(5000)
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.problems = problems
        yield page
        context.close()
        browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def report_in_browser(page, tmp_path) -> str:
    page.goto("/report")
    page.fill("input[name=name]", "Robin Reporter")
    page.fill("input[name=email]", "robin@example.com")
    page.select_option("select[name=service]", "VPN")
    page.fill("input[name=summary]", "VPN drops every few minutes")
    page.fill("textarea[name=description]",
              "Since this morning the VPN disconnects every few minutes. Nobody in the "
              "office can stay connected.")
    page.check("input[name=affected][value=everyone]")
    page.check("input[name=can_work][value=no]")
    screenshot = tmp_path / "vpn-error.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n fake screenshot")
    page.set_input_files("input[name=attachment]", str(screenshot))
    shot(page, "01-report-form")
    page.click("button[type=submit]")
    ref = page.text_content("#ticket-ref")
    shot(page, "02-report-done")
    return ref


def test_reporter_and_agent_flows(page, tmp_path):
    # (1) A reporter fills the form and sees the reference.
    page.goto("/report")
    page.click("button[type=submit]")  # empty: field errors, nothing stored
    assert page.locator(".field.has-error").count() >= 4
    shot(page, "00-report-errors")
    ref = report_in_browser(page, tmp_path)
    assert re.fullmatch(r"(INC|REQ)-\d{6}", ref)

    # (2) An agent logs in, finds it in the queue and opens it.
    page.goto("/")
    assert "/login" in page.url
    shot(page, "03-login")
    page.fill("input[name=email]", "agent@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    shot(page, "04-queue")
    page.click(f"text={ref}")
    page.wait_for_url(f"**/tickets/{ref}")
    assert page.is_visible("text=vpn-error.png")
    assert page.locator(".reasons li").count() > 0
    shot(page, "05-ticket")

    # Confirm the classification as an incident, impact 1, urgency 2 (P2).
    form = page.locator("section.classifier form")
    form.locator("select[name=kind]").select_option("incident")
    form.locator("select[name=impact]").select_option("1")
    form.locator("select[name=urgency]").select_option("2")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".flash.ok")
    assert "priority P2" in page.text_content(".flash.ok")
    ref = page.text_content(".ticket-head .ref")
    assert ref.startswith("INC-")

    # A public reply goes to the outbox.
    page.select_option("select[name=visibility]", "public")
    page.fill("textarea[name=body]", "We are looking into the VPN gateway now.")
    page.click("section.thread button[type=submit]")
    page.wait_for_selector(".flash.ok")
    assert "Reply queued to robin@example.com" in page.text_content(".flash.ok")
    shot(page, "06-ticket-after-reply")

    page.click("header.top nav >> text='Outbox'")
    page.wait_for_url("**/outbox")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 2  # acknowledgement + reply
    assert ref in rows.first.text_content()
    shot(page, "07-outbox")
    rows.first.locator("a").first.click()
    assert "We are looking into the VPN gateway now." in page.text_content("pre.body")
    shot(page, "08-outbox-mail")

    assert page.is_visible(f"dd a >> text='{ref}'")  # back to the ticket

    page.click("header.top nav >> text='Intake'")
    page.wait_for_url("**/intake")
    assert page.text_content("h1") == "Intake"
    shot(page, "09-intake")
    assert ref in page.text_content("table.list")
    page.click("table.list tbody tr >> text='open'")
    page.wait_for_url(re.compile(r"/intake/\d+$"))
    assert "Stored form" in page.text_content("main") and page.is_visible("pre.raw")
    shot(page, "09-intake-item")

    page.click("header.top nav >> text='Services'")
    shot(page, "10-admin-services")
    page.fill("input[name=name]", "Payroll")
    page.fill("input[name=aliases]", "salary, payslip")
    page.click("main button[type=submit]")
    assert "salary, payslip" in page.text_content("table.list")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"/tickets/{ref}")
    shot(page, "11-ticket-phone")
    logout = page.locator("header.top .logout button").bounding_box()
    assert logout["x"] >= 0 and logout["x"] + logout["width"] <= 390  # not clipped
    assert page.problems == [], page.problems  # no CSP violations, no script errors
