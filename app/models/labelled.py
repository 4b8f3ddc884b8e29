"""Labelled examples from agents: every confirmation or override of a ticket's kind.

Rows are training data for `gateway classifier train` and the source of the
override rate on the review page and in the API. `predicted` is the kind the ticket
had before the agent decided, `label` the kind the agent chose.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class LabelledExample(db.Model):
    __tablename__ = "labelled_example"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(998), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    label: Mapped[str] = mapped_column(String(20))
    predicted: Mapped[str] = mapped_column(String(20))
    overridden: Mapped[bool] = mapped_column(default=False)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    classifier_version: Mapped[str] = mapped_column(String(40), default="")
    actor: Mapped[str] = mapped_column(String(320), default="")
