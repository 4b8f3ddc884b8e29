"""Closure and learning: the resolution gate, root-cause decisions, follow-ups, auto-close."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import closure, matrix, workflow
from app.extensions import db
from app.models.base import utcnow
from tests.web_helpers import events, fresh, ingest, mail, outage, outbox
from tests.workflow_helpers import RESOLUTION


def working(ticket, agent):
    workflow.transition(ticket, "in_progress", agent)
    return ticket


@pytest.mark.parametrize("fields,message", [
    ({}, "resolution notes and a resolution code"),
    ({"resolution_code": "fixed"}, "resolution notes"),
    ({"resolution_code": "made_up", "resolution_notes": "x"}, "resolution code"),
    ({"resolution_code": "fixed", "resolution_notes": "x"}, "root-cause decision"),
    ({"resolution_code": "fixed", "resolution_notes": "x", "root_cause": "problem"},
     "root-cause decision"),
    ({"resolution_code": "fixed", "resolution_notes": "x", "root_cause": "not_needed"},
     "root-cause decision"),
    ({"resolution_code": "fixed", "resolution_notes": "x", "root_cause": "not_needed",
      "root_cause_reason": "one-off"}, "follow-up action"),
])
def test_p1_incident_gate_refuses_what_is_missing(app, agent, fields, message):
    ticket = working(outage(), agent)
    with pytest.raises(ValueError, match=message):
        workflow.transition(ticket, "resolved", agent, fields)
    assert ticket.status == "in_progress" and ticket.resolution_code is None


def test_p1_incident_resolves_with_problem_reference_and_follow_up(app, agent):
    ticket = working(outage(), agent)
    closure.add_action(ticket, "control", "Alert on VPN tunnel count", agent, agent)
    workflow.transition(ticket, "resolved", agent, RESOLUTION)
    assert (ticket.status, ticket.root_cause, ticket.problem_ref) == (
        "resolved", "problem", "PRB-000042")
    recorded = events(ticket, "resolution_recorded")[0].detail
    assert recorded["resolution_code"] == "fixed" and recorded["problem_ref"] == "PRB-000042"


def test_not_needed_with_a_reason_is_a_decision(app, agent):
    ticket = working(outage(), agent)
    closure.add_action(ticket, "documentation", "Runbook: VPN restart", agent, agent)
    workflow.transition(ticket, "resolved", agent, {
        "resolution_code": "fixed", "resolution_notes": "restarted",
        "root_cause": "not_needed", "root_cause_reason": "a known vendor bug, fixed upstream"})
    assert ticket.root_cause == "not_needed" and ticket.problem_ref is None


def test_lower_priorities_need_no_root_cause(app, agent):
    ticket = working(outage(), agent)
    matrix.override(ticket, "P3", "one user only", agent.email)
    workflow.transition(ticket, "resolved", agent, {"resolution_code": "workaround",
                                                    "resolution_notes": "use the web VPN"})
    assert ticket.status == "resolved" and ticket.root_cause is None


def test_follow_up_actions_need_an_owner_and_are_tracked(app, agent):
    ticket = outage()
    with pytest.raises(ValueError, match="owner"):
        closure.add_action(ticket, "control", "x", None, agent)
    with pytest.raises(ValueError, match="area"):
        closure.add_action(ticket, "gossip", "x", agent, agent)
    action = closure.add_action(ticket, "documentation", "Update the VPN FAQ", agent, agent)
    closure.complete_action(action, agent)
    assert action.done and action.done_at is not None
    assert [e.action for e in events(ticket) if e.action.startswith("follow_up")] == [
        "follow_up_added", "follow_up_done"]


def test_follow_up_through_the_dashboard(logged_in, agent):
    ticket = outage()
    logged_in.post(f"/tickets/{ticket.ref}/workflow/follow_up", data={
        "area": "control", "description": "Monitor tunnels", "owner": str(agent.id)})
    action = closure.actions_for(fresh(ticket))[0]
    logged_in.post(f"/tickets/{ticket.ref}/workflow/follow_up_done",
                   data={"action_id": str(action.id)})
    db.session.expire_all()
    assert closure.actions_for(ticket)[0].done


def resolved_days_ago(agent, days: int):
    ticket = working(outage(), agent)
    closure.add_action(ticket, "control", "Alert on VPN", agent, agent)
    workflow.transition(ticket, "resolved", agent, RESOLUTION)
    ticket.resolved_at = utcnow() - timedelta(days=days)
    for message in ticket.messages:  # the report came before the resolution
        message.created_at = ticket.resolved_at - timedelta(hours=1)
    db.session.commit()
    return ticket


def test_auto_close_after_the_configured_days_without_reply(app, agent):
    old, recent = resolved_days_ago(agent, 6), resolved_days_ago(agent, 2)
    assert closure.close_resolved() == [old.ref]
    assert fresh(old).status == "closed" and fresh(recent).status == "resolved"
    assert events(old, "auto_closed")[0].detail["days"] == 5
    assert closure.close_resolved() == []  # nothing left to do


def test_a_reply_since_resolving_keeps_it_open(app, agent):
    ticket = resolved_days_ago(agent, 6)
    # A "thanks" reply does not reopen, but it is a reply: no auto-close.
    ingest(mail("Re: VPN is down", "Thanks!", in_reply_to=outbox(ticket)[0].message_id))
    assert closure.close_resolved() == []


def test_close_resolved_command(app, agent):
    from click.testing import CliRunner

    from app.cli import close_resolved_command

    old = resolved_days_ago(agent, 30)
    result = CliRunner().invoke(close_resolved_command, obj=app)
    assert result.exit_code == 0, result.output
    assert f"closed 1 ticket(s): {old.ref}" in result.output
