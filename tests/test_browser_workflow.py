"""The agent's incident workflow in a real browser (Debian's Chromium through Playwright).

Log in, review a reported ticket, override its priority with a reason, set up a
team, hand the ticket over with a note, record a follow-up action and resolve it
with a root-cause decision. Screenshots land in test-artifacts/ (20-*.png).
"""

from __future__ import annotations

import re

import pytest

from tests.test_browser import PASSWORD, live_url, page, report_in_browser, shot  # noqa: F401

pytestmark = pytest.mark.browser


def flash(page) -> str:  # noqa: F811
    page.wait_for_selector(".flash")
    return page.text_content(".flash")


def log_in(page) -> None:  # noqa: F811
    page.goto("/")
    page.fill("input[name=email]", "agent@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/(\?.*)?$"))


def add_colleague_and_team(page) -> None:  # noqa: F811
    page.goto("/admin/agents")
    page.fill("input[name=email]", "bo@example.org")
    page.fill("input[name=name]", "Bo Night-Shift")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.goto("/admin/teams")
    page.fill("#team-name", "Network")
    page.click("text=Create team")
    page.select_option("#member-agent", label="Bo Night-Shift")
    page.click("text=Add member")
    assert "Bo Night-Shift" in page.text_content("table.teams")
    shot(page, "20-admin-teams")


def test_review_prioritise_hand_over_and_resolve(page, tmp_path):  # noqa: F811
    ref = report_in_browser(page, tmp_path)
    log_in(page)
    add_colleague_and_team(page)

    # Review: confirm it as an incident, impact 1, urgency 1 (P1).
    page.goto(f"/tickets/{ref}")
    form = page.locator("section.classifier form")
    form.locator("select[name=kind]").select_option("incident")
    form.locator("select[name=impact]").select_option("1")
    form.locator("select[name=urgency]").select_option("1")
    form.locator("button[type=submit]").click()
    assert "priority P1" in flash(page)
    ref = page.text_content(".ticket-head .ref")
    shot(page, "21-ticket-reviewed")

    # Override the priority: the reason is required and kept.
    prio = page.locator("section.workflow-priority form")
    prio.locator("select[name=priority]").select_option("P2")
    prio.locator("input[name=reason]").fill("Only the Berlin office is affected")
    prio.locator("button[type=submit]").click()
    assert "Priority set to P2" in flash(page)
    assert "Only the Berlin office is affected" in page.text_content("table.events")

    # Take it, then hand it over: without a note the server refuses.
    assign = page.locator("section.workflow-assign form")
    assign.locator("select[name=assignee]").select_option(label="Alex Agent")
    assign.locator("button[type=submit]").click()
    assert "Assigned to Alex Agent" in flash(page)
    assign = page.locator("section.workflow-assign form")
    assign.locator("select[name=team]").select_option(label="Network")
    assign.locator("select[name=assignee]").select_option(label="Bo Night-Shift")
    assign.locator("button[type=submit]").click()
    assert "needs a handover note" in flash(page)
    shot(page, "22-handover-refused")
    assign = page.locator("section.workflow-assign form")
    assign.locator("select[name=team]").select_option(label="Network")
    assign.locator("select[name=assignee]").select_option(label="Bo Night-Shift")
    assign.locator("input[name=next_action]").fill("Check the tunnel count at 07:00")
    assign.locator("textarea[name=note]").fill("ISP router replaced at 23:10; watch it.")
    assign.locator("button[type=submit]").click()
    assert "Assigned to Network / Bo Night-Shift" in flash(page)
    assert "Handover: ISP router replaced" in page.text_content("section.thread")

    page.click("header.top nav >> text='Handover'")
    assert ref in page.text_content("table.handover")
    assert "Check the tunnel count at 07:00" in page.text_content("table.handover")
    shot(page, "23-shift-handover")

    # Resolve: the gate asks for a follow-up action and a root-cause decision.
    page.goto(f"/tickets/{ref}")
    status = page.locator("section.workflow-status form")
    status.locator("select[name=status]").select_option("resolved")
    status.locator("select[name=resolution_code]").select_option("fixed")
    status.locator("textarea[name=resolution_notes]").fill("Router replaced by the ISP.")
    status.locator("button[type=submit]").click()
    assert "root-cause decision" in flash(page)
    follow = page.locator("section.workflow-followups form").last
    follow.locator("select[name=area]").select_option("control")
    follow.locator("input[name=description]").fill("Alert when VPN tunnels drop by half")
    follow.locator("select[name=owner]").select_option(label="Bo Night-Shift")
    follow.locator("button[type=submit]").click()
    assert "Follow-up action added" in flash(page)
    status = page.locator("section.workflow-status form")
    status.locator("select[name=status]").select_option("resolved")
    status.locator("select[name=resolution_code]").select_option("fixed")
    status.locator("textarea[name=resolution_notes]").fill("Router replaced by the ISP.")
    status.locator("select[name=root_cause]").select_option("problem")
    status.locator("input[name=problem_ref]").fill("PRB-000042")
    status.locator("button[type=submit]").click()
    assert "Status is now resolved" in flash(page)
    assert "problem PRB-000042" in page.text_content("section.sla")
    shot(page, "24-ticket-resolved")

    page.goto("/?view=all&sort=sla")
    shot(page, "25-queue-sla")
    assert page.problems == [], page.problems
