"""The transactional outbox: outbound mail written in the same transaction as its cause.

A row is the mail as it will be sent (recipients, headers, bodies); a job sends it
and records the result, so a crash between the change and the send loses nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class OutboxState:
    QUEUED = "queued"
    SENDING = "sending"
    CAPTURED = "captured"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"


class OutboxMail(db.Model):
    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    template: Mapped[str] = mapped_column(String(40))
    to: Mapped[list] = mapped_column(JSON, default=list)
    cc: Mapped[list] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(998))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list] = mapped_column(JSON, default=list)
    reply_to: Mapped[str | None] = mapped_column(String(320))
    # Further headers of this mail (List-Unsubscribe...), already sanitised.
    headers: Mapped[dict | None] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default=OutboxState.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
