"""Tickets (incidents and service requests), their messages, attachments and watchers."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.agent import Agent
from app.models.base import UTCDateTime, utcnow
from app.models.blob import Blob
from app.models.catalogue import Service
from app.models.workflow import Team

PREFIXES = {"incident": "INC", "service_request": "REQ"}
REF_PATTERN = re.compile(r"\b(?:INC|REQ)-([0-9]{1,9})\b", re.IGNORECASE | re.ASCII)


def parse_ref(ref: str) -> int | None:
    """Return the ticket number in a reference such as INC-000123 (either prefix)."""
    match = REF_PATTERN.fullmatch(ref.strip())
    if match:
        return int(match.group(1))
    bare = ref.strip()  # ASCII digits only: int() would also read "٣" as 3
    return int(bare) if bare.isascii() and bare.isdigit() else None


class MessageKind:
    INBOUND = "inbound"
    PUBLIC_REPLY = "public_reply"
    INTERNAL_NOTE = "internal_note"


class Ticket(db.Model):
    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    subject: Mapped[str] = mapped_column(String(998), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[int] = mapped_column(default=3)
    urgency: Mapped[int] = mapped_column(default=3)
    priority: Mapped[str] = mapped_column(String(2), default="P5", index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    category: Mapped[str] = mapped_column(String(60), default="Other")
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    reporter_email: Mapped[str] = mapped_column(String(320), default="", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    needs_review: Mapped[bool] = mapped_column(default=True, index=True)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    classifier_version: Mapped[str] = mapped_column(String(40), default="")
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Workflow (issue 5): team, approver, hold reason, major-incident links, closure.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", name="fk_ticket_team_id"))
    approver_id: Mapped[int | None] = mapped_column(
        ForeignKey("agent.id", name="fk_ticket_approver_id"))
    hold_reason: Mapped[str | None] = mapped_column(String(30))
    next_action: Mapped[str] = mapped_column(String(500), default="")
    major: Mapped[bool] = mapped_column(default=False)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", name="fk_ticket_parent_id"), index=True)
    resolution_code: Mapped[str | None] = mapped_column(String(40))
    resolution_notes: Mapped[str | None] = mapped_column(Text)
    root_cause: Mapped[str | None] = mapped_column(String(20))  # "problem" or "not_needed"
    problem_ref: Mapped[str | None] = mapped_column(String(60))
    root_cause_reason: Mapped[str | None] = mapped_column(Text)
    # SLA clocks, kept current by app.sla as events arrive (queues sort on them).
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    resolution_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_pauses: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    follow_up_of: Mapped[Ticket | None] = relationship(remote_side="Ticket.id",
                                                       foreign_keys=[follow_up_of_id])
    service: Mapped[Service | None] = relationship()
    assignee: Mapped[Agent | None] = relationship(foreign_keys=[assignee_id])
    approver: Mapped[Agent | None] = relationship(foreign_keys=[approver_id])
    team: Mapped[Team | None] = relationship()
    parent: Mapped[Ticket | None] = relationship(remote_side="Ticket.id", foreign_keys=[parent_id])
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.id"
    )
    watchers: Mapped[list[Watcher]] = relationship(back_populates="ticket", order_by="Watcher.id")

    @property
    def ref(self) -> str:
        return f"{PREFIXES[self.kind]}-{self.id:06d}"


class Watcher(db.Model):
    __tablename__ = "watcher"
    __table_args__ = (UniqueConstraint("ticket_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")

    ticket: Mapped[Ticket] = relationship(back_populates="watchers")


class Message(db.Model):
    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intake_item.id"))
    kind: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    from_name: Mapped[str] = mapped_column(String(200), default="")
    from_email: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(998), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    # The whole text as sent, quoted history and signature included; body_text is
    # what the sender wrote this time.
    full_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    threaded_by: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author: Mapped[Agent | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(back_populates="message")
    refs: Mapped[list[MessageRef]] = relationship(back_populates="message")


class MessageRef(db.Model):
    """One Message-ID an inbound message names in In-Reply-To or References.

    Lets a parent that arrives after its reply find the reply's ticket, and lets
    two replies that share an ancestor meet in one ticket.
    """

    __tablename__ = "message_ref"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    ref_id: Mapped[str] = mapped_column(String(998), index=True)

    message: Mapped[Message] = relationship(back_populates="refs")


class Attachment(db.Model):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_id: Mapped[str | None] = mapped_column(String(998))
    inline: Mapped[bool] = mapped_column(default=False)
    # Set when the content was not kept (over MAX_ATTACHMENT_BYTES): the raw mail has it.
    omitted: Mapped[str | None] = mapped_column(String(200))
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))

    message: Mapped[Message] = relationship(back_populates="attachments")
    blob: Mapped[Blob | None] = relationship()

    @property
    def content(self) -> bytes:
        return self.blob.content if self.blob is not None else b""
