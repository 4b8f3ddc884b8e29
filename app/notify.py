"""Outbound notifications, written to the outbox in the caller's transaction.

Each mail carries a Message-ID on our domain, In-Reply-To/References to keep the
thread, the ticket reference in the subject and the per-ticket reply address, so
a reporter's answer threads back even when a client drops the headers.
"""

from __future__ import annotations

import re
import secrets
from email.utils import formataddr, parseaddr

from flask import current_app, render_template
from sqlalchemy import select

from app import audit, delivery, reply_address
from app.extensions import db
from app.models import Message, MessageKind, OutboxMail, OutboxState, Ticket
from app.priority import priority_label

MAX_REFERENCES = 10
# Just enough to refuse what an SMTP server would: spaces, brackets, no dot in the domain.
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def deliverable_syntax(address: str) -> bool:
    """True when an address is well-formed enough to hand to an SMTP relay."""
    return bool(_ADDRESS.fullmatch(address))


def acknowledge(ticket: Ticket, inbound: Message) -> OutboxMail | None:
    """Queue the acknowledgement of a new ticket to its reporter."""
    return _queue(ticket, "acknowledgement", [ticket.reporter_email], [], inbound=inbound)


def public_reply(ticket: Ticket, message: Message) -> OutboxMail | None:
    """Queue an agent's public reply to the reporter, with the watchers in Cc."""
    cc = [w.email for w in ticket.watchers if w.email != ticket.reporter_email]
    return _queue(ticket, "public_reply", [ticket.reporter_email], cc, message=message)


def recipients(to: list[str], cc: list[str]) -> tuple[list[str], list[str]]:
    """Drop our own addresses (loops), undeliverable and malformed ones; never leave To empty."""
    skip = {a.lower() for a in current_app.config["INTAKE_ADDRESSES"]}
    skip |= delivery.undeliverable([a for a in (*to, *cc) if a])
    keep = [a for a in dict.fromkeys([*to, *cc])
            if a and a.lower() not in skip and deliverable_syntax(a)]
    to_kept = [a for a in keep if a in to] or keep[:1]
    return to_kept, [a for a in keep if a not in to_kept]


def new_message_id(ticket: Ticket) -> str:
    return f"{ticket.ref.lower()}.{secrets.token_hex(8)}@{current_app.config['MAIL_DOMAIN']}"


def _queue(ticket: Ticket, template: str, to: list[str], cc: list[str], *,
           inbound: Message | None = None, message: Message | None = None) -> OutboxMail | None:
    to, cc = recipients(to, cc)
    if not to:
        audit.record("mail_not_sent", ticket=ticket, template=template,
                     reason="no deliverable recipient")
        return None
    thread = _thread_ids(ticket)
    context = {"ticket": ticket, "inbound": inbound, "message": message,
               "priority": priority_label(ticket.priority),
               "public_url": current_app.config["PUBLIC_URL"]}
    mail = OutboxMail(
        ticket_id=ticket.id, template=template, to=to, cc=cc,
        subject=_subject(ticket),
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        message_id=new_message_id(ticket),
        in_reply_to=(inbound.message_id if inbound and inbound.message_id else
                     (thread[-1] if thread else None)),
        references=_trim(thread), reply_to=reply_address.address_for(ticket.id),
        state=OutboxState.QUEUED if current_app.config["OUTBOUND_SMTP"] else OutboxState.CAPTURED,
    )
    db.session.add(mail)
    db.session.flush()
    audit.record("mail_queued", ticket=ticket, new=mail.message_id, template=template,
                 to=to, cc=cc, state=mail.state)
    return mail


def dispatch_queued(ticket_id: int) -> None:
    """Hand a ticket's committed, queued mails to the sender (call after commit)."""
    from app.jobs import enqueue_outbox

    ids = db.session.scalars(select(OutboxMail.id).where(
        OutboxMail.ticket_id == ticket_id, OutboxMail.state == OutboxState.QUEUED)).all()
    for outbox_id in ids:
        enqueue_outbox(outbox_id)


def _subject(ticket: Ticket) -> str:
    subject = " ".join(ticket.subject.split())  # no CR/LF from users into headers
    return f"[{ticket.ref}] {subject}"[:200]


def _thread_ids(ticket: Ticket) -> list[str]:
    """Every Message-ID of the ticket's conversation, oldest first."""
    inbound = db.session.scalars(
        select(Message.message_id).where(Message.ticket_id == ticket.id,
                                         Message.kind == MessageKind.INBOUND,
                                         Message.message_id.is_not(None)).order_by(Message.id)
    ).all()
    outbound = db.session.scalars(
        select(OutboxMail.message_id).where(OutboxMail.ticket_id == ticket.id)
        .order_by(OutboxMail.id)
    ).all()
    return list(dict.fromkeys([*inbound, *outbound]))


def _trim(ids: list[str]) -> list[str]:
    """Keep the first id and the newest ones, so References never grows unbounded."""
    return ids if len(ids) <= MAX_REFERENCES else [ids[0], *ids[-(MAX_REFERENCES - 1):]]


def sender_address() -> tuple[str, str]:
    return parseaddr(current_app.config["OUTBOUND_FROM"])


def from_header() -> str:
    return formataddr(sender_address())
