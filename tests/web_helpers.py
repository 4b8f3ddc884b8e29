"""Helpers for the web-layer tests: real reports through the real pipeline, no doubles."""

from __future__ import annotations

import itertools
from email.message import EmailMessage

from sqlalchemy import select

from app import pipeline
from app.accounts import create_agent
from app.extensions import db
from app.models import Event, IntakeItem, OutboxMail, Ticket
from app.store import store_raw

PASSWORD = "correct horse battery"
_ids = itertools.count(1)


def mail(subject: str, body: str, *, sender: str = "Pat Reporter <pat@example.com>",
         cc: str | None = None, in_reply_to: str | None = None,
         attachment: tuple[str, str, bytes] | None = None) -> bytes:
    """Build a report mail to the support address."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@example.org"
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Message-ID"] = f"<web-test-{next(_ids)}-{abs(hash(subject + body))}@example.com>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    msg.set_content(body)
    if attachment:
        name, ctype, content = attachment
        main, _, sub = ctype.partition("/")
        msg.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return bytes(msg)


def ingest(raw: bytes, source: str = "smtp") -> Ticket | None:
    """Store a raw report and run the pipeline on it; return its ticket, if any."""
    stored = store_raw(source, raw)
    pipeline.process_intake(stored.item_id)
    item = db.session.get(IntakeItem, stored.item_id)
    return db.session.get(Ticket, item.ticket_id) if item.ticket_id else None


def outage(**kw) -> Ticket:
    """An incident the classifier is sure of: VPN down for everyone (P1, no review)."""
    return ingest(mail("VPN is down", "The VPN is down for everyone, nobody can work. Urgent.",
                       **kw))


def laptop_request(**kw) -> Ticket:
    """A service request the classifier is sure of (P5, no review)."""
    return ingest(mail("Please order a new laptop",
                       "I would like to request a new laptop for our new hire.", **kw))


def vague(**kw) -> Ticket:
    """A report the classifier cannot place: it needs review."""
    return ingest(mail("hello", "something", **kw))


def login(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def plain_agent(email: str = "bo@example.org"):
    """A non-admin agent."""
    return create_agent(email, PASSWORD, role="agent", name="Bo Agent")


def events(ticket: Ticket, action: str | None = None) -> list[Event]:
    query = select(Event).where(Event.ticket_id == ticket.id).order_by(Event.id)
    if action:
        query = query.where(Event.action == action)
    return list(db.session.scalars(query))


def outbox(ticket: Ticket | None = None) -> list[OutboxMail]:
    query = select(OutboxMail).order_by(OutboxMail.id)
    if ticket is not None:
        query = query.where(OutboxMail.ticket_id == ticket.id)
    return list(db.session.scalars(query))


def fresh(ticket: Ticket) -> Ticket:
    """Reload a ticket after a request changed it in another session."""
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)
