"""Decode mail bytes whose charset labels lie, and RFC 2047 header words.

Owns the mapping from what a mail *says* its charset is to what the bytes
really are (Outlook's `ks_c_5601-1987` is CP949, `iso-8859-1` is in practice
windows-1252, `gb2312` is GBK/GB18030) and the fallback chain for unknown or
wrong labels. Every function here returns `str` and never raises on bad input;
the result never holds NUL characters or lone surrogates.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from functools import lru_cache

# Labels mapped to the superset the sending software really writes.
_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ks_c_5601-1989": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "utf8": "utf-8",
}
# A mislabelled Japanese mail is usually one of its siblings (zammad mail093).
_SIBLINGS = {
    "iso2022_jp_ext": ("iso2022_jp_2004", "cp932", "euc_jis_2004"),
    "cp932": ("euc_jis_2004", "iso2022_jp_ext"),
    "euc_jp": ("cp932",),
}
_FALLBACK = ("utf-8", "cp1252", "latin-1")
_SURROGATES = re.compile("[\ud800-\udfff]")


def codec_for(label: str | None) -> str | None:
    """Return the Python codec that really decodes bytes labelled `label`, or None."""
    if not label:
        return None
    name = str(label).strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def clean_text(text: str) -> str:
    """Drop NUL and replace lone surrogates so the text is storable UTF-8."""
    return _SURROGATES.sub("\ufffd", text.replace("\x00", ""))


@lru_cache(maxsize=64)
def _single_byte(codec: str) -> bool:
    """Tell whether a codec maps every byte to one character (accepts any junk)."""
    return len(bytes(range(256)).decode(codec, errors="replace")) == 256


def _mostly_utf8(data: bytes) -> str | None:
    """Return `data` as UTF-8 if only a few sequences are broken (truncated mails)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return text if non_ascii and bad * 10 <= non_ascii else None


def _first_decoding(data: bytes, chain: tuple[str, ...]) -> str | None:
    for name in chain:
        if name == "utf-8~":
            text = _mostly_utf8(data)
            if text is not None:
                return text
            continue
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _chain(codecs_: tuple[str, ...], *, multibyte_first: bool) -> tuple[str, ...]:
    """Expand codecs with their siblings; optionally try strict multi-byte ones first."""
    names = [n for c in codecs_ for n in (c, *_SIBLINGS.get(c, ()))]
    names = list(dict.fromkeys(n for n in names if n not in {"ascii", "utf-8"}))
    return tuple(sorted(names, key=_single_byte)) if multibyte_first else tuple(names)


def decode_bytes(data: bytes, label: str | None = None, hints: tuple[str, ...] = ()) -> str:
    """Decode `data` per its (possibly lying) charset label; never raise.

    `hints` are other charsets the same mail declares; they help with raw
    8-bit header bytes that carry no label of their own.
    """
    codec = codec_for(label)
    hinted = _chain(tuple(c for c in map(codec_for, hints) if c), multibyte_first=True)
    if codec in (None, "ascii", "utf-8", "cp1252"):
        # Valid UTF-8 is almost never an accident, so it wins over a legacy label.
        chain: tuple[str, ...] = ("utf-8", *hinted, "utf-8~", *_FALLBACK[1:])
    else:
        chain = (*_chain((codec,), multibyte_first=False), "utf-8", *hinted)
    text = _first_decoding(data, chain)
    if text is not None:
        return clean_text(text)
    last = codec or "utf-8"
    try:
        return clean_text(data.decode(last, errors="replace"))
    except LookupError:  # pragma: no cover - codec_for already looked it up
        return clean_text(data.decode("latin-1"))


def to_bytes(value: str) -> bytes:
    """Recover the wire bytes of a header parsed with surrogateescape."""
    return value.encode("utf-8", errors="surrogateescape")


# RFC 2047 encoded word; text may hold spaces (broken senders, zammad mail).
_WORD = re.compile(r"=\?([^?\s]+)\?([BbQq])\?([^?]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")


def _word_bytes(encoding: str, text: str) -> bytes:
    """Decode the payload of one encoded word to bytes, tolerating damage."""
    if encoding in "Bb":
        data = re.sub(r"[^A-Za-z0-9+/]", "", text)
        if len(data) % 4 == 1:  # a dangling sixth of a byte: drop it
            data = data[:-1]
        try:
            return base64.b64decode(data + "=" * (-len(data) % 4))
        except (binascii.Error, ValueError):
            return b""
    raw = text.replace("_", " ").encode("latin-1", errors="replace")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def decode_header(value: str | None, hints: tuple[str, ...] = ()) -> str:
    """Decode a raw header value: encoded words, raw 8-bit bytes, folding."""
    if not value:
        return ""
    value = re.sub(r"\r?\n[ \t]*", " ", str(value))
    out: list[str] = []
    pos = 0
    pending: tuple[str, bytearray] | None = None
    for match in _WORD.finditer(value):
        gap = value[pos : match.start()]
        if pending and not _BETWEEN_WORDS.fullmatch(gap):
            out.append(decode_bytes(bytes(pending[1]), pending[0]))
            pending = None
        if pending is None:
            out.append(decode_bytes(to_bytes(gap), None, hints))
        charset = match.group(1).split("*", 1)[0].lower()
        data = _word_bytes(match.group(2), match.group(3))
        if pending and pending[0] == charset:
            pending[1].extend(data)
        else:
            if pending:
                out.append(decode_bytes(bytes(pending[1]), pending[0]))
            pending = (charset, bytearray(data))
        pos = match.end()
    if pending:
        out.append(decode_bytes(bytes(pending[1]), pending[0]))
    out.append(decode_bytes(to_bytes(value[pos:]), None, hints))
    return clean_text("".join(out)).strip()
