"""The report form's self-service script and the portal in a real browser (Chromium).

The script is a file under app/static, so the page keeps CSP script-src 'self';
any CSP violation or script error fails the test.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import KbArticle, OutboxMail, Service, Subscription, Ticket
from tests.test_browser import live_url, page, shot  # noqa: F401  (fixtures)
from tests.web_helpers import outage

pytestmark = pytest.mark.browser


def test_the_form_suggests_articles_and_offers_the_major_incident(app_factory, page):  # noqa: F811
    from app import notify

    with app_factory(fresh=False).app_context():  # a second app on the live app's database
        vpn = db.session.scalar(select(Service).where(Service.name == "VPN"))
        db.session.add(KbArticle(title="Reconnect the VPN client", keywords="vpn, disconnects",
                                 body="Quit the client and start it again.", service=vpn))
        major = outage()
        major.service = vpn
        notify.major_update(major, "We are aware of the VPN outage.")
        db.session.commit()
    page.goto("/report")
    page.fill("input[name=name]", "Kim Reporter")
    page.fill("input[name=email]", "kim@example.com")
    page.fill("input[name=summary]", "VPN disconnects")
    page.wait_for_selector("#kb-suggestions li a")
    assert "Reconnect the VPN client" in page.text_content("#kb-suggestions")
    page.select_option("select[name=service]", "VPN")
    page.wait_for_selector("#major-incidents li")
    assert "VPN is down" in page.text_content("#major-incidents")
    shot(page, "20-report-selfservice")
    page.click("#subscribe-updates")
    page.wait_for_selector("#subscribe-result:not(:empty)")  # no eval: the CSP forbids it
    assert "You will get every update" in page.text_content("#subscribe-result")
    with app_factory(fresh=False).app_context():
        assert db.session.scalar(select(Subscription.email)) == "kim@example.com"
    assert page.problems == [], page.problems


def test_the_reporter_replies_in_the_portal(app_factory, page):  # noqa: F811
    with app_factory(fresh=False).app_context():
        ticket = outage()
        body = db.session.scalar(select(OutboxMail.body_text).where(
            OutboxMail.ticket_id == ticket.id))
        ref, ticket_id = ticket.ref, ticket.id
    page.goto(re.search(r"/portal/\S+", body).group(0))
    assert page.text_content("#portal-ref") == ref
    page.fill("textarea[name=body]", "It is still down at 10:00.")
    page.set_input_files("input[name=attachment]", files=[{
        "name": "trace.txt", "mimeType": "text/plain", "buffer": b"timeout"}])
    page.click("#portal-reply button[type=submit]")
    page.wait_for_selector(".flash.ok")
    assert "It is still down at 10:00." in page.text_content("main")
    shot(page, "21-portal")
    with app_factory(fresh=False).app_context():
        last = db.session.get(Ticket, ticket_id).messages[-1]
        assert last.body_text.startswith("It is still") and last.attachments[0].filename == (
            "trace.txt")
    assert page.problems == [], page.problems
