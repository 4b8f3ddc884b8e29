"""The normalised report every source produces: the one shape the pipeline reads.

A mail (`parsers.mail.parse_mail`) and a web form (`parsers.form.parse_form`)
both end as a `Submission`, so from here on there is a single pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Address:
    """A person on a message: display name (may be empty) and lower-cased address."""

    name: str
    email: str


@dataclass(frozen=True)
class Attachment:
    """A file carried by a report; `filename` is already safe (no path, no controls)."""

    filename: str
    content_type: str
    content: bytes
    content_id: str | None = None
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Submission:
    """A report after parsing and normalisation, before any decision is taken.

    `text` is the whole readable body; `new_text` is the same with quoted
    history and signatures removed (what the sender wrote this time).
    `headers` keeps lower-cased header names -> decoded values for screening.
    `form` holds structured answers from the report form (empty for mail).
    """

    source: str
    subject: str
    sender: Address | None
    text: str
    new_text: str
    message_id: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    reply_to: tuple[Address, ...] = ()
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    date: datetime | None = None
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    defects: tuple[str, ...] = ()
