"""What we know about delivering to an address, and about the mailboxes we poll."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class UndeliverableAddress(db.Model):
    """An address a bounce told us does not receive mail; we stop writing to it."""

    __tablename__ = "undeliverable_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intake_item.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MailboxStatus(db.Model):
    """The health of one polled mailbox, written by its poller, read by any web process."""

    __tablename__ = "mailbox_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(500), unique=True)
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    stored_total: Mapped[int] = mapped_column(default=0)
    backlog: Mapped[int] = mapped_column(default=0)
    oldest_waiting_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
