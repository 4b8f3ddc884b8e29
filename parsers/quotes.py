"""Strip quoted history and signatures from a reply, keeping what is new.

Owns `strip_quotes`: drops `>`-quoted blocks with their attribution line
("On ... wrote:", "Am ... schrieb ..."), Outlook history blocks
("-----Original Message-----", "From: ... Sent: ...") and a trailing
"-- " signature. Unquoted lines written *between* quoted lines are inline
answers and are kept. It never returns less than nothing: if stripping would
empty the text, the full text comes back.
"""

from __future__ import annotations

import re

_ATTRIBUTION = re.compile(
    r"^(On\s.+wrote:|Am\s.+schrieb.*:?|Le\s.+a\s+écrit\s*:|El\s.+escribió\s*:"
    r"|Op\s.+schreef.*:|.+\bwrote:)\s*$",
    re.IGNORECASE,
)
# History that Outlook appends below the reply without any `>` marker.
_HISTORY_MARKER = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine"
    r"|Forwarded message)\s*-{2,}|_{20,})\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(From|Von|De|Van)\s*:\*?\s", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*\*?(Sent|Gesendet|Date|Datum|Envoyé|To|An|Subject|Betreff)\s*:")
_SIGNATURE = re.compile(r"^-- ?$")


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _outlook_header_at(lines: list[str], i: int) -> bool:
    """Tell whether an Outlook "From: / Sent: / To:" history block starts at line i."""
    if not _HEADER_FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 5] if line.strip()]
    return sum(1 for line in following if _HEADER_NEXT.match(line)) >= 2


def _history_start(lines: list[str]) -> int:
    """Return the index where unmarked (Outlook-style) history begins, or len(lines)."""
    for i, line in enumerate(lines):
        if i and (_HISTORY_MARKER.match(line) or _outlook_header_at(lines, i)):
            return i
    return len(lines)


def _attribution_span(lines: list[str], i: int) -> int:
    """Return how many lines (1-2) form an attribution at i that introduces a quote, or 0."""
    for span in (1, 2):
        window = lines[i : i + span]
        if len(window) < span or not all(line.strip() for line in window):
            return 0
        if _ATTRIBUTION.match(" ".join(line.strip() for line in window)):
            rest = [line for line in lines[i + span :] if line.strip()]
            return span if rest and _is_quoted(rest[0]) else 0
    return 0


def _drop_quotes(lines: list[str]) -> list[str]:
    """Remove quoted lines and their attribution lines, keep interleaved answers."""
    kept: list[str] = []
    i = 0
    while i < len(lines):
        span = _attribution_span(lines, i)
        if span:
            i += span
            continue
        if not _is_quoted(lines[i]):
            kept.append(lines[i])
        i += 1
    return kept


def _drop_signature(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if _SIGNATURE.match(line.rstrip("\r")):
            return lines[:i]
    return lines


def strip_quotes(text: str) -> str:
    """Return the new part of a reply: no quoted history, no signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    lines = lines[: _history_start(lines)]
    lines = _drop_signature(_drop_quotes(lines))
    result = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()
    return result or text.strip()
