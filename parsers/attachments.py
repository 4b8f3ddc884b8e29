"""Turn MIME leaf parts into safe `Attachment`s.

Owns the attachment rules: a safe file name (basename only, no controls, no
leading dots, generated when missing), RFC 2231 and RFC 2047 names,
`message/rfc822` kept whole as `<inner subject>.eml`, TNEF `winmail.dat`
unpacked with tnefparse, and uuencoded blocks inside text bodies. It never
writes files and never raises on a damaged part.
"""

from __future__ import annotations

import binascii
import mimetypes
import re
import unicodedata
from email.errors import MessageError
from email.generator import BytesGenerator
from email.message import Message
from io import BytesIO

import tnefparse

from parsers.charsets import decode_bytes, decode_header
from parsers.submission import Attachment

_TYPES = mimetypes.MimeTypes()  # built-in table only: same names on every host
_UNSAFE = re.compile(r'[<>:"|?*]')
_MAX_NAME_BYTES = 200


def extension_for(content_type: str) -> str:
    """Return a file extension (with dot) for a MIME type, `.bin` when unknown."""
    content_type = content_type.lower()
    if content_type in {"message/rfc822", "message/global"}:
        return ".eml"
    ext = _TYPES.guess_extension(content_type)
    if ext:
        return ext
    return ".txt" if content_type.split("/")[0] in {"text", "message"} else ".bin"


def guess_type(filename: str) -> str:
    """Return the MIME type a file name suggests, `application/octet-stream` if none."""
    return _TYPES.guess_type(filename, strict=False)[0] or "application/octet-stream"


def _shorten(name: str) -> str:
    """Cut a name to a storable length, keeping its extension."""
    if len(name.encode("utf-8")) <= _MAX_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    ext = ext if dot and len(ext) <= 10 else ""
    stem = stem if ext else name
    budget = _MAX_NAME_BYTES - len(ext.encode("utf-8")) - 1
    cut = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return f"{cut}.{ext}" if ext else cut


def safe_filename(name: str | None, index: int, content_type: str) -> str:
    """Return a storable name: NFC, last path part only, no controls, never empty."""
    # NFC: macOS mailers send decomposed names; stored text is always NFC.
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"})
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if not name:
        return f"attachment-{index}{extension_for(content_type)}"
    return _shorten(name)


def part_filename(part: Message, hints: tuple[str, ...] = ()) -> str | None:
    """Return the decoded file name a part declares (RFC 2231 or 2047), if any."""
    try:
        raw = part.get_filename()
    except (LookupError, UnicodeError, ValueError, TypeError, AttributeError):
        raw = part.get_param("filename", header="content-disposition", failobj=None)
        raw = raw if isinstance(raw, str) else None
    return decode_header(raw, hints) if raw else None


_UU_CTES = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})


def raw_payload(part: Message) -> str | list[Message] | None:
    """Return the undecoded payload (a str, or the sub-messages) without raising."""
    try:
        return part.get_payload()
    except (ValueError, LookupError, UnicodeError, TypeError):
        # get_payload() re-decodes 8-bit text with the declared charset and can
        # fail on a charset parameter holding junk (NUL, unknown names).
        return part._payload  # noqa: SLF001 - the stdlib offers no other way in


def payload_bytes(part: Message) -> bytes:
    """Return a leaf part's decoded payload; damaged encodings give what is recoverable."""
    raw = raw_payload(part)
    cte = str(part.get("content-transfer-encoding", "")).strip().lower()
    if cte in _UU_CTES and isinstance(raw, str) and not re.search(r"(?m)^begin ", raw):
        # Some mailers send x-uuencode without the "begin" line the stdlib needs.
        return _uudecode_lines([line.rstrip("\r") for line in raw.split("\n")])
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, binascii.Error, UnicodeError, AssertionError):
        data = None
    if isinstance(data, bytes):
        return data
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogateescape")
    return b""


def message_bytes(msg: Message) -> bytes:
    """Serialise an embedded message back to bytes without mangling From lines."""
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False).flatten(msg)
    except (TypeError, ValueError, LookupError, UnicodeError, AttributeError, MessageError):
        # The generator refuses damaged headers; write them back as they came.
        head = "".join(f"{name}: {value}\n" for name, value in msg.raw_items())
        body = raw_payload(msg)
        text = head + "\n" + (body if isinstance(body, str) else "")
        return text.encode("utf-8", errors="surrogateescape")
    return buffer.getvalue()


def rfc822_attachment(part: Message, index: int, hints: tuple[str, ...] = ()) -> Attachment:
    """Keep a forwarded `message/rfc822` whole, named after its inner Subject."""
    inner = raw_payload(part)
    inner_msg = inner[0] if isinstance(inner, list) and inner else None
    if isinstance(inner_msg, Message):
        content = message_bytes(inner_msg)
        raw = next((str(v) for k, v in inner_msg.raw_items() if k.lower() == "subject"), "")
        subject = decode_header(raw, hints)
    else:
        content, subject = payload_bytes(part), ""
    name = part_filename(part, hints) or (f"{subject}.eml" if subject.strip() else None)
    if name and not name.lower().endswith(".eml"):
        name += ".eml"
    return Attachment(safe_filename(name, index, "message/rfc822"), "message/rfc822", content)


def decode_tnef(data: bytes) -> tuple[str, str, list[tuple[str, bytes]]] | None:
    """Return (text, html, files) from a TNEF winmail.dat, or None when undecodable."""
    try:
        tnef = tnefparse.TNEF(data)
        files = [
            (a.long_filename() or a.name or "", bytes(a.data or b""))
            for a in tnef.attachments
        ]
        text = tnef.body if isinstance(tnef.body, bytes) else (tnef.body or "").encode()
        html = tnef.htmlbody if isinstance(tnef.htmlbody, bytes) else b""
    except Exception:  # tnefparse raises anything (struct, index, value) on hostile input
        return None
    codepage = f"cp{tnef.codepage}" if getattr(tnef, "codepage", None) else None
    return decode_bytes(text, codepage), decode_bytes(html, codepage), files


_UU_BEGIN = re.compile(r"^begin(?:-base64)? [0-7]{3,4} (.+)$")


def _uudecode_lines(lines: list[str]) -> bytes:
    out = bytearray()
    for line in lines:
        if not line or line in {"`", " "}:
            continue
        try:
            out.extend(binascii.a2b_uu(line))
        except (binascii.Error, ValueError):
            # Broken encoders pad badly; decode the length the line claims.
            count = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
            try:
                out.extend(binascii.a2b_uu(line[:count]))
            except (binascii.Error, ValueError):
                continue
    return bytes(out)


def split_uuencoded(text: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Cut `begin 644 name ... end` blocks out of a text body; return text and files."""
    lines = text.split("\n")
    kept: list[str] = []
    files: list[tuple[str, bytes]] = []
    i = 0
    while i < len(lines):
        match = _UU_BEGIN.match(lines[i].rstrip("\r"))
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == "end"), None)
        if match and end is not None:
            body = [line.rstrip("\r") for line in lines[i + 1 : end]]
            files.append((match.group(1).strip(), _uudecode_lines(body)))
            i = end + 1
            continue
        kept.append(lines[i])
        i += 1
    return "\n".join(kept), files
