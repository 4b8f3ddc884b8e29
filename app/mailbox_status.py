"""Mailbox health kept in the database, so every web process can show every poller's state.

Pollers call `record_poll` after each pass; the Intake page and /healthz read the
`mailbox_status` table. A failure to record is logged, never raised: health
reporting must not stop the poller it reports on.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.extensions import db
from app.models import MailboxStatus
from app.models.base import utcnow

log = logging.getLogger(__name__)


def record_poll(app: Flask, mailbox: str, *, result=None, error: str | None = None) -> None:
    """Record one pass of a poller: its result, or the error that stopped it."""
    with app.app_context():
        try:
            _record(mailbox, result, error)
        except IntegrityError:  # two processes created the row at once: update theirs
            db.session.rollback()
            _record(mailbox, result, error)
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("could not record the health of %s: %s", mailbox, exc)


def _record(mailbox: str, result, error: str | None) -> None:
    row = db.session.scalar(select(MailboxStatus).where(MailboxStatus.mailbox == mailbox))
    if row is None:
        row = MailboxStatus(mailbox=mailbox, consecutive_failures=0, stored_total=0, backlog=0)
        db.session.add(row)
    now = utcnow()
    row.last_poll_at = now
    failed = error or (result is not None and result.storage_error)
    if failed:
        row.last_error, row.last_error_at = str(error or result.storage_error)[:2000], now
        row.consecutive_failures += 1
    else:
        row.last_success_at, row.consecutive_failures = now, 0
    if result is not None:
        row.stored_total += result.stored
        row.backlog = max(result.found - result.marked, 0)
    db.session.commit()
