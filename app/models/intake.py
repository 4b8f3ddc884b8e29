"""Raw intake items: every report exactly as it arrived, kept before anything else happens.

The raw bytes are the source of truth; parsing, classification and ticketing all
run from this row, so a crash or a bug never loses a report and any item can be
replayed with today's code.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class IntakeState:
    RECEIVED = "received"
    PROCESSING = "processing"
    TICKETED = "ticketed"
    THREADED = "threaded"
    DUPLICATE = "duplicate"
    SCREENED = "screened"
    QUARANTINED = "quarantined"
    DISCARDED = "discarded"
    DONE = (TICKETED, THREADED, DUPLICATE, SCREENED, DISCARDED)


class IntakeItem(db.Model):
    __tablename__ = "intake_item"
    __table_args__ = (Index("ix_intake_state_received", "state", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[str | None] = mapped_column(String(500))
    raw: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    raw_size: Mapped[int] = mapped_column(default=0)
    raw_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    # Set only on the item that won the content fingerprint, so a unique index
    # makes "one report, one ticket" hold even with several workers.
    fingerprint: Mapped[str | None] = mapped_column(String(64), unique=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("intake_item.id"))
    envelope_from: Mapped[str | None] = mapped_column(String(998))
    envelope_to: Mapped[list] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state: Mapped[str] = mapped_column(String(20), default=IntakeState.RECEIVED)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by retention (app.retention): `raw` is emptied, its SHA-256 stays here and in the log.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
