"""File contents stored once by their SHA-256, however many messages carry them.

The same logo in every signature, or one file sent to several tickets, is kept
once; attachments point at their blob.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime


class Blob(db.Model):
    __tablename__ = "blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    # Set by retention (app.retention): the content is gone, the hash is the evidence.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
