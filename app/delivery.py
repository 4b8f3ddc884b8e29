"""Whom we may write to: undeliverable addresses (from bounces) and the per-sender limit.

A bounce of one of our mails marks the failed recipient undeliverable and leaves
an internal note on the ticket; we then stop writing to that address. The
acknowledgement limit per sender keeps a misbehaving system from making us send
a flood of mail.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import (
    IntakeItem,
    Message,
    MessageKind,
    OutboxMail,
    Ticket,
    UndeliverableAddress,
)
from app.models.base import utcnow
from parsers.dsn import failed_recipients
from parsers.submission import Submission


def undeliverable(emails: list[str]) -> set[str]:
    """Return those of the addresses that are marked undeliverable."""
    if not emails:
        return set()
    return set(db.session.scalars(select(UndeliverableAddress.email)
                                  .where(UndeliverableAddress.email.in_(emails))).all())


def why_not_acknowledge(email: str) -> str | None:
    """Say why this sender must not get an acknowledgement now, if so."""
    if not email:
        return "no reporter address"
    if undeliverable([email]):
        return f"{email} is marked undeliverable"
    limit = int(current_app.config["ACK_LIMIT_PER_HOUR"])
    since = utcnow() - timedelta(hours=1)
    sent = _acks_to(email, since)
    if sent >= limit:
        return f"{email} already got {sent} acknowledgements in the last hour"
    return None


def _acks_to(email: str, since) -> int:
    """Count acknowledgements to `email` since `since` (recipients are a JSON list)."""
    rows = db.session.scalars(select(OutboxMail.to).where(
        OutboxMail.template == "acknowledgement", OutboxMail.created_at >= since)).all()
    return sum(1 for to in rows if email in to)


def record_bounce(item: IntakeItem, sub: Submission, related_ids: tuple[str, ...]) -> None:
    """Mark the failed recipients of a bounced mail of ours and note it on its ticket."""
    bounced = db.session.scalars(select(OutboxMail).where(
        OutboxMail.message_id.in_(list(related_ids) or [""]))).all()
    if not bounced:
        return
    mail = bounced[0]
    failures = failed_recipients(sub) or ()
    emails = [f.email for f in failures] or (mail.to if len(mail.to) == 1 else [])
    reasons = {f.email: f"{f.status} {f.diagnostic}".strip() for f in failures}
    for email in emails:
        if not undeliverable([email]):
            db.session.add(UndeliverableAddress(email=email, reason=reasons.get(email, ""),
                                                ticket_id=mail.ticket_id, intake_id=item.id))
    ticket = db.session.get(Ticket, mail.ticket_id) if mail.ticket_id else None
    if ticket is not None and emails:
        note = (f"Delivery of <{mail.message_id}> failed for {', '.join(emails)}"
                + "".join(f"\n{e}: {r}" for e, r in reasons.items() if r)
                + "\nThese addresses are now marked undeliverable.")
        db.session.add(Message(ticket=ticket, kind=MessageKind.INTERNAL_NOTE, intake_id=item.id,
                               from_name="Mail delivery", body_text=note))
        audit.record("delivery_failed", ticket=ticket, intake_id=item.id, new=", ".join(emails))
