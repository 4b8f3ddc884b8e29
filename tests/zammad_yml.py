"""Read the expected parse results Zammad ships beside its test mails (`mailNNN.yml`).

They are Ruby-tagged YAML (`!ruby/hash:...`), and the project has no YAML
dependency, so this reads just the subset those files use: top-level scalar keys
(plain, single- or double-quoted, `|`/`|-`/`>` blocks, folded over several lines)
and the `filename:` of each attachment. Anything else is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_KEY = re.compile(r"^([a-z_]+):(?: (.*))?$")
_ATTACHMENT_NAME = re.compile(r"^(?:- |  )filename: (.*)$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "\\": "\\", "/": "/",
            " ": " ", "a": "\a", "b": "\b", "e": "\x1b", "N": "\x85", "_": "\xa0"}


@dataclass(frozen=True)
class ZammadExpected:
    from_email: str | None
    subject: str | None
    body: str | None
    content_type: str | None
    attachments: tuple[str, ...]


def read(path: Path) -> ZammadExpected:
    """Return the expected from/subject/body/attachments of one `.yml` file."""
    lines = path.read_text(encoding="utf-8").split("\n")
    values: dict[str, str] = {}
    names: list[str] = []
    i = 0
    while i < len(lines):
        match = _KEY.match(lines[i])
        name_match = _ATTACHMENT_NAME.match(lines[i])
        i += 1
        if name_match:
            names.append(_scalar(name_match.group(1), []))
        if not match:
            continue
        more = []
        while i < len(lines) and (lines[i].startswith(" ") or not lines[i].strip()) \
                and not lines[i].startswith("- "):
            more.append(lines[i])
            i += 1
        while i < len(lines) and _open_quote(match.group(2) or "", more):
            more.append(lines[i])  # a quoted scalar may close on an unindented line
            i += 1
        values[match.group(1)] = _scalar(match.group(2) or "", more)
    return ZammadExpected(values.get("from_email"), values.get("subject"), values.get("body"),
                          values.get("content_type"), tuple(names))


def _open_quote(first: str, more: list[str]) -> bool:
    """Tell whether a quoted scalar starting with `first` is still unclosed."""
    first = first.strip()
    if first[:1] not in {"'", '"'}:
        return False
    rest = "\n".join([first[1:], *more])
    if first[0] == "'":
        return "'" not in rest.replace("''", "")
    return re.search(r'(?<!\\)(?:\\\\)*"', rest) is None


def _scalar(first: str, more: list[str]) -> str:
    first = first.strip()
    if first.startswith(("|", ">")):
        return _block(first, more)
    while more and not more[-1].strip():
        more = more[:-1]
    raw = "\n".join([first, *(line.strip() for line in more)])
    if first.startswith('"'):
        return _double(raw[1:raw.rindex('"')])
    if first.startswith("'"):
        return _fold(raw[1:raw.rindex("'")]).replace("''", "'")
    return _fold(raw)


def _block(indicator: str, lines: list[str]) -> str:
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    text = "\n".join(x[indent:] for x in lines)
    if indicator.startswith(">"):
        text = re.sub(r"(?<=\S)\n(?=\S)", " ", text)
    text = text.rstrip("\n")
    return text if indicator.endswith("-") else text + "\n"


def _fold(text: str) -> str:
    """Fold a flow scalar: one line break is a space, n empty lines are n newlines."""
    parts = text.split("\n")
    out = parts[0]
    for part in parts[1:]:
        if not part:
            out += "\n"
        elif out.endswith("\n"):
            out += part
        else:
            out += " " + part
    return out


def _double(text: str) -> str:
    text = re.sub(r"\\\n", "", text)  # an escaped line break joins the lines
    text = _fold(text)
    return re.sub(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", _unescape, text)


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) > 1:
        return chr(int(code[1:], 16))
    return _ESCAPES.get(code, code)
