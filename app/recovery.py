"""Re-queue stored items that no job is working on (after a crash or a lost job).

Storage is what counts as accepted; this sweep makes sure every accepted item
is eventually processed, even if the process that stored it died before queueing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.jobs import enqueue_intake, enqueue_outbox
from app.models import IntakeItem, IntakeState, OutboxMail, OutboxState
from app.models.base import utcnow

STALE_AFTER = timedelta(minutes=10)


def requeue_pending(stale_after: timedelta = STALE_AFTER) -> int:
    """Queue received items and waiting mail, and what got stuck longer than `stale_after`."""
    cutoff = utcnow() - stale_after
    db.session.execute(
        update(IntakeItem)
        .where(IntakeItem.state == IntakeState.PROCESSING, IntakeItem.received_at < cutoff)
        .values(state=IntakeState.RECEIVED)
    )
    db.session.commit()
    ids = db.session.scalars(select(IntakeItem.id).where(
        IntakeItem.state == IntakeState.RECEIVED).order_by(IntakeItem.id)).all()
    for item_id in ids:
        enqueue_intake(item_id)
    return len(ids) + requeue_outbox(cutoff)


def requeue_outbox(cutoff) -> int:
    """Queue outbox mail that is waiting, or was left half-sent by a crash."""
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.state == OutboxState.SENDING, OutboxMail.created_at < cutoff)
        .values(state=OutboxState.QUEUED)
    )
    db.session.commit()
    ids = db.session.scalars(select(OutboxMail.id).where(
        OutboxMail.state == OutboxState.QUEUED).order_by(OutboxMail.id)).all()
    for outbox_id in ids:
        enqueue_outbox(outbox_id)
    return len(ids)
