"""The one intake pipeline every source goes through, from a stored raw item.

    stored raw item -> parse -> deduplicate -> screen -> correlate
        -> (thread into a ticket | classify -> open a ticket) -> notify

Each stage records what it decided in the event log. The outcome is a state of
the stored item (ticketed, threaded, duplicate, screened, quarantined): it never
changes what the source was told, and a failure keeps the item for a replay.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm import undefer

from app import audit, notify, outcomes, stages
from app.extensions import db
from app.models import IntakeItem, IntakeState
from app.models.base import utcnow

log = logging.getLogger(__name__)


def process_intake(item_id: int) -> str | None:
    """Run the pipeline for one stored item (job function); return its final state."""
    if not _claim(item_id):
        return None
    # One SELECT with the (deferred) raw bytes, which parsing needs anyway.
    item = db.session.get(IntakeItem, item_id, options=[undefer(IntakeItem.raw)])
    try:
        state = _run(item)
        item.state, item.processed_at, item.error = state, utcnow(), None
        ticket_id = item.ticket_id  # read before the commit expires the item
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        state = _failed(item_id, exc)
        if state == IntakeState.RECEIVED:
            raise
        ticket_id = db.session.get(IntakeItem, item_id).ticket_id
    if ticket_id is not None:
        notify.dispatch_queued(ticket_id)
    return state


def _run(item: IntakeItem) -> str:
    """The pipeline's order, in one place; each outcome records itself."""
    sub = stages.parse(item)
    _record_parsed(item, sub)
    original = stages.deduplicate(item, sub)
    if original is not None:
        return outcomes.duplicate(item, original)
    verdict = stages.screen(sub, item.envelope_from if item.source == "smtp" else None)
    if verdict is not None:
        return outcomes.screened(item, sub, verdict)
    match = stages.correlate(item, sub)
    if match is not None and (match.strong or match.participant):
        return outcomes.thread(item, sub, match)
    return outcomes.open_new(item, sub, weak=match)


def _record_parsed(item: IntakeItem, sub) -> None:
    """Record what parsing found, so the evidence shows what each later stage saw."""
    audit.record("parsed", intake_id=item.id, new=sub.message_id,
                 sender=sub.sender.email if sub.sender else None, subject=sub.subject[:200],
                 attachments=[a.filename for a in sub.attachments], defects=list(sub.defects))


def _claim(item_id: int) -> bool:
    """Take the item for this worker; False when another has it or it is done."""
    claimed = db.session.execute(
        update(IntakeItem)
        .where(IntakeItem.id == item_id, IntakeItem.state == IntakeState.RECEIVED)
        .values(state=IntakeState.PROCESSING, attempts=IntakeItem.attempts + 1)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def _failed(item_id: int, exc: Exception) -> str:
    """Keep the error; retry later, or quarantine after the last attempt."""
    item = db.session.get(IntakeItem, item_id)
    last = item.attempts >= int(current_app.config["MAX_ATTEMPTS"])
    item.state = IntakeState.QUARANTINED if last else IntakeState.RECEIVED
    item.error = f"{type(exc).__name__}: {exc}"[:4000]
    audit.record("quarantined" if last else "processing_failed", intake_id=item_id,
                 new=item.error, attempt=item.attempts)
    db.session.commit()
    log.warning("intake %s failed (attempt %s): %s", item_id, item.attempts, item.error)
    return item.state


def reprocess(item_id: int) -> str | None:
    """Put a quarantined or screened item back and run it again with today's rules."""
    item = db.session.get(IntakeItem, item_id)
    if item is None:
        raise LookupError(f"no intake item {item_id}")
    if item.state in (IntakeState.TICKETED, IntakeState.THREADED):
        raise ValueError(f"intake item {item_id} already made {item.state}; nothing to redo")
    old = item.state
    item.state, item.attempts, item.fingerprint = IntakeState.RECEIVED, 0, None
    audit.record("reprocess_requested", intake_id=item_id, old=old, actor=audit.actor_name())
    db.session.commit()
    return process_intake(item_id)
