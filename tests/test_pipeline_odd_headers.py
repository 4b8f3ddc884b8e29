"""Odd and over-long headers through the whole pipeline, on SQLite and on PostgreSQL.

PostgreSQL enforces column lengths that SQLite ignores, so a 1,500-character
Message-ID, display name, address or Content-ID once crashed a report there and
left it to be retried until quarantined. Each mail here must become a ticket.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import pipeline
from app.extensions import db
from app.models import IntakeItem, Message, Ticket
from app.store import store_raw

LONG = b"x" * 1500
HEAD = b"To: support@example.org\r\nSubject: Printer broken\r\n"
BODY = b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe printer on floor 2 is broken.\r\n"


def mail(*headers: bytes, body: bytes = BODY) -> bytes:
    return b"".join(h + b"\r\n" for h in headers) + HEAD + body


RELATED = (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=B\r\n\r\n"
           b"--B\r\nContent-Type: text/html\r\n\r\n<p>The printer is broken <img src=x></p>\r\n"
           b"--B\r\nContent-Type: image/png\r\nContent-ID: <" + LONG + b">\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--B--\r\n")
ODD = {
    "long Message-ID": mail(b"From: a@example.com", b"Message-ID: <" + LONG + b"@example.com>"),
    "Message-ID without brackets": mail(b"From: a@example.com",
                                        b"Message-ID: " + LONG + b"@example.com"),
    "long In-Reply-To and References": mail(
        b"From: a@example.com", b"Message-ID: <r@example.com>",
        b"In-Reply-To: <" + LONG + b"@example.com>", b"References: <" + LONG + b"@x> <y@x>"),
    "long display name": mail(b'From: "' + b"N" * 600 + b'" <a@example.com>'),
    "long 8-bit name": mail(b"From: " + "É".encode() * 400 + b" <a@example.com>"),
    "long address": mail(b"From: " + b"a" * 400 + b"@example.com", b"Cc: " + LONG + b"@x.com"),
    "long Content-ID": mail(b"From: a@example.com", body=RELATED),
}


@pytest.mark.parametrize("name", list(ODD))
def test_odd_headers_still_make_a_ticket(name: str, app) -> None:
    stored = store_raw("import", ODD[name])
    assert pipeline.process_intake(stored.item_id) == "ticketed"
    item = db.session.get(IntakeItem, stored.item_id)
    message = db.session.scalar(select(Message).where(Message.intake_id == item.id))
    assert message.message_id == item.message_id  # one identity, however it was written
    assert len(message.message_id or "") <= 250
    assert db.session.get(Ticket, item.ticket_id).description


def test_a_reply_naming_a_long_id_threads_to_its_ticket(app) -> None:
    first = store_raw("import", ODD["long Message-ID"])
    pipeline.process_intake(first.item_id)
    reply = mail(b"From: a@example.com", b"Message-ID: <reply@example.com>",
                 b"In-Reply-To:\r\n <" + LONG + b"@example.com>")
    second = store_raw("import", reply)
    assert pipeline.process_intake(second.item_id) == "threaded"
