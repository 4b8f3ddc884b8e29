"""The one append-only event log every stage writes to, hash-chained per subject.

Rows are inserted, never updated or deleted: the ORM refuses both, so the log can
serve as audit evidence. Later features extend this table instead of adding others.

Each event belongs to one chain (a ticket, an intake item, "config" or "system"),
carries its place in it (`seq`) and a SHA-256 over its predecessor's hash and its
own content (see `app.audit_chain`). `AuditChainHead` holds each chain's newest
seq and hash, so a removed newest event or a removed chain shows; `AuditCheckpoint`
snapshots all heads now and then, so removing a chain together with its head does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Event(db.Model):
    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_event_chain_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intake_item.id"), index=True)
    actor: Mapped[str] = mapped_column(String(320), default="system")
    action: Mapped[str] = mapped_column(String(60))
    field: Mapped[str | None] = mapped_column(String(60))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    # Set by app.audit_chain when the row is inserted; NULL only on a forged row.
    chain: Mapped[str | None] = mapped_column(String(40))
    seq: Mapped[int | None] = mapped_column()
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(db.Model):
    """The newest event of one chain; its row is the lock writers to that chain take."""

    __tablename__ = "audit_chain_head"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64), default="")


class AuditCheckpoint(db.Model):
    """All chain heads at one moment, chained to the checkpoint before."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heads: Mapped[dict] = mapped_column(JSON, default=dict)  # chain -> [seq, hash]
    prev_digest: Mapped[str] = mapped_column(String(64), default="")
    digest: Mapped[str] = mapped_column(String(64))


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit event."""


@event.listens_for(Event, "before_update")
@event.listens_for(AuditCheckpoint, "before_update")
def _refuse_update(mapper, connection, target):
    raise AppendOnlyError("events are append-only")


@event.listens_for(Event, "before_delete")
@event.listens_for(AuditCheckpoint, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AppendOnlyError("events are append-only")
