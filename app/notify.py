"""Outbound notifications, written to the outbox in the caller's transaction.

One function per event; the lifecycle code calls them in the transaction that
changes the ticket, then `dispatch_queued` after commit. The reporter gets the
mail with the watchers in Cc; for incidents, the service's stakeholders get their
own copy with a List-Unsubscribe link. Threading headers, the reply address and
the subject reference are set in `app.outbox_writer`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app import audit, stakeholders
from app.extensions import db
from app.mail_recipients import deliverable_syntax, recipients
from app.models import Message, OutboxMail, OutboxState, Ticket
from app.outbox_writer import from_header, new_message_id, queue, sender_address

__all__ = [
    "acknowledge", "closed", "deliverable_syntax", "dispatch_queued", "from_header",
    "fulfilled", "major_update", "new_message_id", "public_reply", "recipients",
    "request_info", "resolved", "sender_address", "status_changed",
]

# A status change with its own wording; any other status gets "status_change".
STATUS_TEMPLATES = {"on_hold": "request_info", "resolved": "resolved",
                    "fulfilled": "fulfilled", "closed": "closed"}


def acknowledge(ticket: Ticket, inbound: Message) -> OutboxMail | None:
    """Queue the acknowledgement of a new ticket to its reporter."""
    return queue(ticket, "acknowledgement", [ticket.reporter_email], [], inbound=inbound)


def public_reply(ticket: Ticket, message: Message) -> OutboxMail | None:
    """Queue an agent's public reply to the reporter, with the watchers in Cc."""
    return queue(ticket, "public_reply", [ticket.reporter_email], _watchers(ticket),
                 message=message)


def status_changed(ticket: Ticket, old: str, new: str, note: str = "") -> list[OutboxMail]:
    """Queue the mail for a status change (on hold, resolved, fulfilled, closed have their own)."""
    template = STATUS_TEMPLATES.get(new, "status_change")
    return _event(ticket, template, old=old, new=new, note=note)


def request_info(ticket: Ticket, question: str) -> list[OutboxMail]:
    """Queue a request for information to the reporter (the ticket waits on hold)."""
    return _event(ticket, "request_info", new="on_hold", note=question, public=False)


def resolved(ticket: Ticket, note: str = "") -> list[OutboxMail]:
    """Queue the resolution mail ("reply to reopen", portal confirm/reopen)."""
    return _event(ticket, "resolved", new="resolved", note=note)


def fulfilled(ticket: Ticket, note: str = "") -> list[OutboxMail]:
    """Queue the mail that a service request was fulfilled."""
    return _event(ticket, "fulfilled", new="fulfilled", note=note)


def closed(ticket: Ticket, note: str = "") -> list[OutboxMail]:
    """Queue the mail that a ticket is closed."""
    return _event(ticket, "closed", new="closed", note=note)


def major_update(parent: Ticket, message: Message | str,
                 children: Iterable[Ticket] = ()) -> list[OutboxMail]:
    """Queue a major-incident update: parent's and every child's people, then stakeholders.

    Each child's reporter gets it in the child's own thread, so a reply lands there.
    """
    note = message.body_text if isinstance(message, Message) else str(message)
    sent: set[str] = set()
    mails = []
    for ticket in (parent, *children):
        to = [a for a in [ticket.reporter_email] if a not in sent]
        cc = [a for a in _watchers(ticket) if a not in sent]
        sent |= {*to, *cc}
        mails.append(queue(ticket, "major_update", to, cc, extra={"note": note}))
    mails += _to_stakeholders(parent, "major_update", {"note": note}, sent, force=True)
    audit.record("major_update", ticket=parent, new=note[:200],
                 children=[c.id for c in children])
    return [m for m in mails if m is not None]


def _event(ticket: Ticket, template: str, *, old: str = "", new: str = "", note: str = "",
           public: bool = True) -> list[OutboxMail]:
    extra = {"old_status": old.replace("_", " "), "new_status": new.replace("_", " "),
             "note": note}
    mail = queue(ticket, template, [ticket.reporter_email], _watchers(ticket), extra=extra)
    mails = [mail] if mail is not None else []
    if public:
        mails += _to_stakeholders(ticket, template, extra,
                                  set(mail.to + mail.cc) if mail else set())
    return mails


def _to_stakeholders(ticket: Ticket, template: str, extra: dict, skip: set[str],
                     force: bool = False) -> list[OutboxMail]:
    """One mail per stakeholder of the ticket's service (incidents only)."""
    if ticket.service_id is None or (ticket.kind != "incident" and not force):
        return []
    mails = []
    for sub in stakeholders.subscribers(ticket.service_id):
        if sub.email in skip or sub.email == ticket.reporter_email:
            continue
        mails.append(queue(ticket, template, [sub.email], [], extra=extra, role="stakeholder",
                           unsubscribe=(ticket.service_id, sub.email)))
    return [m for m in mails if m is not None]


def _watchers(ticket: Ticket) -> list[str]:
    return [w.email for w in ticket.watchers if w.email != ticket.reporter_email]


def dispatch_queued(ticket_id: int) -> None:
    """Hand a ticket's committed, queued mails to the sender (call after commit)."""
    from app.jobs import enqueue_outbox

    ids = db.session.scalars(select(OutboxMail.id).where(
        OutboxMail.ticket_id == ticket_id, OutboxMail.state == OutboxState.QUEUED)).all()
    for outbox_id in ids:
        enqueue_outbox(outbox_id)
