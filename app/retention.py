"""Retention (off by default): purge raw mail and attachment contents of long-closed tickets.

What goes: the raw bytes of the intake items of tickets closed more than N days
ago, and the attachment blobs only those tickets use. What stays: every row, its
SHA-256 and size, and one `raw_purged` / `blob_purged` event per item in the
append-only log, so it can still be shown what was received and that it was
removed. Ticket text (description, messages) is kept. The evidence export that
lists purged items is built on those events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.models import Attachment, Blob, Event, IntakeItem, Message, Ticket
from app.models.base import utcnow

FINAL_STATUSES = ("closed", "cancelled")


@dataclass
class PurgeReport:
    tickets: list[str] = field(default_factory=list)
    intake_items: int = 0
    blobs: int = 0
    bytes: int = 0


def closed_before(days: int) -> list[Ticket]:
    """Return final tickets whose last move to a final status is older than `days` days."""
    cutoff = utcnow() - timedelta(days=days)
    closed_at = (select(Event.ticket_id, func.max(Event.created_at).label("at"))
                 .where(Event.field == "status", Event.new.in_(FINAL_STATUSES))
                 .group_by(Event.ticket_id).subquery())
    query = (select(Ticket).outerjoin(closed_at, closed_at.c.ticket_id == Ticket.id)
             .where(Ticket.status.in_(FINAL_STATUSES),
                    func.coalesce(closed_at.c.at, Ticket.updated_at) < cutoff))
    return list(db.session.scalars(query.order_by(Ticket.id)))


def purge(days: int, actor: str = "system") -> PurgeReport:
    """Purge what belongs only to tickets closed more than `days` days ago; commit."""
    if days < 1:
        raise ValueError("retention needs at least 1 day")
    report = PurgeReport()
    tickets = closed_before(days)
    ids = [t.id for t in tickets]
    report.tickets = [t.ref for t in tickets]
    for item in db.session.scalars(select(IntakeItem).where(
            IntakeItem.ticket_id.in_(ids), IntakeItem.purged_at.is_(None))):
        report.bytes += item.raw_size
        item.raw, item.purged_at = b"", utcnow()
        audit.record("raw_purged", ticket=_ticket(tickets, item.ticket_id), intake_id=item.id,
                     actor=actor, sha256=item.raw_sha256, size=item.raw_size, days=days)
        report.intake_items += 1
    for blob in _blobs_only_used_by(ids):
        report.bytes += blob.size
        blob.content, blob.purged_at = b"", utcnow()
        audit.record("blob_purged", actor=actor, field="sha256", new=blob.sha256,
                     sha256=blob.sha256, size=blob.size, days=days)
        report.blobs += 1
    db.session.commit()
    return report


def _ticket(tickets: list[Ticket], ticket_id: int | None) -> Ticket | None:
    return next((t for t in tickets if t.id == ticket_id), None)


def _blobs_only_used_by(ticket_ids: list[int]) -> list[Blob]:
    """Blobs attached to these tickets and to no other ticket (blobs are shared by hash)."""
    def used_by(where):
        return (select(Attachment.blob_sha256).join(Message, Attachment.message_id == Message.id)
                .where(where, Attachment.blob_sha256.is_not(None)))

    ours = used_by(Message.ticket_id.in_(ticket_ids))
    others = used_by(Message.ticket_id.not_in(ticket_ids))
    return list(db.session.scalars(select(Blob).where(
        Blob.sha256.in_(ours), Blob.sha256.not_in(others), Blob.purged_at.is_(None))))
