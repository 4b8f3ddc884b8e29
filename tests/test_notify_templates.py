"""Every event's mail on a real SMTP sink: content, headers, recipients, stakeholders, limits."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import notify, stakeholders
from app.extensions import db
from app.models import Event, Message, OutboxMail, Service, Subscription, Ticket
from tests import scenario
from tests.mailmaker import make_mail
from tests.smtp_sink import SmtpSink

EVENTS = {  # event -> (how to queue it, words its text must carry)
    "status_change": (lambda t: notify.status_changed(t, "new", "in_progress"),
                      "from new to in progress"),
    "request_info": (lambda t: notify.request_info(t, "Which VPN client version?"),
                     "Which VPN client version?"),
    "resolved": (lambda t: notify.resolved(t, "Gateway restarted."), "reply to this mail"),
    "closed": (lambda t: notify.closed(t), "is now closed"),
    "major_update": (lambda t: notify.major_update(t, "Engineers are on site."),
                     "Engineers are on site."),
    "fulfilled": (lambda t: notify.fulfilled(t, "Laptop is ready."), "has been fulfilled"),
}


@pytest.fixture
def sink_app(app_factory):
    with SmtpSink() as sink:
        app = app_factory(OUTBOUND_SMTP=sink.address)
        with app.app_context():
            yield app, sink


def vpn_ticket() -> Ticket:
    item = scenario.ingest(make_mail("VPN down for the office", "The VPN is down for everyone "
                                     "in the office, nobody can work.",
                                     cc="Martin Keller <martin.keller@example.com>"))
    ticket = db.session.get(Ticket, item.ticket_id)
    ticket.service = db.session.scalar(select(Service).where(Service.name == "VPN"))
    db.session.commit()
    return ticket


def send(ticket: Ticket, queue_it) -> list[OutboxMail]:
    mails = queue_it(ticket)
    db.session.commit()
    notify.dispatch_queued(ticket.id)
    return mails


@pytest.mark.parametrize("event", list(EVENTS))
def test_each_event_mail_has_its_words_and_our_headers(sink_app, event):
    app, sink = sink_app
    ticket = vpn_ticket()
    queue_it, words = EVENTS[event]
    [mail] = send(ticket, queue_it)
    assert mail.template == event and db.session.get(OutboxMail, mail.id).state == "sent"
    rcpts, msg = sink.parsed()[-1]
    assert rcpts == ["ravi.menon@example.com", "martin.keller@example.com"]
    assert msg["To"] == "ravi.menon@example.com" and msg["Cc"] == "martin.keller@example.com"
    assert msg["Subject"].startswith(f"[{ticket.ref}] ")
    assert re.fullmatch(r"<inc-\d{6}\.[0-9a-f]{16}@helpdesk\.example\.org>", msg["Message-ID"])
    assert msg["In-Reply-To"] and msg["References"]  # the thread so far
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["Reply-To"].startswith("support+") and "List-Unsubscribe" not in msg
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert words in text and ticket.ref in html
    assert f"{app.config['PUBLIC_URL']}/portal/" in text  # the magic link


def test_public_reply_is_not_marked_automatic_and_acknowledgement_is(sink_app):
    _, sink = sink_app
    ticket = vpn_ticket()
    [(_, ack)] = sink.parsed()
    assert ack["Auto-Submitted"] == "auto-generated" and "Hello Ravi Menon" in str(ack)
    message = Message(ticket=ticket, kind="public_reply", body_text="Please restart.")
    db.session.add(message)
    send(ticket, lambda t: notify.public_reply(t, message))
    _, reply = sink.parsed()[-1]
    assert "Auto-Submitted" not in reply and "Please restart." in str(reply)
    assert reply["References"].split()[0] == ack["In-Reply-To"]  # the reporter's first mail


def test_header_injection_through_a_subject_is_impossible(sink_app):
    _, sink = sink_app
    ticket = vpn_ticket()
    ticket.subject = "Hi\r\nBcc: victim@example.net\r\nX-Evil: 1"
    send(ticket, lambda t: notify.status_changed(t, "new", "assigned"))
    rcpts, msg = sink.parsed()[-1]
    assert "victim@example.net" not in rcpts and "X-Evil" not in msg and "Bcc" not in msg
    assert msg["Subject"] == f"[{ticket.ref}] Hi Bcc: victim@example.net X-Evil: 1 is now assigned"


def test_stakeholders_get_their_own_copy_with_one_click_unsubscribe(sink_app):
    app, sink = sink_app
    client = app.test_client()
    ticket = vpn_ticket()
    stakeholders.subscribe(ticket.service, "cio@example.com", "Chris CIO")
    stakeholders.subscribe(ticket.service, "ravi.menon@example.com")  # also the reporter
    db.session.commit()
    mails = send(ticket, lambda t: notify.status_changed(t, "new", "in_progress"))
    assert [m.to for m in mails] == [["ravi.menon@example.com"], ["cio@example.com"]]
    rcpts, msg = sink.parsed()[-1]
    assert rcpts == ["cio@example.com"] and "martin" not in str(msg["To"])
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = msg["List-Unsubscribe"].strip("<>")
    path = url.removeprefix(app.config["PUBLIC_URL"])
    assert "Stop these updates" in msg.get_body(("plain",)).get_content()
    assert b"Unsubscribe" in client.get(path).data  # a GET only asks
    assert db.session.scalar(select(Subscription.id).where(
        Subscription.email == "cio@example.com")) is not None
    # RFC 8058: the mail client POSTs, without any CSRF token or login.
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert [s.email for s in stakeholders.subscribers(ticket.service_id)] == [
        "ravi.menon@example.com"]
    assert client.post(path[:-3] + "xyz").status_code == 404  # tampered
    mails = send(ticket, lambda t: notify.status_changed(t, "in_progress", "on_hold"))
    assert all("cio@example.com" not in m.to for m in mails)


def test_stakeholders_do_not_get_requests_updates(sink_app):
    ticket = vpn_ticket()
    ticket.kind = "service_request"
    stakeholders.subscribe(ticket.service, "cio@example.com")
    mails = send(ticket, lambda t: notify.fulfilled(t))
    assert [m.to for m in mails] == [["ravi.menon@example.com"]]


def test_major_update_reaches_children_in_their_own_threads(sink_app):
    _, sink = sink_app
    parent = vpn_ticket()
    child = db.session.get(Ticket, scenario.ingest(make_mail(
        "VPN broken", "Cannot connect to the VPN.", sender="Ana <ana@example.com>")).ticket_id)
    stakeholders.subscribe(parent.service, "cio@example.com")
    mails = send(parent, lambda t: notify.major_update(t, "Fixed by 14:00.", [child]))
    notify.dispatch_queued(child.id)
    assert [(m.ticket_id, m.to) for m in mails] == [
        (parent.id, ["ravi.menon@example.com"]), (child.id, ["ana@example.com"]),
        (parent.id, ["cio@example.com"])]
    to_ana = [m for r, m in sink.parsed() if r == ["ana@example.com"]][-1]
    assert child.ref in to_ana["Subject"] and to_ana["Reply-To"].startswith(f"support+{child.id}-")
    assert db.session.scalar(select(Event.id).where(Event.action == "major_update"))


def test_per_recipient_rate_limit_holds_back_automatic_mail_only(app_factory):
    app = app_factory(NOTIFY_LIMIT_PER_HOUR=2)
    with app.app_context():
        ticket = vpn_ticket()  # the acknowledgement is the first
        first = send(ticket, lambda t: notify.status_changed(t, "new", "assigned"))
        held = send(ticket, lambda t: notify.status_changed(t, "assigned", "in_progress"))
        assert first[0].to == ["ravi.menon@example.com"]  # 2nd automatic mail this hour
        assert held[0].to == ["martin.keller@example.com"] and held[0].cc == []
        assert db.session.scalar(select(Event.id).where(Event.action == "mail_rate_limited"))
        message = Message(ticket=ticket, kind="public_reply", body_text="Human answer.")
        db.session.add(message)
        reply = notify.public_reply(ticket, message)
        assert reply.to == ["ravi.menon@example.com"]  # an agent's reply always goes


def test_our_own_and_undeliverable_addresses_never_get_mail(app):
    from app.models import UndeliverableAddress

    ticket = vpn_ticket()
    db.session.add(UndeliverableAddress(email="martin.keller@example.com"))
    ticket.reporter_email = "support@example.org"
    assert notify.closed(ticket) == []
