"""The write half of API v1: change a ticket, move it along its workflow, add a message.

Same rules as the dashboard because both call the same domain functions
(`app.workflow`, `app.matrix`, `app.tickets`). A broken request is 400, a
transition the workflow forbids 409, a rule it breaks (missing reason, note,
root cause) 422; each answer carries a sentence in `error`.
"""

from __future__ import annotations

from flask import abort, g, jsonify, request
from sqlalchemy import func, select

from app import audit, lifecycle, matrix, notify, sla, tickets, workflow
from app.api import bp, iso, ticket_json
from app.dashboard.ticket_views import load_ticket
from app.extensions import db
from app.models import Agent, Team, Ticket

ASSIGN_KEYS = {"team", "assignee", "handover_note", "next_action"}
CLASSIFY_KEYS = {"kind", "impact", "urgency"}


def workflow_json(t: Ticket) -> dict:
    """The workflow part of a ticket's JSON: team, SLA, hold, major links, closure."""
    return {
        "team": t.team.name if t.team else None,
        "approver": t.approver.email if t.approver else None,
        "hold_reason": t.hold_reason, "next_action": t.next_action, "major": t.major,
        "parent": t.parent.ref if t.parent else None,
        "sla": {"response_due_at": iso(t.response_due_at), "responded_at": iso(t.responded_at),
                "resolution_due_at": iso(t.resolution_due_at), "flags": sla.flags(t)},
        "resolution": {"code": t.resolution_code, "notes": t.resolution_notes,
                       "root_cause": t.root_cause, "problem_ref": t.problem_ref,
                       "root_cause_reason": t.root_cause_reason},
    }


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="send a JSON object")
    return body


def _apply(ticket: Ticket, change) -> tuple:
    """Run one change, commit and answer with the ticket; map rule errors to 409/422."""
    try:
        change()
        db.session.commit()
    except lifecycle.TransitionError as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 409
    except ValueError as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 422
    notify.dispatch_queued(ticket.id)
    return jsonify(ticket_json(ticket)), 200


@bp.route("/api/v1/tickets/<ref>", methods=["PATCH"])
def patch_ticket(ref: str):
    ticket, body, agent = load_ticket(ref), _body(), g.api_agent
    unknown = set(body) - ASSIGN_KEYS - CLASSIFY_KEYS - {"reason", "priority"}
    if unknown:
        abort(400, description="unknown fields: " + ", ".join(sorted(unknown)))

    def change() -> None:
        if CLASSIFY_KEYS & set(body):
            _classify(ticket, body, agent)
        if "priority" in body:
            matrix.override(ticket, str(body["priority"]), str(body.get("reason") or ""),
                            agent.email)
            sla.refresh(ticket)
        if ASSIGN_KEYS & set(body):
            _assign(ticket, body, agent)

    return _apply(ticket, change)


def _classify(ticket: Ticket, body: dict, agent: Agent) -> None:
    reason = str(body.get("reason") or "").strip()
    if not reason:
        raise ValueError("changing kind, impact or urgency needs a reason")
    try:
        kind = str(body.get("kind", ticket.kind))
        impact, urgency = int(body.get("impact", ticket.impact)), int(
            body.get("urgency", ticket.urgency))
    except (TypeError, ValueError) as exc:
        raise ValueError("impact and urgency are whole numbers") from exc
    tickets.confirm_classification(ticket, agent, kind, impact, urgency)
    audit.record("classification_reason", ticket=ticket, actor=agent.email, new=reason)


def _assign(ticket: Ticket, body: dict, agent: Agent) -> None:
    team, assignee = ticket.team, ticket.assignee
    if "team" in body:
        team = _named(Team, Team.name, body["team"], "team")
    if "assignee" in body:
        assignee = _named(Agent, Agent.email, body["assignee"], "agent")
    workflow.assign(ticket, team, assignee, agent, str(body.get("handover_note") or ""),
                    body.get("next_action"))


def _named(model, column, value, what: str):
    if value in (None, ""):
        return None
    row = db.session.scalar(select(model).where(func.lower(column) == str(value).lower()))
    if row is None:
        raise ValueError(f"no {what} {value}")
    return row


@bp.route("/api/v1/tickets/<ref>/transitions", methods=["POST"])
def post_transition(ref: str):
    ticket, body = load_ticket(ref), _body()
    status = body.pop("status", None)
    if not isinstance(status, str):
        abort(400, description="status is required")
    fields = {k: v for k, v in body.items() if isinstance(v, str | int | type(None))}
    return _apply(ticket, lambda: workflow.transition(ticket, status, g.api_agent, fields))


@bp.route("/api/v1/tickets/<ref>/messages", methods=["POST"])
def post_message(ref: str):
    ticket, body = load_ticket(ref), _body()
    visibility = body.get("visibility", "internal")
    if visibility not in ("public", "internal") or not isinstance(body.get("body"), str):
        abort(400, description="body (text) and visibility (public or internal) are required")
    return _apply(ticket, lambda: workflow.post_message(ticket, g.api_agent, body["body"],
                                                        visibility == "public"))
