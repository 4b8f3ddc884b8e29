"""What a reporter does in the portal, through the same paths as mail.

A portal reply is written as the mail the reporter would have sent (From the
reporter, To the ticket's reply address, In-Reply-To our last mail) and stored
with `store_raw("portal", ...)`: the one intake pipeline threads it, reopens a
resolved ticket or opens a follow-up of a closed one, exactly as for mail.
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app
from sqlalchemy import select

from app import audit, lifecycle, notify, pipeline, reply_address, tickets, workflow
from app.extensions import db
from app.models import IntakeItem, Message, MessageKind, OutboxMail, Ticket
from app.outbox_writer import header_safe
from app.store import store_raw

REOPEN_FROM = {"resolved": "in_progress", "fulfilled": "in_fulfilment"}


def public_thread(ticket: Ticket) -> list[Message]:
    """The reporter's view: inbound messages and public replies, never internal notes."""
    return [m for m in ticket.messages
            if m.kind in (MessageKind.INBOUND, MessageKind.PUBLIC_REPLY)]


def reply_mail(ticket: Ticket, email: str, name: str, body: str, nonce: str,
               attachment: tuple[str, str, bytes] | None = None) -> bytes:
    """Build the mail a portal reply stands for; the nonce makes a double post one item."""
    msg = EmailMessage()
    msg["From"] = formataddr((header_safe(name), email))
    msg["To"] = reply_address.address_for(ticket.id)
    msg["Subject"] = header_safe(f"Re: [{ticket.ref}] {ticket.subject}")[:300]
    # No Date: the same post sent twice (a double click) must be the same bytes, so
    # `store_raw` keeps one item; the stored item's received_at is the time.
    # Not on MAIL_DOMAIN: the screening would take it for our own mail (a loop).
    msg["Message-ID"] = f"<portal.{nonce}@portal.{current_app.config['MAIL_DOMAIN']}>"
    last = db.session.scalar(select(OutboxMail.message_id).where(
        OutboxMail.ticket_id == ticket.id).order_by(OutboxMail.id.desc()).limit(1))
    if last:
        msg["In-Reply-To"] = f"<{last}>"
        msg["References"] = f"<{last}>"
    msg["X-Gateway-Source"] = "portal"
    msg.set_content(body)
    if attachment:
        filename, content_type, content = attachment
        main, _, sub = content_type.partition("/")
        if not sub or "\n" in content_type:
            main, sub = "application", "octet-stream"
        msg.add_attachment(content, maintype=main, subtype=sub, filename=filename)
        msg.set_boundary(f"portal-{nonce}")  # random by default: same post, same bytes
    return bytes(msg)


def submit_reply(ticket: Ticket, email: str, body: str, nonce: str,
                 attachment: tuple[str, str, bytes] | None = None) -> Ticket | None:
    """Store the reply like mail and run the pipeline now; return the ticket it landed in."""
    raw = reply_mail(ticket, email, ticket.reporter_name if email == ticket.reporter_email
                     else "", body, nonce, attachment)
    stored = store_raw("portal", raw, envelope_from=email,
                       envelope_to=[reply_address.address_for(ticket.id)],
                       source_ref=f"portal:{ticket.ref}")
    try:
        pipeline.process_intake(stored.item_id)
    except Exception:
        current_app.logger.exception("portal reply %s failed; kept for retry", stored.item_id)
    item = db.session.get(IntakeItem, stored.item_id)
    return db.session.get(Ticket, item.ticket_id) if item.ticket_id else None


def confirm_resolution(ticket: Ticket, email: str) -> None:
    """Close a resolved ticket because its reporter says the fix works."""
    lifecycle.check_transition(ticket.kind, ticket.status, "closed")
    workflow.set_status(ticket, "closed", email)  # one path: the audit trail and SLA clocks
    audit.record("resolution_confirmed", ticket=ticket, actor=email, source="portal")
    db.session.commit()


def reopen(ticket: Ticket, email: str, reason: str) -> Ticket | None:
    """Reopen through the pipeline (the reason is a reply); force it if thanks-detection held it."""
    landed = submit_reply(ticket, email, reason, uuid.uuid4().hex)
    db.session.refresh(ticket)
    if landed is not None and landed.id == ticket.id and ticket.status in REOPEN_FROM:
        tickets.reopen(ticket, REOPEN_FROM[ticket.status], f"reopened in the portal by {email}")
        db.session.commit()
        notify.dispatch_queued(ticket.id)
    return landed


def new_nonce() -> str:
    return uuid.uuid4().hex
