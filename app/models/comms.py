"""Communication data: admins' mail-template overrides, the knowledge base, stakeholders.

Template overrides are optional: without a row the file in templates/email/ is
used. Subscriptions tie an address to a service; its incidents' public updates
reach every subscriber.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.catalogue import Service


class MailTemplate(db.Model):
    """An admin's version of one mail event's subject, text and HTML."""

    __tablename__ = "mail_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class KbArticle(db.Model):
    """A short self-help article agents write; suggested on the report form."""

    __tablename__ = "kb_article"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(String(500), default="")
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    published: Mapped[bool] = mapped_column(default=True)
    updated_by: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    service: Mapped[Service | None] = relationship()


class Subscription(db.Model):
    """A stakeholder who gets every public update on incidents of one service."""

    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("service_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(20), default="agent")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    service: Mapped[Service] = relationship()
