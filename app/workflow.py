"""The server-side workflow rules: transitions with the fields they need, assignment, messages.

Every route into a ticket's status, assignee or conversation (dashboard forms,
the write API, the pipeline) goes through here, so the rules are the same
everywhere. Raises `lifecycle.TransitionError` or `ValueError` with a sentence
for the agent; records events; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from app import audit, closure, lifecycle, notify, sla
from app.extensions import db
from app.models import Agent, Message, MessageKind, Team, Ticket
from app.models.base import utcnow

HOLD_REASONS = {"awaiting_reporter": "awaiting reporter", "awaiting_vendor": "awaiting vendor",
                "awaiting_change": "awaiting change"}
HANDOVER_PRIORITIES = frozenset({"P1", "P2"})
NEEDS_NOTE = frozenset({"cancelled", "rejected"})
# Moves the reporter hears about (app.notify picks the wording); on hold only when we
# wait for them.
MAILED = frozenset({"resolved", "fulfilled", "closed", "cancelled", "rejected", "approved"})


def set_status(ticket: Ticket, status: str, actor: str, at: datetime | None = None,
               **detail) -> None:
    """Change the status (already checked), record it, and move the SLA clocks."""
    at, old = at or utcnow(), ticket.status
    if old == status:
        return
    event = audit.record("field_changed", ticket=ticket, field="status", old=old, new=status,
                         actor=actor, **detail)
    event.created_at = at  # the clock and the log must agree to the microsecond
    ticket.status = status
    ticket.hold_reason = detail.get("hold_reason") if status == "on_hold" else None
    if status in lifecycle.RESOLVED:
        ticket.resolved_at = at
    sla.on_status(ticket, old, status, at)


def transition(ticket: Ticket, status: str, agent: Agent, fields: dict | None = None) -> None:
    """Move a ticket along an allowed transition, with the fields that transition needs."""
    fields = {k: (v.strip() if isinstance(v, str) else v) for k, v in (fields or {}).items()}
    lifecycle.check_transition(ticket.kind, ticket.status, status)
    detail: dict = {}
    if status == "on_hold":
        if fields.get("hold_reason") not in HOLD_REASONS:
            raise ValueError("on hold needs a reason: " + ", ".join(HOLD_REASONS.values()))
        detail["hold_reason"] = fields["hold_reason"]
    if status in NEEDS_NOTE and not fields.get("note"):
        raise ValueError(f"{status} needs a note saying why")
    if status == "pending_approval":
        _set_approver(ticket, fields.get("approver_id"), agent)
    if status in ("approved", "rejected"):
        _check_approver(ticket, agent)
    if status in lifecycle.RESOLVED:
        closure.apply_resolution(ticket, fields, agent)
    if fields.get("note"):
        detail["note"] = fields["note"]
    old = ticket.status
    set_status(ticket, status, agent.email, **detail)
    if status in MAILED or detail.get("hold_reason") == "awaiting_reporter":
        notify.status_changed(ticket, old, status, fields.get("resolution_notes")
                              or fields.get("note") or "")


def _set_approver(ticket: Ticket, approver_id, agent: Agent) -> None:
    approver = db.session.get(Agent, int(approver_id)) if approver_id else ticket.approver
    if approver is None or not approver.active:
        raise ValueError("pending approval needs an approver")
    audit.record_change(ticket, "approver", ticket.approver.email if ticket.approver else None,
                        approver.email, agent.email)
    ticket.approver = approver


def _check_approver(ticket: Ticket, agent: Agent) -> None:
    """Only the approver decides a request that waits for approval."""
    if ticket.status == "pending_approval" and ticket.approver_id != agent.id:
        who = ticket.approver.label if ticket.approver else "the approver"
        raise ValueError(f"only {who} can approve or reject this request")


def assign(ticket: Ticket, team: Team | None, assignee: Agent | None, agent: Agent,
           note: str = "", next_action: str | None = None) -> None:
    """Assign to a team and an agent; reassigning an open P1/P2 needs a handover note."""
    note = (note or "").strip()
    if team is not None and assignee is not None and assignee not in team.agents:
        raise ValueError(f"{assignee.label} is not a member of {team.name}")
    moved = (ticket.assignee is not None and assignee != ticket.assignee) or (
        ticket.team is not None and team != ticket.team)
    if moved and _needs_handover(ticket) and not note:
        raise ValueError(f"{ticket.priority} is open: reassigning it needs a handover note")
    old_team, old_agent = ticket.team, ticket.assignee
    audit.record_change(ticket, "team", old_team.name if old_team else None,
                        team.name if team else None, agent.email)
    audit.record_change(ticket, "assignee", old_agent.email if old_agent else None,
                        assignee.email if assignee else None, agent.email)
    ticket.team, ticket.assignee = team, assignee
    if next_action is not None and next_action.strip() != ticket.next_action:
        audit.record_change(ticket, "next_action", ticket.next_action, next_action.strip(),
                            agent.email)
        ticket.next_action = next_action.strip()[:500]
    if note:
        _handover(ticket, agent, note, old_agent, assignee)
    if assignee and ticket.kind == "incident" and ticket.status == "new":
        set_status(ticket, "assigned", agent.email)


def _needs_handover(ticket: Ticket) -> bool:
    open_ = ticket.status not in lifecycle.CLOSED | lifecycle.RESOLVED
    return open_ and ticket.priority in HANDOVER_PRIORITIES


def _handover(ticket: Ticket, agent: Agent, note: str, old: Agent | None,
              new: Agent | None) -> None:
    message = Message(ticket=ticket, kind=MessageKind.INTERNAL_NOTE, author=agent,
                      from_name=agent.label, from_email=agent.email, subject=ticket.subject,
                      body_text=f"Handover: {note}")
    db.session.add(message)
    audit.record("handover", ticket=ticket, actor=agent.email, old=old.email if old else None,
                 new=new.email if new else None, note=note, next_action=ticket.next_action)


def post_message(ticket: Ticket, agent: Agent, body: str, public: bool) -> tuple[Message, list]:
    """Add a public reply (mailed; on a major incident also to every child) or a note."""
    body = body.strip()
    if not body:
        raise ValueError("a message needs some text")
    message = Message(ticket=ticket, kind=MessageKind.PUBLIC_REPLY if public
                      else MessageKind.INTERNAL_NOTE, author=agent, from_name=agent.label,
                      from_email=agent.email, body_text=body, subject=ticket.subject)
    db.session.add(message)
    db.session.flush()
    at = utcnow()
    event = audit.record("public_reply" if public else "internal_note", ticket=ticket,
                         actor=agent.email, message=message.id)
    event.created_at = at
    if not public:
        return message, []
    sla.responded(ticket, at)
    sla.refresh(ticket)
    if ticket.major:
        from app import major_incidents

        mails = major_incidents.fan_out(ticket, message)
    else:
        mails = [m for m in [notify.public_reply(ticket, message)] if m is not None]
    own = [m for m in mails if m.ticket_id == ticket.id]
    if own:  # the Message-ID of this ticket's own copy, so replies thread to it
        message.message_id = own[0].message_id
    return message, mails
