"""The write API: PATCH a ticket, POST transitions and messages, under the dashboard's rules."""

from __future__ import annotations

import pytest

from app import closure
from app.accounts import create_token
from app.extensions import db
from app.models import Team, TeamMember
from tests.web_helpers import events, fresh, outage, outbox, plain_agent


@pytest.fixture
def call(client, agent):
    token = create_token(agent.email)

    def send(method: str, path: str, body=None):
        return client.open(path, method=method, json=body,
                           headers={"Authorization": f"Bearer {token}"})

    return send


def test_write_calls_need_a_token(client, app):
    ticket = outage()
    for method, path in (("PATCH", ""), ("POST", "/transitions"), ("POST", "/messages")):
        response = client.open(f"/api/v1/tickets/{ticket.ref}{path}", method=method, json={})
        assert response.status_code == 401


def test_patch_impact_and_urgency_needs_a_reason(call, agent):
    ticket = outage()
    refused = call("PATCH", f"/api/v1/tickets/{ticket.ref}", {"urgency": 3})
    assert refused.status_code == 422 and "reason" in refused.get_json()["error"]
    ok = call("PATCH", f"/api/v1/tickets/{ticket.ref}",
              {"impact": 2, "urgency": 3, "reason": "monitoring says one site"})
    assert ok.status_code == 200 and ok.get_json()["priority"] == "P4"
    assert events(fresh(ticket), "classification_reason")[0].new == "monitoring says one site"
    assert events(ticket, "prioritised")[-1].actor == agent.email


def test_patch_priority_override_and_assignment_with_handover(call, agent):
    bo = plain_agent()
    net = Team(name="Network")
    db.session.add_all([net, TeamMember(team=net, agent=bo)])
    db.session.commit()
    ticket = outage()
    path = f"/api/v1/tickets/{ticket.ref}"
    assert call("PATCH", path, {"priority": "P2"}).status_code == 422
    assert call("PATCH", path, {"priority": "P2", "reason": "one site"}).get_json()[
        "priority"] == "P2"
    body = call("PATCH", path, {"team": "Network", "assignee": "bo@example.org"}).get_json()
    assert (body["team"], body["assignee"], body["status"]) == (
        "Network", "bo@example.org", "assigned")
    refused = call("PATCH", path, {"assignee": agent.email, "team": None})
    assert refused.status_code == 422 and "handover note" in refused.get_json()["error"]
    ok = call("PATCH", path, {"assignee": agent.email, "team": None,
                              "handover_note": "Bo is off; Alex takes it",
                              "next_action": "Call the ISP"})
    assert ok.status_code == 200 and ok.get_json()["next_action"] == "Call the ISP"
    assert call("PATCH", path, {"colour": "red"}).status_code == 400
    assert call("PATCH", path, {"team": "Nope"}).status_code == 422


def test_transitions_follow_the_rules(call, agent):
    ticket = outage()
    path = f"/api/v1/tickets/{ticket.ref}/transitions"
    assert call("POST", path, {"status": "closed"}).status_code == 409
    assert call("POST", path, {"status": "on_hold"}).status_code == 422
    held = call("POST", path, {"status": "on_hold", "hold_reason": "awaiting_vendor"})
    assert held.status_code == 200 and held.get_json()["sla"]["flags"] == ["paused"]
    assert call("POST", path, {"status": "in_progress"}).status_code == 200
    gate = call("POST", path, {"status": "resolved", "resolution_code": "fixed",
                               "resolution_notes": "restarted"})
    assert gate.status_code == 422 and "root-cause" in gate.get_json()["error"]
    closure.add_action(fresh(ticket), "control", "Alert on tunnels", agent, agent)
    db.session.commit()
    done = call("POST", path, {"status": "resolved", "resolution_code": "fixed",
                               "resolution_notes": "restarted", "root_cause": "problem",
                               "problem_ref": "PRB-7"})
    assert done.status_code == 200
    assert done.get_json()["resolution"]["problem_ref"] == "PRB-7"
    assert call("POST", path, {}).status_code == 400
    assert call("POST", path, ["resolved"]).status_code == 400


def test_messages_public_and_internal(call, agent):
    ticket = outage()
    path = f"/api/v1/tickets/{ticket.ref}/messages"
    before = len(outbox(ticket))
    note = call("POST", path, {"body": "checked the logs", "visibility": "internal"})
    assert note.status_code == 200 and len(outbox(ticket)) == before
    reply = call("POST", path, {"body": "We are on it.", "visibility": "public"})
    assert reply.status_code == 200 and len(outbox(ticket)) == before + 1
    assert reply.get_json()["sla"]["responded_at"] is not None
    assert call("POST", path, {"body": "  ", "visibility": "public"}).status_code == 422
    assert call("POST", path, {"body": "x", "visibility": "shout"}).status_code == 400


def test_unknown_ticket_is_404(call):
    assert call("PATCH", "/api/v1/tickets/INC-999999", {"reason": "x"}).status_code == 404
