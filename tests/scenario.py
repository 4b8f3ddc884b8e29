"""The scenario the shared corpus cases are written against (see cases/EXPECTED.md).

Ticket "#1042" (Ravi Menon, Martin Keller Cc'd) and "#1077" exist, with the
outbound Message-IDs the cases refer to recorded as already sent.
"""

from __future__ import annotations

from app import pipeline
from app.extensions import db
from app.models import IntakeItem, OutboxMail, Ticket
from app.store import store_raw
from tests.mailmaker import make_mail


def ingest(raw: bytes, source: str = "smtp", envelope_to=("support@example.org",)) -> IntakeItem:
    """Store and process one raw mail; return its intake item."""
    stored = store_raw(source, raw, envelope_to=list(envelope_to))
    pipeline.process_intake(stored.item_id)
    return db.session.get(IntakeItem, stored.item_id)


def _sent(ticket: Ticket, message_id: str, to: str) -> None:
    db.session.add(OutboxMail(ticket_id=ticket.id, template="acknowledgement", to=[to],
                              subject=f"[{ticket.ref}] {ticket.subject}", body_text="sent",
                              message_id=message_id, state="sent"))


def build() -> dict[str, Ticket]:
    """Create tickets 1042 and 1077 of the scenario; return them by their case number."""
    printer = ingest(make_mail(
        "Printer on floor 3 offline", "The printer on floor 3 is offline since this morning.",
        cc="Martin Keller <martin.keller@example.com>"))
    mailbox = ingest(make_mail("Mailbox quota", "Please raise my mailbox quota.",
                               sender="Old Mailbox <old.mailbox@example.net>"))
    t1042 = db.session.get(Ticket, printer.ticket_id)
    t1077 = db.session.get(Ticket, mailbox.ticket_id)
    for mid in ("t1042.n1", "t1042.n2", "t1042.a7"):
        _sent(t1042, f"{mid}@helpdesk.example.org", "ravi.menon@example.com")
    _sent(t1077, "t1077.n1@helpdesk.example.org", "old.mailbox@example.net")
    db.session.commit()
    return {"1042": t1042, "1077": t1077}
