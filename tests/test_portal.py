"""The reporter's portal: signed links only, the public thread, and replies through the pipeline."""

from __future__ import annotations

import io
import re
import time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app import links
from app.extensions import db
from app.models import IntakeItem, Message, OutboxMail, Ticket
from tests.web_helpers import fresh, ingest, mail, outage


def portal_path(app, ticket: Ticket) -> str:
    """The portal link as it went out in the ticket's acknowledgement."""
    body = db.session.scalar(select(OutboxMail.body_text).where(
        OutboxMail.ticket_id == ticket.id).order_by(OutboxMail.id))
    url = re.search(r"https?://\S+/portal/\S+", body).group(0)
    return url.removeprefix(app.config["PUBLIC_URL"])


def nonce(page: bytes) -> str:
    return re.search(rb'name="nonce" type="hidden" value="([0-9a-f]{32})"', page).group(1).decode()


def test_the_link_in_our_mail_opens_status_and_public_thread_only(app, client):
    ticket = outage()
    db.session.add(Message(ticket=ticket, kind="internal_note", body_text="secret triage note"))
    db.session.add(Message(ticket=ticket, kind="public_reply", body_text="We are on it."))
    db.session.commit()
    page = client.get(portal_path(app, ticket))
    assert page.status_code == 200
    assert ticket.ref.encode() in page.data and b"We are on it." in page.data
    assert b"secret triage note" not in page.data and b"nobody can work" in page.data


def test_tampered_and_foreign_links_are_refused(app, client):
    ticket = outage()
    path = portal_path(app, ticket)
    assert client.get(path[:-2] + ("aa" if not path.endswith("aa") else "bb")).status_code == 403
    other = links.unsubscribe_serializer().dumps({"t": ticket.id, "e": "x@example.com",
                                                  "r": "reporter"})
    assert client.get(f"/portal/{other}").status_code == 403  # another purpose's signature
    forged = URLSafeTimedSerializer("not-our-key", salt="portal-link").dumps(
        {"t": ticket.id, "e": ticket.reporter_email, "r": "reporter"})
    assert client.get(f"/portal/{forged}").status_code == 403
    assert client.post(f"/portal/{forged}/reply", data={"body": "x"}).status_code == 403


class _MonthOld(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 31 * 86400


def test_an_expired_link_is_refused_with_an_explanation(app, client):
    ticket = outage()
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="portal-link",
                                 signer=_MonthOld).dumps(
        {"t": ticket.id, "e": ticket.reporter_email, "r": "reporter"})
    page = client.get(f"/portal/{old}")
    assert page.status_code == 410 and b"expired" in page.data


def test_a_portal_reply_goes_through_the_pipeline_with_its_attachment(app, client):
    ticket = outage()
    path = portal_path(app, ticket)
    form = {"body": "It also fails on my phone.", "nonce": nonce(client.get(path).data),
            "attachment": (io.BytesIO(b"log line"), "../vpn.log", "text/plain")}
    assert client.post(path + "/reply", data=form,
                       content_type="multipart/form-data").status_code == 302
    item = db.session.scalar(select(IntakeItem).where(IntakeItem.source == "portal"))
    assert item.state == "threaded" and item.ticket_id == ticket.id
    last = fresh(ticket).messages[-1]
    assert last.kind == "inbound" and last.body_text.startswith("It also fails on my phone.")
    assert last.from_email == ticket.reporter_email and "reply_address" in last.threaded_by
    assert [a.filename for a in last.attachments] == ["vpn.log"]
    # The same form sent twice (a double click) is one message.
    form["attachment"] = (io.BytesIO(b"log line"), "../vpn.log", "text/plain")
    client.post(path + "/reply", data=form, content_type="multipart/form-data")
    assert len(fresh(ticket).messages) == 2


def test_confirm_closes_and_reopen_reopens_a_resolved_ticket(app, client):
    ticket = outage()
    path = portal_path(app, ticket)
    ticket.status = "resolved"
    db.session.commit()
    assert b"Is it solved?" in client.get(path).data
    client.post(path + "/reopen", data={"reason": "Still dropping every hour."})
    assert fresh(ticket).status == "in_progress"
    assert fresh(ticket).messages[-1].body_text.startswith("Still dropping")
    ticket = fresh(ticket)
    ticket.status = "resolved"
    db.session.commit()
    client.post(path + "/confirm")
    assert fresh(ticket).status == "closed"
    assert b"nothing to confirm" in client.post(path + "/confirm", follow_redirects=True).data


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(app, client):
    ticket = outage()
    path = portal_path(app, ticket)
    ticket.status = "closed"
    db.session.commit()
    page = client.post(path + "/reply", data={"body": "It is back again.",
                                               "nonce": nonce(client.get(path).data)},
                       follow_redirects=True)
    follow_up = db.session.scalar(select(Ticket).where(Ticket.follow_up_of_id == ticket.id))
    assert follow_up is not None and follow_up.ref.encode() in page.data


def test_stakeholder_links_are_read_only(app, client):
    ticket = outage()
    token = links.portal_url(ticket.id, "cio@example.com", "viewer").rsplit("/", 1)[1]
    page = client.get(f"/portal/{token}")
    assert page.status_code == 200 and b"portal-reply" not in page.data
    assert client.post(f"/portal/{token}/reply", data={"body": "x"}).status_code == 403


def test_the_portal_can_be_switched_off(app_factory):
    app = app_factory(PORTAL_ENABLED=False)
    with app.app_context():
        ticket = ingest(mail("VPN is down", "The VPN is down for everyone, nobody can work."))
        body = db.session.scalar(select(OutboxMail.body_text).where(
            OutboxMail.ticket_id == ticket.id))
        assert "/portal/" not in body
        token = links.portal_serializer().dumps({"t": ticket.id, "e": "a@b.c", "r": "reporter"})
        assert app.test_client().get(f"/portal/{token}").status_code == 404
