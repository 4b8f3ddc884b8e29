"""Build realistic raw mails for tests (our own words, not corpus files)."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import make_msgid


def make_mail(subject: str, body: str, *, sender: str = "Ravi Menon <ravi.menon@example.com>",
              to: str = "support@example.org", cc: str | None = None,
              in_reply_to: str | None = None, references: str | None = None,
              message_id: str | None = None, headers: dict | None = None) -> bytes:
    """Return the wire bytes (CRLF line ends, as an MTA sends them) of a plain-text mail."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes(policy=policy.SMTP)
