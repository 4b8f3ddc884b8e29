"""Read a calendar invitation (RFC 5545 `text/calendar`) just enough to describe it.

An invitation often arrives with no other body (a bare `text/calendar` mail, or
an Outlook `multipart/alternative` whose text part is empty). The part is kept
as an `invite.ics` attachment; `summary` gives the few lines a person needs to
see in the ticket: what, when, where. It never raises on a damaged file.
"""

from __future__ import annotations

import re

_FOLD = re.compile(r"\r?\n[ \t]")
_LINE = re.compile(r"^([A-Za-z-]+)((?:;[^:]*)?):(.*)$")
_WHEN = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(Z?))?$")
_TZID = re.compile(r";TZID=\"?([^;:\"]+)\"?", re.I)
_ESCAPED = re.compile(r"\\([\\;,nN])")
_FIELDS = (("SUMMARY", "Calendar invitation"), ("DTSTART", "When"), ("LOCATION", "Where"))


def _event_fields(text: str) -> dict[str, tuple[str, str]]:
    """Return name -> (parameters, value) of the first VEVENT (or the whole file)."""
    lines = _FOLD.sub("", text).replace("\r\n", "\n").split("\n")
    fields: dict[str, tuple[str, str]] = {}
    in_event = not any(line.strip().upper() == "BEGIN:VEVENT" for line in lines)
    for line in lines:
        upper = line.strip().upper()
        if upper == "BEGIN:VEVENT":
            in_event = True
        elif upper == "END:VEVENT" and fields:
            break
        elif in_event and (match := _LINE.match(line.strip())):
            fields.setdefault(match.group(1).upper(), (match.group(2), match.group(3)))
    return fields


def _when(params: str, value: str) -> str:
    """Render a DTSTART as `2024-06-03 09:00 UTC`, `... (Europe/Berlin)` or a date."""
    match = _WHEN.match(value.strip())
    if not match:
        return value.strip()
    year, month, day, hour, minute, _, utc = match.groups()
    text = f"{year}-{month}-{day}"
    if hour:
        text += f" {hour}:{minute}"
        zone = _TZID.search(params)
        text += " UTC" if utc else (f" ({zone.group(1)})" if zone else "")
    return text


def _unescape(value: str) -> str:
    return _ESCAPED.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value).strip()


def summary(text: str) -> str:
    """Return 'Calendar invitation: …', 'When: …', 'Where: …' lines, or '' if none found."""
    fields = _event_fields(text)
    lines = []
    for name, label in _FIELDS:
        if name not in fields:
            continue
        params, value = fields[name]
        shown = _when(params, value) if name == "DTSTART" else _unescape(value)
        if shown:
            lines.append(f"{label}: {shown}")
    return "\n".join(lines)
