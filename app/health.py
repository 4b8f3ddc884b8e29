"""Mailbox health as any web process sees it: read from the `mailbox_status` table.

Pollers write the table (`app.mailbox_status`); this module only reads it and
judges each mailbox: degraded while its last poll failed, or when it has not
succeeded for `STALE_AFTER` (a poller that died writes nothing at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import MailboxStatus
from app.models.base import utcnow

STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class MailboxHealth:
    row: MailboxStatus
    status: str  # "ok" or "degraded"
    problem: str | None
    lag_seconds: int | None  # how long the oldest waiting mail has waited


def judge(row: MailboxStatus, now: datetime) -> MailboxHealth:
    """Decide whether one mailbox is healthy, and say why not."""
    problem = None
    if row.consecutive_failures > 0:
        problem = f"{row.consecutive_failures} failed poll(s) in a row: {row.last_error or '?'}"
    elif row.last_success_at is None:
        problem = "never polled successfully"
    elif now - row.last_success_at > STALE_AFTER:
        minutes = int((now - row.last_success_at).total_seconds() // 60)
        problem = f"no successful poll for {minutes} minutes"
    lag = (int((now - row.oldest_waiting_at).total_seconds())
           if row.oldest_waiting_at is not None else None)
    return MailboxHealth(row, "degraded" if problem else "ok", problem, lag)


def mailboxes(now: datetime | None = None) -> list[MailboxHealth]:
    """Every mailbox a poller has reported on, judged, by name."""
    now = now or utcnow()
    rows = db.session.scalars(select(MailboxStatus).order_by(MailboxStatus.mailbox)).all()
    return [judge(row, now) for row in rows]


def as_json(health: MailboxHealth, iso) -> dict:
    """A mailbox's health for /healthz; `iso` formats datetimes."""
    row = health.row
    return {
        "mailbox": row.mailbox, "status": health.status, "problem": health.problem,
        "last_poll": iso(row.last_poll_at), "last_success": iso(row.last_success_at),
        "last_error": row.last_error, "last_error_at": iso(row.last_error_at),
        "consecutive_failures": row.consecutive_failures, "stored_total": row.stored_total,
        "backlog": row.backlog, "oldest_waiting": iso(row.oldest_waiting_at),
        "lag_seconds": health.lag_seconds,
    }
