"""Closure and learning: the resolution gate, root-cause decisions, follow-up actions, auto-close.

Resolving needs resolution notes and a code; a P1/P2 incident also needs a
root-cause decision (a problem reference, or "not needed" with a reason) and at
least one follow-up action on a control or on documentation, each with an owner.
Resolved tickets with no reply for the configured days are closed by a job.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import audit, workflow_settings
from app.extensions import db
from app.models import Agent, FollowUpAction, Message, MessageKind, Ticket
from app.models.base import utcnow

RESOLUTION_CODES = {
    "fixed": "Fixed", "workaround": "Workaround", "fulfilled": "Fulfilled as asked",
    "no_fault": "No fault found", "duplicate": "Duplicate", "user_education": "User education",
    "vendor_fix": "Fixed by vendor",
}
ROOT_CAUSE = {"problem": "Problem record", "not_needed": "Not needed"}
AREAS = {"control": "Control", "documentation": "Documentation"}
GATED_PRIORITIES = frozenset({"P1", "P2"})


def needs_root_cause(ticket: Ticket) -> bool:
    return ticket.kind == "incident" and ticket.priority in GATED_PRIORITIES


def apply_resolution(ticket: Ticket, fields: dict, agent: Agent) -> None:
    """Check the resolution fields a ticket needs, then store them (ValueError if missing)."""
    code, notes = fields.get("resolution_code") or "", fields.get("resolution_notes") or ""
    if code not in RESOLUTION_CODES or not notes:
        raise ValueError("resolving needs resolution notes and a resolution code")
    decision = {"resolution_code": code, "resolution_notes": notes}
    if needs_root_cause(ticket):
        decision.update(_root_cause(fields))
        if not ticket.id or not _actions(ticket):
            raise ValueError(f"a {ticket.priority} incident needs at least one follow-up "
                             "action (a control or documentation to change, with an owner)")
    for name, value in decision.items():
        setattr(ticket, name, value)
    audit.record("resolution_recorded", ticket=ticket, actor=agent.email, **decision)


def _root_cause(fields: dict) -> dict:
    choice = fields.get("root_cause") or ""
    if choice == "problem" and fields.get("problem_ref"):
        return {"root_cause": "problem", "problem_ref": fields["problem_ref"][:60],
                "root_cause_reason": fields.get("root_cause_reason") or None}
    if choice == "not_needed" and fields.get("root_cause_reason"):
        return {"root_cause": "not_needed", "problem_ref": None,
                "root_cause_reason": fields["root_cause_reason"]}
    raise ValueError("a P1/P2 incident needs a root-cause decision: a problem reference, "
                     "or 'not needed' with a reason")


def _actions(ticket: Ticket) -> list[FollowUpAction]:
    return list(db.session.scalars(select(FollowUpAction).where(
        FollowUpAction.ticket_id == ticket.id).order_by(FollowUpAction.id)))


def add_action(ticket: Ticket, area: str, description: str, owner: Agent | None,
               agent: Agent) -> FollowUpAction:
    """Track a control or documentation change with its owner."""
    if area not in AREAS or not description.strip() or owner is None:
        raise ValueError("a follow-up action needs an area (control or documentation), "
                         "a description and an owner")
    action = FollowUpAction(ticket_id=ticket.id, area=area, description=description.strip(),
                            owner=owner)
    db.session.add(action)
    db.session.flush()
    audit.record("follow_up_added", ticket=ticket, actor=agent.email, new=description.strip(),
                 action_id=action.id, area=area, owner=owner.email)
    return action


def complete_action(action: FollowUpAction, agent: Agent) -> None:
    if not action.done:
        action.done, action.done_at = True, utcnow()
        audit.record("follow_up_done", ticket=db.session.get(Ticket, action.ticket_id),
                     actor=agent.email, action_id=action.id, new=action.description)


def actions_for(ticket: Ticket) -> list[FollowUpAction]:
    return _actions(ticket)


def close_resolved(now=None) -> list[str]:
    """Close resolved/fulfilled tickets with no inbound message for the configured days."""
    from app.workflow import set_status

    now = now or utcnow()
    days = int(workflow_settings.get("workflow")["auto_close_days"])
    cutoff = now - timedelta(days=days)
    rows = db.session.scalars(select(Ticket).where(
        Ticket.status.in_(("resolved", "fulfilled")), Ticket.resolved_at <= cutoff)
        .with_for_update(skip_locked=True)).all()
    closed = []
    for ticket in rows:
        if _reply_since(ticket, ticket.resolved_at):
            continue
        set_status(ticket, "closed", "system", at=now, reason=f"no reply for {days} days")
        audit.record("auto_closed", ticket=ticket, new="closed", days=days)
        closed.append(ticket.ref)
    db.session.commit()
    return closed


def _reply_since(ticket: Ticket, since) -> bool:
    return db.session.scalar(select(Message.id).where(
        Message.ticket_id == ticket.id, Message.kind == MessageKind.INBOUND,
        Message.created_at > since).limit(1)) is not None
