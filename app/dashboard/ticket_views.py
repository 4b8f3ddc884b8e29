"""The ticket page and the changes an agent makes on it."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import agent_actions, lifecycle, matrix, notify
from app.dashboard import bp
from app.dashboard.forms import (
    AssignForm,
    ClassificationForm,
    ReplyForm,
    StatusForm,
    options,
)
from app.extensions import db
from app.models import Agent, Attachment, Event, OutboxMail, Service, Ticket
from app.models.ticket import parse_ref
from app.priority import priority_label

INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_NUMBER = 2**31 - 1  # an INTEGER key: a bigger number would be a database error, not a 404


def load_ticket(ref: str) -> Ticket:
    """Return the ticket a reference (either prefix, or the bare number) names, or 404."""
    number = parse_ref(ref)
    ticket = db.session.get(Ticket, number) if number and number <= MAX_NUMBER else None
    if ticket is None:
        abort(404)
    return ticket


def _forms(ticket: Ticket) -> dict:
    services = db.session.scalars(select(Service).order_by(Service.name)).all()
    agents = db.session.scalars(select(Agent).where(Agent.active.is_(True))
                                .order_by(Agent.email)).all()
    cls = ClassificationForm(kind=ticket.kind, impact=str(ticket.impact),
                             urgency=str(ticket.urgency),
                             service=str(ticket.service_id or ""))
    grid = matrix.current()
    cls.impact.choices = options((str(i), f"{i} {x}") for i, x in enumerate(grid.impact, 1))
    cls.urgency.choices = options((str(i), f"{i} {x}") for i, x in enumerate(grid.urgency, 1))
    cls.service.choices = options([("", "(none)")] + [(str(s.id), s.name) for s in services])
    assign = AssignForm(assignee=str(ticket.assignee_id or ""))
    assign.assignee.choices = options([("", "(unassigned)")]
                                      + [(str(a.id), a.label) for a in agents])
    status = StatusForm()
    status.status.choices = options((s, s.replace("_", " "))
                                    for s in lifecycle.allowed_next(ticket.kind, ticket.status))
    return {"cls_form": cls, "assign_form": assign, "status_form": status,
            "reply_form": ReplyForm()}


@bp.route("/tickets/<ref>")
@login_required
def ticket(ref: str):
    ticket = load_ticket(ref)
    events = db.session.scalars(select(Event).where(Event.ticket_id == ticket.id)
                                .order_by(Event.id)).all()
    outbox = db.session.scalars(select(OutboxMail).where(OutboxMail.ticket_id == ticket.id)
                                .order_by(OutboxMail.id)).all()
    confirmed = any(e.action in ("classification_confirmed", "classification_corrected")
                    for e in events)
    return render_template(
        "ticket.html", ticket=ticket, events=events, outbox=outbox, confirmed=confirmed,
        priority=priority_label(ticket.priority),
        impact_labels=dict(enumerate(matrix.current().impact, 1)),
        urgency_labels=dict(enumerate(matrix.current().urgency, 1)), **_forms(ticket),
    )


@bp.route("/tickets/<ref>/<action>", methods=["POST"])
@login_required
def ticket_action(ref: str, action: str):
    ticket = load_ticket(ref)
    forms = _forms(ticket)
    handler = agent_actions.HANDLERS.get(action)
    form = forms.get(f"{action}_form")
    if handler is None or form is None:
        abort(404)
    return run_action(ticket, form, handler)


def run_action(ticket: Ticket, form, do):
    """Validate a ticket form, apply it, commit, send its mail; report back on the page."""
    if not form.validate_on_submit():
        flash("; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()), "error")
        return redirect(url_for("dashboard.ticket", ref=ticket.ref))
    try:
        message = do(ticket, form, current_user)
        db.session.commit()
        notify.dispatch_queued(ticket.id)
        flash(message, "ok")
    except (ValueError, lifecycle.TransitionError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("dashboard.ticket", ref=ticket.ref))


@bp.route("/attachments/<id:attachment_id>")
@login_required
def attachment(attachment_id: int):
    att = db.session.get(Attachment, attachment_id) or abort(404)
    # Always a download, never rendered: mail attachments are hostile input.
    return Response(att.content, mimetype="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{_ascii_name(att.filename)}"; '
                               f"filename*=UTF-8''{_quote(att.filename)}",
        "X-Content-Type-Options": "nosniff",
    })


@bp.route("/attachments/<id:attachment_id>/image")
@login_required
def inline_image(attachment_id: int):
    """Serve an inline picture for the thread: raster types only, nothing else renders."""
    att = db.session.get(Attachment, attachment_id) or abort(404)
    if not shown_inline(att):
        abort(404)
    return Response(att.content, mimetype=att.content_type.lower(), headers={
        "X-Content-Type-Options": "nosniff",
        # Opened on its own, the image is a sandboxed document: no script, no origin.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=3600",
    })


@bp.app_template_test("shown_inline")
def shown_inline(att: Attachment) -> bool:
    """Tell whether an attachment is an inline raster image shown in the message.

    SVG and everything else stay download-only: they can carry script.
    """
    return bool(att.inline and att.content_id
                and att.content_type.lower() in INLINE_IMAGE_TYPES)


def _ascii_name(name: str) -> str:
    """A plain fallback name for clients without RFC 6266 `filename*` support."""
    safe = "".join(c if c.isascii() and c.isprintable() and c not in '"\\/' else "_"
                   for c in name)
    return safe.strip(". ") or "attachment"


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
