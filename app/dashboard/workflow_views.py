"""Workflow actions on the ticket page: status with its fields, assignment and handover,
priority override, follow-up actions, major-incident declaration and links.

Each POST validates one form, calls one domain function (`app.workflow`,
`app.matrix`, `app.closure`, `app.major_incidents`), commits, and says what
happened; rule violations come back as a flash message, nothing half-done.
"""

from __future__ import annotations

from flask import abort
from flask_login import login_required

from app import closure, lifecycle, major_incidents, matrix, sla, workflow
from app.dashboard import bp
from app.dashboard.ticket_views import load_ticket, run_action
from app.dashboard.workflow_forms import build
from app.extensions import db
from app.models import Agent, FollowUpAction, Team, Ticket


@bp.app_template_global("workflow_forms")
def workflow_forms(ticket: Ticket) -> dict:
    """Give the ticket page its workflow forms, SLA flags and follow-up actions."""
    return {**build(ticket), "flags": sla.flags(ticket),
            "actions": closure.actions_for(ticket),
            "children": major_incidents.children(ticket) if ticket.major else [],
            "needs_root_cause": closure.needs_root_cause(ticket),
            "hold_reasons": workflow.HOLD_REASONS,
            "next_statuses": lifecycle.allowed_next(ticket.kind, ticket.status)}


@bp.route("/tickets/<ref>/workflow/<action>", methods=["POST"])
@login_required
def workflow_action(ref: str, action: str):
    ticket = load_ticket(ref)
    handler = HANDLERS.get(action)
    if handler is None:
        abort(404)
    form_name, do = handler
    form = build(ticket)[form_name]
    return run_action(ticket, form, do)


def _transition(ticket: Ticket, form, agent: Agent) -> str:
    workflow.transition(ticket, form.status.data, agent, form.fields_for_workflow())
    return f"Status is now {ticket.status.replace('_', ' ')}."


def _assignment(ticket: Ticket, form, agent: Agent) -> str:
    team = db.session.get(Team, int(form.team.data)) if form.team.data else None
    assignee = db.session.get(Agent, int(form.assignee.data)) if form.assignee.data else None
    workflow.assign(ticket, team, assignee, agent, form.note.data or "", form.next_action.data)
    who = " / ".join(x for x in (team.name if team else "", assignee.label if assignee else "")
                     if x)
    return f"Assigned to {who}." if who else "Unassigned."


def _priority(ticket: Ticket, form, agent: Agent) -> str:
    matrix.override(ticket, form.priority.data, form.reason.data, agent.email)
    sla.refresh(ticket)
    return f"Priority set to {ticket.priority}: {form.reason.data.strip()}"


def _follow_up(ticket: Ticket, form, agent: Agent) -> str:
    owner = db.session.get(Agent, int(form.owner.data)) if form.owner.data else None
    closure.add_action(ticket, form.area.data, form.description.data, owner, agent)
    return "Follow-up action added."


def _follow_up_done(ticket: Ticket, form, agent: Agent) -> str:
    from flask import request

    action_id = request.form.get("action_id", "")
    action = db.session.get(FollowUpAction, int(action_id)) if action_id.isdigit() else None
    if action is None or action.ticket_id != ticket.id:
        raise ValueError("no such follow-up action on this ticket")
    closure.complete_action(action, agent)
    return "Follow-up action done."


def _declare(ticket: Ticket, form, agent: Agent) -> str:
    major_incidents.declare(ticket, agent)
    return f"{ticket.ref} is a major incident."


def _link(ticket: Ticket, form, agent: Agent) -> str:
    child = load_ticket(form.child.data)
    major_incidents.link(ticket, child, agent)
    return f"{child.ref} linked as a child of {ticket.ref}."


HANDLERS = {
    "transition": ("transition", _transition), "assignment": ("assignment", _assignment),
    "priority": ("priority", _priority), "follow_up": ("follow_up", _follow_up),
    "follow_up_done": ("plain", _follow_up_done), "declare": ("plain", _declare),
    "link": ("link", _link),
}
