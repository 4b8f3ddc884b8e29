"""Cheap facts about raw mail bytes, read before any full parse: identity and fingerprint.

Used when a report is stored, so it must be fast and must never raise.
"""

from __future__ import annotations

import hashlib
import re
from email.parser import BytesHeaderParser
from email.policy import compat32

_SURROGATES = re.compile("[\ud800-\udfff]")
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
_ID = re.compile(r"<([^<>]*)>")
# RFC 5322 sets no length for a msg-id, but every id we keep ends up in a header
# line of ours (In-Reply-To, References) and in a bounded database column. Longer
# ids are shortened the same way wherever they appear, so threading still works.
MAX_ID_LENGTH = 250


def split_raw(raw: bytes) -> tuple[bytes, bytes]:
    """Split raw mail into its header block and body at the first blank line."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at != -1:
            return raw[:at], raw[at + len(sep):]
    return raw, b""


def header_message_id(raw: bytes) -> str | None:
    """Return the first Message-ID without angle brackets, or None when missing or empty."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(split_raw(raw)[0] + b"\n\n")
    ids = message_ids(str(headers.get("Message-ID", "") or ""))
    return ids[0] if ids else None


def message_ids(value: str) -> tuple[str, ...]:
    """Return the ids in a Message-ID/In-Reply-To/References value, bare and bounded.

    Tolerates what real mail does: ids without angle brackets, folding or spaces
    inside the brackets, several ids, comments and garbage between them.
    """
    value = value.replace("\x00", "")
    ids = [re.sub(r"\s+", "", m) for m in _ID.findall(value)]
    if not ids:
        ids = [token.strip("<>") for token in re.split(r"[\s,]+", value) if "@" in token]
    return tuple(dict.fromkeys(clip_id(i) for i in ids if i))


def clip_id(msg_id: str) -> str:
    """Shorten an over-long id to MAX_ID_LENGTH: a digest of it, then its tail (domain)."""
    msg_id = _SURROGATES.sub("\ufffd", msg_id)
    if len(msg_id) <= MAX_ID_LENGTH:
        return msg_id
    digest = hashlib.sha256(msg_id.encode("utf-8")).hexdigest()[:40]
    return f"{digest}~{msg_id[-(MAX_ID_LENGTH - len(digest) - 1):]}"


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
