"""Teams and members (admin), assignment to team and agent, the handover rule, the
shift-handover page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import matrix, workflow
from app.extensions import db
from app.models import Team, TeamMember
from tests.web_helpers import events, fresh, laptop_request, outage, plain_agent


def team(name: str, *agents) -> Team:
    row = Team(name=name)
    db.session.add(row)
    for a in agents:
        db.session.add(TeamMember(team=row, agent=a))
    db.session.commit()
    return row


def test_admin_manages_teams_and_members(logged_in, agent):
    bo = plain_agent()
    logged_in.post("/admin/teams", data={"op": "create", "name": "Network"})
    net = db.session.scalar(select(Team).where(Team.name == "Network"))
    logged_in.post("/admin/teams", data={"op": "add", "team_id": net.id, "agent_id": bo.id})
    db.session.expire_all()
    assert [a.email for a in net.agents] == ["bo@example.org"]
    page = logged_in.get("/admin/teams").get_data(as_text=True)
    assert "Network" in page and "Bo Agent" in page
    logged_in.post("/admin/teams", data={"op": "remove", "team_id": net.id, "agent_id": bo.id})
    db.session.expire_all()
    assert net.agents == []
    dup = logged_in.post("/admin/teams", data={"op": "create", "name": "Network"},
                         follow_redirects=True)
    assert "new, non-empty name" in dup.get_data(as_text=True)


def test_assign_to_team_and_member(app, agent):
    bo = plain_agent()
    net = team("Network", bo)
    ticket = outage()
    with pytest.raises(ValueError, match="not a member"):
        workflow.assign(ticket, net, agent, agent)
    workflow.assign(ticket, net, bo, agent, next_action="Check the VPN concentrator")
    assert (ticket.team, ticket.assignee, ticket.status) == (net, bo, "assigned")
    assert ticket.next_action == "Check the VPN concentrator"
    fields = {e.field for e in events(ticket, "field_changed")}
    assert {"team", "assignee", "next_action"} <= fields


def test_reassigning_an_open_p1_needs_a_handover_note(app, agent):
    bo = plain_agent()
    ticket = outage()
    workflow.assign(ticket, None, agent, agent)  # the first assignment needs no note
    for change in ((None, bo), (None, None)):
        with pytest.raises(ValueError, match="handover note"):
            workflow.assign(ticket, *change, agent)
    assert ticket.assignee == agent
    workflow.assign(ticket, None, bo, agent, note="Gateway rebooted; watch the tunnels.",
                    next_action="Confirm with the reporter at 14:00")
    handover = events(ticket, "handover")[0]
    assert (handover.old, handover.new) == (agent.email, bo.email)
    assert handover.detail["note"] == "Gateway rebooted; watch the tunnels."
    assert ticket.messages[-1].body_text.startswith("Handover: Gateway rebooted")


def test_a_team_change_on_an_open_p2_needs_a_note_too(app, agent):
    net, desk = team("Network"), team("Service desk")
    ticket = outage()
    matrix.override(ticket, "P2", "one site", agent.email)
    workflow.assign(ticket, net, None, agent)
    with pytest.raises(ValueError, match="handover note"):
        workflow.assign(ticket, desk, None, agent)
    workflow.assign(ticket, desk, None, agent, note="Not a network fault after all")
    assert ticket.team == desk


def test_lower_priorities_and_finished_tickets_move_freely(app, agent):
    bo = plain_agent()
    request = laptop_request()  # P5
    workflow.assign(request, None, agent, agent)
    workflow.assign(request, None, bo, agent)
    assert request.assignee == bo and not events(request, "handover")


def test_old_assign_form_obeys_the_rule(logged_in, agent):
    bo = plain_agent()
    ticket = outage()
    logged_in.post(f"/tickets/{ticket.ref}/assign", data={"assignee": str(agent.id)})
    page = logged_in.post(f"/tickets/{ticket.ref}/assign", data={"assignee": str(bo.id)},
                          follow_redirects=True)
    assert "handover note" in page.get_data(as_text=True)
    assert fresh(ticket).assignee_id == agent.id


def test_handover_page_lists_open_incidents_by_priority(logged_in, agent):
    p1, request = outage(), laptop_request()
    p3 = outage(sender="Sam <sam@example.com>")
    matrix.override(p3, "P3", "single user", agent.email)
    workflow.assign(p1, None, agent, agent, next_action="Call the ISP")
    db.session.commit()
    page = logged_in.get("/handover").get_data(as_text=True)
    assert page.index(p1.ref) < page.index(p3.ref)
    assert request.ref not in page  # requests are not on the incident handover
    assert "Call the ISP" in page and "field changed" in page
