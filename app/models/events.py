"""The one append-only event log every stage writes to.

Rows are inserted, never updated or deleted: the ORM refuses both, so the log can
serve as audit evidence. Later features extend this table instead of adding others.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Event(db.Model):
    __tablename__ = "event"

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


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit event."""


@event.listens_for(Event, "before_update")
def _refuse_update(mapper, connection, target):
    raise AppendOnlyError("events are append-only")


@event.listens_for(Event, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AppendOnlyError("events are append-only")
