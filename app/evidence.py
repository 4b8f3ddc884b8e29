"""Evidence export: one ticket's or one period's events, raw mails and files in a zip.

The zip holds events.json and events.csv (every chained field, so a reader can
re-check the links), raw/ (each intake item's bytes exactly as stored), outbound/
(each outbox mail as built for sending), attachments/ (stored file contents), and
manifest.json plus SHA256SUMS with the SHA-256 of every file. It only reads, apart
from recording that an export was made.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select

from app import audit
from app.audit_chain import stamp
from app.extensions import db
from app.models import Attachment, Event, IntakeItem, Message, OutboxMail, Ticket
from app.models.base import utcnow

COLUMNS = ("id", "created_at", "chain", "seq", "ticket_id", "intake_id", "actor", "action",
           "field", "old", "new", "detail", "prev_hash", "hash")


@dataclass(frozen=True)
class Scope:
    ticket: Ticket | None = None
    start: date | None = None
    end: date | None = None

    def label(self) -> str:
        return self.ticket.ref if self.ticket else f"{self.start}..{self.end}"

    def bounds(self) -> tuple[datetime, datetime]:
        """Return the period as [start, end) in UTC, whole days included."""
        return (datetime.combine(self.start, time.min, UTC),
                datetime.combine(self.end + timedelta(days=1), time.min, UTC))


def export(scope: Scope, actor: str = "system") -> bytes:
    """Build the evidence zip for a scope and record the export (the caller commits)."""
    events = _events(scope)
    files: dict[str, bytes] = {"events.json": _json(events), "events.csv": _csv(events)}
    ticket_ids = {e.ticket_id for e in events if e.ticket_id} | (
        {scope.ticket.id} if scope.ticket else set())
    for item in _intake_items(scope, {e.intake_id for e in events if e.intake_id}, ticket_ids):
        files[f"raw/intake-{item.id}.{'json' if item.source == 'form' else 'eml'}"] = item.raw
    for mail in _outbox(scope, ticket_ids):
        from app.mailer import build_message

        files[f"outbound/outbox-{mail.id}.eml"] = bytes(build_message(mail))
    for att in _attachments(ticket_ids):
        if att.blob is not None:
            files[f"attachments/{att.sha256[:16]}-{att.id}-{att.filename}"] = att.content
    audit.record("evidence_exported", actor=actor, new=scope.label(), events=len(events),
                 files=len(files))
    return _zip(files, scope, len(events))


def _events(scope: Scope) -> list[Event]:
    query = select(Event).order_by(Event.chain, Event.seq, Event.id)
    if scope.ticket is not None:
        intake = select(IntakeItem.id).where(IntakeItem.ticket_id == scope.ticket.id)
        query = query.where(or_(Event.ticket_id == scope.ticket.id, Event.intake_id.in_(intake)))
    else:
        start, end = scope.bounds()
        query = query.where(Event.created_at >= start, Event.created_at < end)
    return list(db.session.scalars(query))


def _intake_items(scope: Scope, intake_ids: set, ticket_ids: set) -> list[IntakeItem]:
    where = [IntakeItem.id.in_(intake_ids)]
    if scope.ticket is not None:
        where.append(IntakeItem.ticket_id == scope.ticket.id)
    return list(db.session.scalars(select(IntakeItem).where(or_(*where)).order_by(IntakeItem.id)))


def _outbox(scope: Scope, ticket_ids: set) -> list[OutboxMail]:
    query = select(OutboxMail).order_by(OutboxMail.id)
    if scope.ticket is not None:
        return list(db.session.scalars(query.where(OutboxMail.ticket_id == scope.ticket.id)))
    start, end = scope.bounds()
    return list(db.session.scalars(query.where(OutboxMail.created_at >= start,
                                               OutboxMail.created_at < end)))


def _attachments(ticket_ids: set) -> list[Attachment]:
    if not ticket_ids:
        return []
    return list(db.session.scalars(select(Attachment).join(Message)
                                   .where(Message.ticket_id.in_(ticket_ids))
                                   .order_by(Attachment.id)))


def _row(ev: Event) -> dict:
    row = {name: getattr(ev, name) for name in COLUMNS}
    row["created_at"] = stamp(ev.created_at)
    return row


def _json(events: list[Event]) -> bytes:
    return json.dumps([_row(e) for e in events], indent=1, ensure_ascii=False).encode()


def _csv(events: list[Event]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for ev in events:
        writer.writerow({**_row(ev), "detail": json.dumps(ev.detail, sort_keys=True)})
    return out.getvalue().encode()


def _zip(files: dict[str, bytes], scope: Scope, count: int) -> bytes:
    """Write the files, then a manifest of their SHA-256 hashes, into one zip."""
    listing = [{"path": p, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
               for p, b in sorted(files.items())]
    manifest = {"scope": scope.label(), "generated_at": stamp(utcnow()), "events": count,
                "hash": "sha256", "files": listing}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in sorted(files.items()):
            archive.writestr(path, content)
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        archive.writestr("SHA256SUMS", "".join(f"{f['sha256']}  {f['path']}\n" for f in listing))
    return buffer.getvalue()
