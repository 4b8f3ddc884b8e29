"""Stakeholders: people subscribed to a service, and the open major incidents they follow.

A subscriber gets every public update on incidents of the service (see
`app.notify`). Every such mail carries a one-click unsubscribe link (RFC 8058),
answered here without a login or a CSRF token: the signed link is the proof.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import delete, select

from app import audit, links
from app.extensions import csrf, db
from app.lifecycle import CLOSED, RESOLVED
from app.models import Event, Service, Subscription, Ticket

bp = Blueprint("stakeholders", __name__)

# Events that mark an incident as major (the lifecycle may also set a flag on the ticket).
MAJOR_EVENTS = ("major_declared", "major_incident_declared", "major_update")


def subscribers(service_id: int) -> list[Subscription]:
    return list(db.session.scalars(select(Subscription).where(
        Subscription.service_id == service_id).order_by(Subscription.id)))


def subscribe(service: Service, email: str, name: str = "", source: str = "agent",
              actor: str = "system") -> bool:
    """Add a subscriber unless already there; return True when added."""
    email = email.strip().lower()
    exists = db.session.scalar(select(Subscription.id).where(
        Subscription.service_id == service.id, Subscription.email == email))
    if exists:
        return False
    db.session.add(Subscription(service_id=service.id, email=email, name=name[:200],
                                source=source))
    audit.record("stakeholder_subscribed", new=email, actor=actor, service=service.name,
                 source=source)
    return True


def unsubscribe(service_id: int, email: str, actor: str) -> bool:
    gone = db.session.execute(delete(Subscription).where(
        Subscription.service_id == service_id, Subscription.email == email)).rowcount
    if gone:
        audit.record("stakeholder_unsubscribed", new=email, actor=actor, service_id=service_id)
    return bool(gone)


def open_major_incidents(service_id: int) -> list[Ticket]:
    """Open incidents on the service that are major (flagged, or announced as such)."""
    open_ = select(Ticket).where(Ticket.service_id == service_id, Ticket.kind == "incident",
                                 Ticket.status.not_in(CLOSED | RESOLVED))
    announced = select(Event.ticket_id).where(Event.action.in_(MAJOR_EVENTS))
    marked = Ticket.id.in_(announced)
    flag = getattr(Ticket, "major", None)  # the lifecycle's flag, where that model has it
    if flag is not None:
        marked = marked | flag.is_(True)
    return list(db.session.scalars(open_.where(marked).order_by(Ticket.id.desc()).limit(3)))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe_link(token: str):
    """GET asks for confirmation (link scanners only GET); POST is the one-click unsubscribe."""
    try:
        service_id, email = links.read_unsubscribe_token(token)
    except links.LinkRefused:
        abort(404)
    service = db.session.get(Service, service_id) or abort(404)
    if request.method == "GET":
        return render_template("unsubscribe.html", service=service, email=email, done=False)
    unsubscribe(service_id, email, actor=email)
    db.session.commit()
    current_app.logger.info("%s unsubscribed from %s", email, service.name)
    return render_template("unsubscribe.html", service=service, email=email, done=True)
