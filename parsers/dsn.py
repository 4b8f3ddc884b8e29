"""Delivery status notifications (RFC 3464): which recipients failed, and why.

Read from the `message/delivery-status` part a bounce carries; used to mark an
address undeliverable so we stop writing to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.submission import Submission

_FIELD = re.compile(r"^([A-Za-z-]+):\s*(.*)$")


@dataclass(frozen=True)
class FailedRecipient:
    email: str
    status: str
    diagnostic: str


def failed_recipients(sub: Submission) -> tuple[FailedRecipient, ...]:
    """Return the recipients a DSN reports as failed (Action: failed)."""
    failed: list[FailedRecipient] = []
    for att in sub.attachments:
        if att.content_type.lower() != "message/delivery-status":
            continue
        text = att.content.decode("utf-8", errors="replace").replace("\r\n", "\n")
        for block in re.split(r"\n\s*\n", text):
            fields = _fields(block)
            recipient = fields.get("final-recipient") or fields.get("original-recipient", "")
            address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
            if address and fields.get("action", "").lower() == "failed":
                failed.append(FailedRecipient(address, fields.get("status", ""),
                                              fields.get("diagnostic-code", "")[:500]))
    return tuple(failed)


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    last = ""
    for line in block.split("\n"):
        if line[:1] in (" ", "\t") and last:
            fields[last] += " " + line.strip()
            continue
        match = _FIELD.match(line)
        if match:
            last = match.group(1).lower()
            fields.setdefault(last, match.group(2).strip())
    return fields
