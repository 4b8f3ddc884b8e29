"""Turn mail HTML into readable text, and sanitise HTML for display.

Owns two pure conversions: `html_to_text` (stdlib `html.parser`, so a
broken document still yields its words) and `sanitize_html` (nh3: no scripts,
no event handlers, only basic formatting, links and images). Neither fetches
anything or touches the network.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_SKIP = frozenset({"style", "script", "head", "title", "noscript", "template"})
_BLOCK = frozenset(
    {"p", "div", "br", "li", "tr", "table", "blockquote", "pre", "ul", "ol", "hr",
     "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer"}
)
_SAFE_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"area", "map"}
_SAFE_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
}
_URL_SCHEMES = {"http", "https", "mailto", "cid"}


class _TextExtractor(HTMLParser):
    """Collect text, turning block elements into line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
        if tag in _BLOCK and tag not in {"br", "li"}:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        data = data.replace("\xa0", " ")
        if not self.pre_depth:
            data = re.sub(r"\s+", " ", data)
        self.parts.append(data)


def _tidy(text: str) -> str:
    """Strip each line and keep at most one blank line between paragraphs."""
    lines = [line.strip() for line in text.replace("\r", "").split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_to_text(html: str) -> str:
    """Render `html` as plain text: no CSS/JS, entities decoded, blocks on lines."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # very old parsers raised on junk
        return _tidy(re.sub(r"<[^>]*>", " ", html))
    return _tidy("".join(parser.parts))


def sanitize_html(html: str) -> str:
    """Return `html` safe to show an agent: no scripts, handlers or foreign schemes."""
    return nh3.clean(
        html,
        tags=set(_SAFE_TAGS),
        attributes=_SAFE_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        clean_content_tags={"script", "style"},
    )
