"""The one storage call every source ends in: keep the raw report durably, exactly once.

A source acknowledges a report (SMTP 250, IMAP flag, form reference) only after
`store_raw` returns. Storing the same bytes again returns the existing item, so
re-delivery after a crash is harmless.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app import audit
from app.extensions import db
from app.models import IntakeItem
from parsers.rawinfo import header_message_id


class StorageUnavailable(RuntimeError):
    """The database could not commit the report; the sender must try again later."""


@dataclass(frozen=True)
class Stored:
    item_id: int
    created: bool


def store_raw(
    source: str,
    raw: bytes,
    *,
    envelope_from: str | None = None,
    envelope_to: tuple[str, ...] | list[str] = (),
    source_ref: str | None = None,
    message_id: str | None = None,
) -> Stored:
    """Commit a raw report and return its id; raise StorageUnavailable if that fails."""
    sha = hashlib.sha256(raw).hexdigest()
    try:
        existing = _find(sha)
        if existing is not None:
            return Stored(existing, created=False)
        item = IntakeItem(
            source=source, source_ref=source_ref, raw=raw, raw_size=len(raw), raw_sha256=sha,
            message_id=message_id if source == "form" else header_message_id(raw),
            envelope_from=envelope_from, envelope_to=list(envelope_to),
        )
        db.session.add(item)
        db.session.flush()
        audit.record("received", intake_id=item.id, source=source, bytes=len(raw),
                     ref=source_ref, sha256=sha)
        db.session.commit()
        return Stored(item.id, created=True)
    except IntegrityError:
        db.session.rollback()
        existing = _find(sha)
        if existing is None:
            raise StorageUnavailable("could not store the report") from None
        return Stored(existing, created=False)
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise StorageUnavailable(str(exc).splitlines()[0]) from exc


def _find(sha: str) -> int | None:
    return db.session.scalar(select(IntakeItem.id).where(IntakeItem.raw_sha256 == sha))
