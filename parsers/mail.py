"""Parse raw mail bytes into a `Submission`; never raise, record problems instead.

Owns the mail-to-`Submission` step: headers (decoded once, kept lower-cased
for screening), addresses, threading ids (bare, without angle brackets), the
date, and the body chosen by `parsers.mime_walk`. The MIME structure is read
with the stdlib `email` package in its forgiving compat32 mode from the raw
bytes (never from pre-decoded text); mail-parser is not used for bodies
because it drops windows-1252 characters and merges forwarded messages.
It takes no decision about tickets and imports nothing from `app`/`intake`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from parsers.charsets import clean_text, decode_header
from parsers.html_text import html_to_text
from parsers.mime_walk import walk
from parsers.quotes import strip_quotes
from parsers.rawinfo import message_ids
from parsers.submission import Address, Attachment, Submission

_WORD = re.compile(r"=\?[^?\s]+\?[BbQq]\?[^?]*\?=")
# RFC 5321 4.5.3.1.3: a path is at most 256 octets with its brackets, so a longer
# "address" can never be delivered to; a display name past a header line is junk.
MAX_ADDRESS_LENGTH = 254
MAX_NAME_LENGTH = 200
_EMAIL = re.compile(r"[^\s<>\"',;:()\[\]@]+@[^\s<>\"',;:()\[\]@]+")


def charset_hints(msg: Message) -> tuple[str, ...]:
    """Return the charsets the mail's parts declare, to decode unlabelled 8-bit headers."""
    try:
        found = msg.get_charsets()
    except (LookupError, UnicodeError, ValueError, TypeError, AttributeError):
        return ()
    return tuple(dict.fromkeys(c for c in found if isinstance(c, str) and c))


def first_headers(msg: Message, hints: tuple[str, ...] = ()) -> dict[str, str]:
    """Return lower-cased header name -> decoded value, first occurrence wins."""
    headers: dict[str, str] = {}
    for name, value in msg.raw_items():
        key = clean_text(str(name)).strip().lower()
        if key and key not in headers:
            headers[key] = decode_header(str(value), hints)
    return headers


def _raw(msg: Message, name: str) -> str:
    """Return the first raw (undecoded, unfolded) value of header `name`, or ''."""
    for key, value in msg.raw_items():
        if str(key).strip().lower() == name:
            return re.sub(r"\r?\n[ \t]*", " ", str(value)).strip()
    return ""


def _protect_words(raw: str) -> tuple[str, dict[str, str]]:
    """Hide encoded words behind plain tokens: broken senders put commas in them."""
    words: dict[str, str] = {}

    def hide(match: re.Match[str]) -> str:
        token = f"ENCWORD{len(words)}X"
        words[token] = match.group(0)
        return token

    return _WORD.sub(hide, raw), words


def _reveal(text: str, words: dict[str, str]) -> str:
    for token, word in words.items():
        text = text.replace(token, word)
    return text


def parse_addresses(raw: str, hints: tuple[str, ...] = ()) -> tuple[Address, ...]:
    """Parse an address header; tolerate trailing commas, garbage and 8-bit names."""
    protected, words = _protect_words(raw)
    try:
        pairs = getaddresses([protected]) if raw else []
    except (IndexError, ValueError, TypeError):  # old Pythons: trailing comma
        pairs = []
    found: list[Address] = []
    for name, addr in pairs:
        email = decode_header(_reveal(addr, words), hints).strip().strip("<>").lower()
        if _usable(email) and not any(a.email == email for a in found):
            name = decode_header(_reveal(name, words), hints).strip().strip("\"'").strip()
            found.append(Address(" ".join(name.split())[:MAX_NAME_LENGTH].strip(), email))
    if not found and raw:
        emails = dict.fromkeys(m.lower() for m in _EMAIL.findall(decode_header(raw, hints)))
        found = [Address("", email) for email in emails if _usable(email)]
    return tuple(found)


def _usable(email: str) -> bool:
    return "@" in email and len(email) <= MAX_ADDRESS_LENGTH


def bare_ids(raw: str) -> tuple[str, ...]:
    """Return the message ids in a header, without angle brackets, garbage skipped."""
    return message_ids(clean_text(raw))


def parse_date(raw: str) -> datetime | None:
    """Return an aware datetime from a Date header, or None when it is unusable."""
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _link_inline_images(html: str | None, atts: list[Attachment]) -> tuple[str | None, list]:
    """Mark images the HTML shows as inline; rewrite bare `src="x.png"` to `cid:`."""
    if not html:
        return html, atts
    linked = []
    for att in atts:
        cid = att.content_id
        if cid and (f"cid:{cid}" in html or f'src="{cid}"' in html):
            html = html.replace(f'src="{cid}"', f'src="cid:{cid}"')
            att = replace(att, inline=True)
        linked.append(att)
    return html, linked


def _body_text(plain: list[str], html: str | None, tnef: list[str],
               calendar: list[str]) -> str:
    """Choose the text: plain parts, else the HTML, else TNEF, else the invitations."""
    text = "\n\n".join(part.strip("\r\n") for part in plain if part.strip())
    if not text.strip() and html:
        text = html_to_text(html)
    if not text.strip() and tnef:
        text = "\n\n".join(tnef)
    if not text.strip() and calendar:
        text = "\n\n".join(calendar)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return clean_text("\n".join(line.rstrip() for line in text.split("\n"))).strip()


def _parse(raw: bytes) -> Submission:
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    hints = charset_hints(msg)
    found = walk(msg, hints)
    html, attachments = _link_inline_images("\n".join(found.html) or None, found.attachments)
    text = _body_text(found.plain, html, found.tnef_text, found.calendar_text)
    senders = parse_addresses(_raw(msg, "from"), hints) or parse_addresses(
        _raw(msg, "sender"), hints
    )
    message_ids = bare_ids(_raw(msg, "message-id"))
    date = parse_date(_raw(msg, "date"))
    defects = [*(type(d).__name__ for d in msg.defects), *found.defects]
    if _raw(msg, "date") and date is None:
        defects.append("InvalidDateHeader")
    return Submission(
        source="mail",
        subject=decode_header(_raw(msg, "subject"), hints),
        sender=senders[0] if senders else None,
        text=text,
        new_text=strip_quotes(text) if text else "",
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=bare_ids(_raw(msg, "in-reply-to")),
        references=bare_ids(_raw(msg, "references")),
        reply_to=parse_addresses(_raw(msg, "reply-to"), hints),
        to=parse_addresses(_raw(msg, "to"), hints),
        cc=parse_addresses(_raw(msg, "cc"), hints),
        date=date,
        html=unicodedata.normalize("NFC", clean_text(html)) if html else None,
        attachments=tuple(attachments),
        headers=first_headers(msg, hints),
        defects=tuple(dict.fromkeys(defects)),
    )


def parse_mail(raw: bytes) -> Submission:
    """Parse raw RFC 5322 bytes into a `Submission` (source "mail"); never raise."""
    try:
        return _parse(bytes(raw))
    except Exception as exc:  # the contract is "never raise": keep the item, say why
        return Submission(
            source="mail", subject="", sender=None, text="", new_text="",
            defects=(clean_text(f"unparseable: {type(exc).__name__}: {exc}"),),
        )
