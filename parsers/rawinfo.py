"""Cheap facts about raw mail bytes, read before any full parse: identity and fingerprint.

Used when a report is stored, so it must be fast and must never raise.
"""

from __future__ import annotations

import hashlib
import re
from email.parser import BytesHeaderParser
from email.policy import compat32

# Headers that change when the same message travels another way (relays, mailbox
# delivery, IMAP and SMTP copies) and so must not count toward its identity.
TRACE_HEADERS = frozenset({
    "received", "return-path", "delivered-to", "x-original-to", "envelope-to",
    "x-received", "arc-seal", "arc-message-signature", "arc-authentication-results",
    "authentication-results", "received-spf", "dkim-signature", "x-google-dkim-signature",
    "x-gm-message-state", "x-spam-status", "x-spam-score", "x-spam-checker-version",
    "x-virus-scanned", "x-ms-exchange-organization-scl", "status", "x-status", "x-uid",
    "x-keywords", "lines", "content-length", "x-mozilla-status", "x-mozilla-status2",
})
_ID = re.compile(r"<([^<>\s]+)>")


def split_raw(raw: bytes) -> tuple[bytes, bytes]:
    """Split raw mail into its header block and body at the first blank line."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at != -1:
            return raw[:at], raw[at + len(sep):]
    return raw, b""


def header_message_id(raw: bytes) -> str | None:
    """Return the Message-ID without angle brackets, or None when missing or empty."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(split_raw(raw)[0] + b"\n\n")
    value = str(headers.get("Message-ID", "") or "").strip()
    match = _ID.search(value)
    if match:
        return match.group(1)[:990]
    value = value.strip("<> \t")
    return value[:990] or None


def content_fingerprint(raw: bytes) -> str:
    """Hash what identifies a message: its non-trace headers and its body.

    Two deliveries of one mail (a re-fetch, a second mailbox, IMAP and SMTP) differ
    only in trace headers and line endings, so they get the same fingerprint; a
    different mail that reuses a Message-ID does not.
    """
    head, body = split_raw(raw.replace(b"\r\n", b"\n"))
    kept = []
    for line in _unfold(head.split(b"\n")):
        name = line.split(b":", 1)[0].strip().lower().decode("latin-1")
        if name not in TRACE_HEADERS and not line.startswith(b"From "):
            kept.append(b" ".join(line.split()))
    digest = hashlib.sha256()
    for line in sorted(kept):
        digest.update(line + b"\n")
    digest.update(b"\n" + body.rstrip(b"\n"))
    return digest.hexdigest()


def _unfold(lines: list[bytes]) -> list[bytes]:
    """Join folded header continuation lines to their header."""
    out: list[bytes] = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += b" " + line.strip()
        elif line.strip():
            out.append(line)
    return out
