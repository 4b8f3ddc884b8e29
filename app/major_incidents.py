"""Major incidents: declaring one, linking child reports to it, proposing candidates, fan-out.

A parent is an incident marked major; children point at it. A burst of reports
about one service (N within M minutes, admin-set) is proposed as a candidate —
agents decide, the gateway never declares on its own. A public update on the
parent is mailed to every child's reporter and watchers, in each child's thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from app import audit, notify, workflow_settings
from app.extensions import db
from app.lifecycle import CLOSED, RESOLVED
from app.models import Agent, Message, OutboxMail, Service, Ticket


@dataclass(frozen=True)
class Candidate:
    service: Service
    tickets: list[Ticket]


def declare(ticket: Ticket, agent: Agent) -> None:
    """Mark an incident as a major incident (the parent of related reports)."""
    if ticket.kind != "incident":
        raise ValueError("only an incident can be a major incident")
    if ticket.parent is not None:
        raise ValueError(f"{ticket.ref} is already a child of another major incident")
    if not ticket.major:
        ticket.major = True
        audit.record("major_declared", ticket=ticket, actor=agent.email, new=ticket.ref)


def link(parent: Ticket, child: Ticket, agent: Agent) -> None:
    """Make `child` a child of the major incident `parent`."""
    if not parent.major:
        raise ValueError(f"{parent.ref} is not a major incident")
    if child.id == parent.id or child.major:
        raise ValueError(f"{child.ref} cannot be a child of {parent.ref}")
    if child.parent is not parent:
        old = child.parent.ref if child.parent else None
        child.parent = parent
        audit.record("major_child_linked", ticket=child, actor=agent.email, old=old,
                     new=parent.ref)
        audit.record("major_child_linked", ticket=parent, actor=agent.email, new=child.ref)


def children(parent: Ticket) -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).where(Ticket.parent_id == parent.id)
                                   .order_by(Ticket.id)))


def fan_out(parent: Ticket, message: Message) -> list[OutboxMail]:
    """Mail a public update on a major incident to its people and every open child's."""
    open_children = [c for c in children(parent) if c.status not in CLOSED]
    return notify.major_update(parent, message, open_children)


def candidates() -> list[Candidate]:
    """Bursts of open, unlinked incidents on one service: N or more within M minutes."""
    conf = workflow_settings.get("workflow")
    size, window = int(conf["major_reports"]), timedelta(minutes=int(conf["major_minutes"]))
    rows = db.session.scalars(select(Ticket).where(
        Ticket.kind == "incident", Ticket.status.not_in(CLOSED | RESOLVED),
        Ticket.parent_id.is_(None), Ticket.major.is_(False), Ticket.service_id.is_not(None))
        .order_by(Ticket.service_id, Ticket.created_at)).all()
    by_service: dict[int, list[Ticket]] = {}
    for ticket in rows:
        by_service.setdefault(ticket.service_id, []).append(ticket)
    found = []
    for tickets in by_service.values():
        burst = _burst(tickets, size, window)
        if burst:
            found.append(Candidate(burst[0].service, burst))
    return found


def _burst(tickets: list[Ticket], size: int, window: timedelta) -> list[Ticket]:
    """Return the first run of at least `size` tickets that fit in `window`, extended."""
    for i in range(len(tickets) - size + 1):
        if tickets[i + size - 1].created_at - tickets[i].created_at <= window:
            end = i + size
            while end < len(tickets) and tickets[end].created_at - tickets[end - 1].created_at \
                    <= window:
                end += 1
            return tickets[i:end]
    return []


def note_candidate(ticket: Ticket) -> None:
    """After a new report, record a proposal when it completes a burst on its service."""
    for candidate in candidates():
        if ticket in candidate.tickets:
            audit.record("major_candidate", ticket=ticket, new=candidate.service.name,
                         related=[t.ref for t in candidate.tickets])


def declare_candidate(tickets: list[Ticket], agent: Agent) -> Ticket:
    """Declare the earliest report of a burst major and link the rest as its children."""
    parent, *rest = sorted(tickets, key=lambda t: t.created_at)
    declare(parent, agent)
    for child in rest:
        link(parent, child, agent)
    return parent
