"""Writing to the append-only event log: one helper so every stage records alike.

Every event is written here; `app.audit_chain` links each into its hash chain as it
is inserted, so no caller can forget to (and `gateway audit verify` finds rows that
went around this helper).
"""

from __future__ import annotations

from flask_login import current_user

from app import audit_chain  # noqa: F401  (links every inserted event)
from app.extensions import db
from app.models import Event


def actor_name(agent=None) -> str:
    """Name who acts: the given agent, the logged-in agent, or the system."""
    if agent is not None:
        return agent.email
    try:
        if current_user and current_user.is_authenticated:
            return current_user.email
    except RuntimeError:  # outside a request
        pass
    return "system"


def record(action: str, *, ticket=None, intake_id: int | None = None, field: str | None = None,
           old=None, new=None, actor: str = "system", **detail) -> Event:
    """Add an event to the session; it commits with the change it describes."""
    ev = Event(
        action=action, ticket_id=ticket.id if ticket is not None else None, intake_id=intake_id,
        field=field, old=None if old is None else str(old), new=None if new is None else str(new),
        actor=actor, detail=detail,
    )
    db.session.add(ev)
    return ev


def record_change(ticket, field: str, old, new, actor: str) -> None:
    """Record a field change when the value really changed."""
    if old != new:
        record("field_changed", ticket=ticket, field=field, old=old, new=new, actor=actor)
