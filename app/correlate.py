"""Thread a report into an existing ticket, or decide it opens a new one.

Matching, strongest first (each rule named so the decision can be shown):
1. the per-ticket reply address `support+TOKEN@…` among the recipients;
2. In-Reply-To or any References id that is one of our outbound mails or a
   message already on a ticket;
3. a ticket reference (INC-000123 / REQ-000123) in the subject, but only from
   someone already on the ticket, so a stranger quoting a number is never
   appended to another person's ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Message, OutboxMail, Ticket
from app.models.ticket import REF_PATTERN
from parsers.submission import Submission


@dataclass(frozen=True)
class Match:
    ticket: Ticket
    rule: str
    detail: str


def find_ticket(
    sub: Submission, recipients: list[str], intake_addresses: list[str]
) -> Match | None:
    """Return the ticket this report belongs to, with the rule that matched."""
    return (
        _by_reply_address(recipients, intake_addresses)
        or _by_message_ids(sub)
        or _by_subject_reference(sub)
    )


def reply_tokens(recipients: list[str], intake_addresses: list[str]) -> list[str]:
    """Extract TOKEN from recipients shaped like one of our addresses with `+TOKEN`."""
    ours = {a.split("@")[0]: a.split("@")[1] for a in intake_addresses if "@" in a}
    tokens = []
    for address in recipients:
        local, _, domain = address.lower().partition("@")
        base, plus, token = local.partition("+")
        if plus and token and ours.get(base) == domain:
            tokens.append(token)
    return tokens


def _by_reply_address(recipients: list[str], intake_addresses: list[str]) -> Match | None:
    for token in reply_tokens(recipients, intake_addresses):
        ticket = db.session.scalar(select(Ticket).where(Ticket.reply_token == token))
        if ticket is not None:
            return Match(ticket, "reply_address", f"sent to the ticket's reply address (+{token})")
    return None


def _by_message_ids(sub: Submission) -> Match | None:
    # In-Reply-To first: it names the message answered; References may be long (RFC 5322).
    ids = list(dict.fromkeys([*sub.in_reply_to, *reversed(sub.references)]))[:200]
    if not ids:
        return None
    rows = db.session.execute(
        select(OutboxMail.message_id, OutboxMail.ticket_id)
        .where(OutboxMail.message_id.in_(ids), OutboxMail.ticket_id.is_not(None))
    ).all()
    rows += db.session.execute(
        select(Message.message_id, Message.ticket_id).where(Message.message_id.in_(ids))
    ).all()
    found = {mid: tid for mid, tid in rows}
    for mid in ids:
        if mid in found:
            header = "In-Reply-To" if mid in sub.in_reply_to else "References"
            return Match(db.session.get(Ticket, found[mid]), "message_id",
                         f"{header} names <{mid}>")
    return None


def _by_subject_reference(sub: Submission) -> Match | None:
    match = REF_PATTERN.search(sub.subject or "")
    if not match or sub.sender is None:
        return None
    ticket = db.session.get(Ticket, int(match.group(1)))
    if ticket is None:
        return None
    participants = {ticket.reporter_email} | {w.email for w in ticket.watchers}
    if sub.sender.email not in participants:
        return None
    return Match(ticket, "subject_reference", f"subject names {match.group(0).upper()}")
