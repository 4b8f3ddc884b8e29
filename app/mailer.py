"""Turn an outbox row into a MIME message and send it over SMTP, exactly once.

A row is claimed (queued -> sending) with a conditional update, so two workers
never send the same mail. A failed send goes back to queued until the last
attempt, then to dead; the error is kept on the row.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import update

from app import audit
from app.extensions import db
from app.models import OutboxMail, OutboxState, Ticket
from app.models.base import utcnow
from app.outbox_writer import from_header, header_safe

# Headers an outbox row may add; anything else in `headers` is ignored.
EXTRA_HEADERS = frozenset({"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id"})


def build_message(mail: OutboxMail) -> EmailMessage:
    """Build the MIME message for an outbox row (text and HTML alternatives)."""
    msg = EmailMessage()
    msg["From"] = from_header()
    msg["To"] = ", ".join(mail.to)
    if mail.cc:
        msg["Cc"] = ", ".join(mail.cc)
    msg["Subject"] = header_safe(mail.subject)
    msg["Date"] = format_datetime(mail.created_at)
    msg["Message-ID"] = f"<{mail.message_id}>"
    if mail.in_reply_to:
        msg["In-Reply-To"] = f"<{mail.in_reply_to}>"
    if mail.references:
        msg["References"] = " ".join(f"<{mid}>" for mid in mail.references)
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    # RFC 3834: mark machine-sent mail so auto-responders do not answer it.
    if mail.template != "public_reply":
        msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office replies
    for name, value in (mail.headers or {}).items():
        if name in EXTRA_HEADERS:
            msg[name] = header_safe(value)
    msg.set_content(mail.body_text)
    if mail.body_html:
        msg.add_alternative(mail.body_html, subtype="html")
    return msg


def send_outbox(outbox_id: int) -> None:
    """Send one queued outbox mail (job function); re-raise failures for retries."""
    claimed = db.session.execute(
        update(OutboxMail).where(OutboxMail.id == outbox_id,
                                 OutboxMail.state == OutboxState.QUEUED)
        .values(state=OutboxState.SENDING, attempts=OutboxMail.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return
    mail = db.session.get(OutboxMail, outbox_id)
    try:
        _deliver(build_message(mail), mail.to + mail.cc)
    except (OSError, ValueError, smtplib.SMTPException) as exc:
        last = (mail.attempts >= int(current_app.config["MAX_ATTEMPTS"])
                or permanent(exc))
        mail.state = OutboxState.DEAD if last else OutboxState.QUEUED
        mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        audit.record("mail_failed", ticket=_ticket_of(mail), new=mail.message_id,
                     error=mail.last_error, attempts=mail.attempts, outbox=mail.id, final=last)
        if last:  # dead letter: kept on the Outbox page with its error, for a retry
            ticket = db.session.get(Ticket, mail.ticket_id) if mail.ticket_id else None
            audit.record("mail_dead", ticket=ticket, new=mail.message_id, error=mail.last_error,
                         attempts=mail.attempts, outbox=mail.id)
        db.session.commit()
        if not last:
            raise
        return
    mail.state, mail.sent_at, mail.last_error = OutboxState.SENT, utcnow(), None
    audit.record("mail_sent", ticket=_ticket_of(mail), new=mail.message_id,
                 to=mail.to + mail.cc, template=mail.template, outbox=mail.id)
    db.session.commit()


def _ticket_of(mail: OutboxMail) -> Ticket | None:
    return db.session.get(Ticket, mail.ticket_id) if mail.ticket_id else None


def permanent(exc: Exception) -> bool:
    """Tell whether retrying cannot help: a 5xx refusal (RFC 5321 4.2.1) or an unbuildable mail."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return isinstance(exc, ValueError)


def _deliver(msg: EmailMessage, recipients: list[str]) -> None:
    host, _, port = current_app.config["OUTBOUND_SMTP"].rpartition(":")
    with smtplib.SMTP(host or "127.0.0.1", int(port or 25), timeout=30) as smtp:
        smtp.send_message(msg, to_addrs=recipients)
