"""Walk a parsed MIME tree and sort its leaves into body text, HTML and attachments.

Owns which part is *the body*: `text/plain` is preferred inside
`multipart/alternative`, signatures (`smime.p7s`, PGP) and encrypted parts are
always attachments, `message/rfc822` is never descended into (its text and
headers belong to the forwarded mail, not to this one), and TNEF winmail.dat
is unpacked. It does not decide anything about tickets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser

from parsers.attachments import (
    decode_tnef,
    guess_type,
    message_bytes,
    part_filename,
    payload_bytes,
    raw_payload,
    rfc822_attachment,
    safe_filename,
    split_uuencoded,
)
from parsers.calendar import summary as calendar_summary
from parsers.charsets import decode_bytes, decode_header
from parsers.html_text import html_to_text
from parsers.rawinfo import clip_id
from parsers.submission import Attachment

_SIGNATURES = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)
_TNEF = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
_BODY_TYPES = frozenset({"text/plain", "text/html"})
_CALENDAR = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})


@dataclass
class Walk:
    """What the walk found, in document order."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    tnef_text: list[str] = field(default_factory=list)
    calendar_text: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    hints: tuple[str, ...] = ()

    def attach(self, name: str | None, ctype: str, data: bytes, **extra: object) -> None:
        """Add an attachment with a safe name numbered by its position."""
        filename = safe_filename(name, len(self.attachments) + 1, ctype)
        self.attachments.append(Attachment(filename, ctype, data, **extra))  # type: ignore[arg-type]


def walk(msg: Message, hints: tuple[str, ...] = ()) -> Walk:
    """Sort every part of `msg` into body text, HTML and attachments.

    `hints` are the charsets the mail declares, for unlabelled 8-bit names.
    """
    state = Walk(hints=hints)
    _visit(msg, state, related=False, force_attachment=False)
    return state


def _defects(part: Message, state: Walk) -> None:
    for defect in getattr(part, "defects", ()):
        state.defects.append(type(defect).__name__)


def _visit(part: Message, state: Walk, *, related: bool, force_attachment: bool) -> None:
    ctype = part.get_content_type()
    if ctype.startswith("message/") and isinstance(raw_payload(part), list):
        _defects(part, state)
        _message_part(part, ctype, state)
    elif part.is_multipart():
        _defects(part, state)
        _multipart(part, ctype, state, related=related, force=force_attachment)
    else:
        _leaf(part, ctype, state, related=related, force=force_attachment)


