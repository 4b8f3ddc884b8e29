"""Thread a report into an existing ticket, or decide it opens a new one.

Evidence, strongest first; each rule is named so the ticket can show why:
- strong: our per-ticket reply address among the recipients; a Message-ID we
  know (our outbound mail or a message on a ticket) in In-Reply-To or anywhere
  in References; or the other way round, a stored message that names this one
  or shares a References ancestor with it (replies can arrive before parents);
- weak: a ticket reference in the subject (configurable patterns, e.g. INC-000123
  or a legacy [#1234]). Weak evidence threads only mail from the reporter, a
  watcher or an agent; anyone else's mail goes to review as a new ticket, so a
  stranger quoting a number is never appended to someone else's ticket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from app import reply_address
from app.extensions import db
from app.models import Agent, Message, MessageRef, OutboxMail, Ticket
from parsers.submission import Submission

MAX_IDS = 200  # a References header can be long (RFC 5322 allows it); the newest matter


@dataclass(frozen=True)
class Match:
    ticket: Ticket
    rule: str
    detail: str
    strong: bool = True
    participant: bool = True


def find_ticket(sub: Submission, recipients: list[str]) -> Match | None:
    """Return the ticket this report belongs to, with the evidence that says so."""
    return (_by_reply_address(recipients) or _by_known_ids(sub) or _by_later_messages(sub)
            or _by_subject_reference(sub))


def is_participant(ticket: Ticket, email: str) -> bool:
    """True for the reporter, a watcher or an agent."""
    if email in {ticket.reporter_email, *(w.email for w in ticket.watchers)}:
        return True
    return db.session.scalar(select(Agent.id).where(func.lower(Agent.email) == email)) is not None


def _by_reply_address(recipients: list[str]) -> Match | None:
    for number in reply_address.ticket_ids_in(recipients):
        ticket = db.session.get(Ticket, number)
        if ticket is not None:
            return Match(ticket, "reply_address", f"sent to {ticket.ref}'s reply address")
    return None


def _thread_ids(sub: Submission) -> list[str]:
    """In-Reply-To first (the message answered), then References newest first."""
    return list(dict.fromkeys([*sub.in_reply_to, *reversed(sub.references)]))[:MAX_IDS]


def _by_known_ids(sub: Submission) -> Match | None:
    ids = _thread_ids(sub)
    if not ids:
        return None
    rows = db.session.execute(
        select(OutboxMail.message_id, OutboxMail.ticket_id)
        .where(OutboxMail.message_id.in_(ids), OutboxMail.ticket_id.is_not(None))
    ).all()
    rows += db.session.execute(
        select(Message.message_id, Message.ticket_id).where(Message.message_id.in_(ids))
    ).all()
    found = dict(rows)
    for mid in ids:
        if mid in found:
            header = "In-Reply-To" if mid in sub.in_reply_to else "References"
            return Match(db.session.get(Ticket, found[mid]), "message_id",
                         f"{header} names <{mid}>")
    return None


def _by_later_messages(sub: Submission) -> Match | None:
    """Find a stored message that names this one, or shares an ancestor with it."""
    own = [sub.message_id] if sub.message_id else []
    ids = own + _thread_ids(sub)
    if not ids:
        return None
    row = db.session.execute(
        select(MessageRef.ref_id, Message.ticket_id).join(Message)
        .where(MessageRef.ref_id.in_(ids)).order_by(Message.id).limit(1)
    ).first()
    if row is None:
        return None
    how = ("a reply already on the ticket names this message" if row.ref_id in own
           else f"shares the thread ancestor <{row.ref_id}>")
    return Match(db.session.get(Ticket, row.ticket_id), "thread_ancestor", how)


def subject_numbers(subject: str) -> list[tuple[str, int]]:
    """Return (matched text, ticket number) for each configured subject pattern hit."""
    hits = []
    for pattern in current_app.config["SUBJECT_PATTERNS"]:
        for match in re.finditer(pattern, subject or "", re.IGNORECASE | re.ASCII):
            hits.append((match.group(0), int(match.group(1))))
    return hits


def _by_subject_reference(sub: Submission) -> Match | None:
    for text, number in subject_numbers(sub.subject):
        ticket = db.session.get(Ticket, number) if number < 2**31 else None
        if ticket is None:
            continue
        sender = sub.sender.email if sub.sender else ""
        return Match(ticket, "subject_reference", f"subject names {text}", strong=False,
                     participant=bool(sender) and is_participant(ticket, sender))
    return None
