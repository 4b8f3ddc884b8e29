"""Write one outbox row: recipients checked, template rendered, threading headers set.

Each mail carries a Message-ID on our domain, In-Reply-To/References to keep the
thread, the ticket reference in the subject and the per-ticket reply address, so
a reporter's answer threads back even when a client drops the headers. Nothing
here sends: `app.mailer` does, from the committed row.
"""

from __future__ import annotations

import secrets
from email.utils import formataddr, parseaddr

from flask import current_app
from sqlalchemy import select

from app import audit, links, mail_templates, reply_address
from app.extensions import db
from app.mail_recipients import recipients, within_limit
from app.models import Message, MessageKind, OutboxMail, OutboxState, Ticket
from app.priority import priority_label

MAX_REFERENCES = 10


def queue(ticket: Ticket, template: str, to: list[str], cc: list[str], *,
          inbound: Message | None = None, message: Message | None = None,
          extra: dict | None = None, role: str = "reporter",
          unsubscribe: tuple[int, str] | None = None) -> OutboxMail | None:
    """Add the mail of one event for these recipients to the session; None if nobody is left."""
    to, cc = recipients(to, cc)
    to, cc, held = within_limit(template, to, cc)
    if held:
        audit.record("mail_rate_limited", ticket=ticket, template=template, held=held)
    if not to:
        audit.record("mail_not_sent", ticket=ticket, template=template,
                     reason="no deliverable recipient")
        return None
    context = mail_context(ticket, message=message, extra=extra, role=role,
                           portal_for=to[0], unsubscribe=unsubscribe)
    rendered, problem = mail_templates.render(template, context)
    if problem:
        audit.record("mail_template_failed", ticket=ticket, template=template, reason=problem)
    thread = _thread_ids(ticket)
    mail = OutboxMail(
        ticket_id=ticket.id, template=template, to=to, cc=cc,
        subject=header_safe(f"[{ticket.ref}] {rendered.subject}")[:200],
        body_text=rendered.text, body_html=rendered.html, message_id=new_message_id(ticket),
        in_reply_to=(inbound.message_id if inbound and inbound.message_id else
                     (thread[-1] if thread else None)),
        references=_trim(thread), reply_to=reply_address.address_for(ticket.id),
        headers=_list_headers(context["unsubscribe_url"]),
        state=OutboxState.QUEUED if current_app.config["OUTBOUND_SMTP"] else OutboxState.CAPTURED,
    )
    db.session.add(mail)
    db.session.flush()
    audit.record("mail_queued", ticket=ticket, new=mail.message_id, template=template,
                 to=to, cc=cc, state=mail.state)
    return mail


def mail_context(ticket: Ticket, *, message: Message | None = None, extra: dict | None = None,
                 role: str = "reporter", portal_for: str = "",
                 unsubscribe: tuple[int, str] | None = None) -> dict:
    """Plain values for the sandboxed templates: no ORM object reaches an admin's template."""
    view = {
        "ref": ticket.ref, "subject": " ".join(ticket.subject.split()), "kind": ticket.kind,
        "kind_label": "Incident" if ticket.kind == "incident" else "Service request",
        "status": ticket.status, "status_label": ticket.status.replace("_", " "),
        "priority": ("being assessed by an agent" if ticket.needs_review
                     else priority_label(ticket.priority)),
        "service": ticket.service.name if ticket.service else "",
        "reporter_name": ticket.reporter_name, "reporter_email": ticket.reporter_email,
    }
    context = {"ticket": view, "old_status": "", "new_status": "", "note": "", "role": role,
               "message": ({"body_text": message.body_text,
                            "author": message.author.label if message.author else ""}
                           if message is not None else {"body_text": "", "author": ""}),
               "portal_url": links.portal_url(ticket.id, portal_for, "viewer"
                                              if role == "stakeholder" else "reporter") or "",
               "unsubscribe_url": links.unsubscribe_url(*unsubscribe) if unsubscribe else ""}
    context.update(extra or {})
    return context


def _list_headers(unsubscribe_url: str) -> dict:
    if not unsubscribe_url:
        return {}
    # RFC 2369 List-Unsubscribe, RFC 8058 one-click: a POST to the URL unsubscribes.
    return {"List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def header_safe(value: str) -> str:
    """Fold a user-supplied value to one line: no CR/LF (header injection), no controls."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


def new_message_id(ticket: Ticket) -> str:
    return f"{ticket.ref.lower()}.{secrets.token_hex(8)}@{current_app.config['MAIL_DOMAIN']}"


def _thread_ids(ticket: Ticket) -> list[str]:
    """Every Message-ID of the ticket's conversation, oldest first."""
    inbound = db.session.scalars(
        select(Message.message_id).where(Message.ticket_id == ticket.id,
                                         Message.kind == MessageKind.INBOUND,
                                         Message.message_id.is_not(None)).order_by(Message.id)
    ).all()
    outbound = db.session.scalars(
        select(OutboxMail.message_id).where(OutboxMail.ticket_id == ticket.id)
        .order_by(OutboxMail.id)
    ).all()
    return list(dict.fromkeys([*inbound, *outbound]))


def _trim(ids: list[str]) -> list[str]:
    """Keep the first id and the newest ones, so References never grows unbounded."""
    return ids if len(ids) <= MAX_REFERENCES else [ids[0], *ids[-(MAX_REFERENCES - 1):]]


def sender_address() -> tuple[str, str]:
    return parseaddr(current_app.config["OUTBOUND_FROM"])


def from_header() -> str:
    return formataddr(sender_address())