def _children(part: Message) -> list[Message]:
    payload = raw_payload(part)
    return [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []


def _multipart(part: Message, ctype: str, state: Walk, *, related: bool, force: bool) -> None:
    children = _children(part)
    subtype = ctype.split("/", 1)[1]
    if subtype == "alternative" and not force:
        _alternative(children, state, related=related)
        return
    for i, child in enumerate(children):
        # RFC 1847: in multipart/signed only the first part is content;
        # in multipart/encrypted nothing is readable text.
        as_file = force or subtype == "encrypted" or (subtype == "signed" and i > 0)
        _visit(child, state, related=related or subtype == "related", force_attachment=as_file)


def _alternative(children: list[Message], state: Walk, *, related: bool) -> None:
    """Take text/plain from the first alternative that has it, HTML from the last."""
    walks = []
    for child in children:
        sub = Walk(hints=state.hints)
        _visit(child, sub, related=related, force_attachment=False)
        walks.append((child, sub))
    plain = next((sub.plain for _, sub in walks if sub.plain), [])
    html = next((sub.html for _, sub in reversed(walks) if sub.html), [])
    state.plain.extend(plain)
    state.html.extend(html)
    for child, sub in walks:
        state.defects.extend(sub.defects)
        state.tnef_text.extend(sub.tnef_text)
        state.calendar_text.extend(sub.calendar_text)
        # An invitation is one of the alternatives (Outlook): keep it as a file too.
        if child.is_multipart() or child.get_content_type() in _CALENDAR:
            for att in sub.attachments:
                state.attach(att.filename, att.content_type, att.content,
                             content_id=att.content_id, inline=att.inline)


def _message_part(part: Message, ctype: str, state: Walk) -> None:
    if ctype in {"message/rfc822", "message/global"}:
        att = rfc822_attachment(part, len(state.attachments) + 1, state.hints)
        state.attachments.append(att)
        return
    # message/delivery-status and friends: header blocks, kept as a text file.
    blocks = [message_bytes(b) for b in _children(part)]
    state.attach(part_filename(part, state.hints), ctype, b"".join(blocks))


def _leaf(part: Message, ctype: str, state: Walk, *, related: bool, force: bool) -> None:
    name = part_filename(part, state.hints)
    data = payload_bytes(part)
    _defects(part, state)
    disposition = part.get_content_disposition()
    if ctype in _TNEF or (name or "").lower() == "winmail.dat":
        _tnef(name, ctype, data, state)
        return
    if ctype in _CALENDAR:
        _calendar(name, ctype, data, _charset(part), state)
        return
    if ctype.startswith("multipart/"):
        repaired = reparse_multipart(ctype, data)
        if repaired is not None:
            _multipart(repaired, ctype, state, related=related, force=force)
            return
        ctype = "text/plain"  # multipart without a usable boundary: keep its words
    is_body = ctype in _BODY_TYPES and disposition != "attachment" and not name
    if is_body and b"\x00" in data[:65536] and "utf-16" not in (_charset(part) or ""):
        is_body, ctype = False, "application/octet-stream"  # binary junk is not a body
    if is_body and not force and ctype not in _SIGNATURES:
        text = decode_bytes(data, _charset(part))
        if ctype == "text/html":
            state.html.append(text)
            return
        text, files = split_uuencoded(text)
        state.plain.append(text)
        for filename, content in files:
            state.attach(filename, guess_type(filename), content)
        return
    cid = clip_id(decode_header(str(part.get("content-id") or "")).strip("<> ")) or None
    inline = bool(cid) and disposition != "attachment" and (related or disposition == "inline")
    state.attach(name, ctype, data, content_id=cid, inline=inline)


_BOUNDARY_LINE = re.compile(rb"^--([^\s\"]{1,200})\r?$", re.M)


def reparse_multipart(ctype: str, data: bytes) -> Message | None:
    """Re-read a multipart whose declared boundary never occurs, using the one that does."""
    for match in _BOUNDARY_LINE.finditer(data):
        boundary = match.group(1)
        following = data[match.end() : match.end() + 400].lstrip(b"\r\n")
        if boundary.endswith(b"--") or not following[:8].lower().startswith(b"content-"):
            continue
        head = f'Content-Type: {ctype}; boundary="'.encode() + boundary + b'"\r\n\r\n'
        repaired = BytesParser(policy=policy.compat32).parsebytes(head + data)
        return repaired if repaired.is_multipart() else None
    return None


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except (LookupError, UnicodeError, ValueError, TypeError):
        return None


def _tnef(name: str | None, ctype: str, data: bytes, state: Walk) -> None:
    decoded = decode_tnef(data)
    if decoded is None:
        state.attach(name or "winmail.dat", ctype, data)
        state.defects.append("TNEF winmail.dat could not be decoded; the body may be inside it")
        return
    text, html, files = decoded
    body = text.strip() or html_to_text(html)
    if body:
        state.tnef_text.append(body)
    for filename, content in files:
        state.attach(filename, guess_type(filename), content)


def _calendar(name: str | None, ctype: str, data: bytes, charset: str | None,
              state: Walk) -> None:
    """Keep an invitation as `invite.ics` and note what, when and where for the text."""
    described = calendar_summary(decode_bytes(data, charset))
    if described:
        state.calendar_text.append(described)
    state.attach(name or "invite.ics", ctype, data)
