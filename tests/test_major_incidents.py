"""Major incidents: declare, link children, the candidate proposal (N reports on one service
within M minutes, configurable), and a public update reaching every child's people."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import major_incidents, workflow, workflow_settings
from app.extensions import db
from tests.web_helpers import events, fresh, ingest, laptop_request, mail, outbox

PEOPLE = ["Ann <ann@example.com>", "Ben <ben@example.com>", "Cy <cy@example.com>",
          "Di <di@example.com>"]


def vpn_reports(n: int) -> list:
    return [ingest(mail(f"VPN down ({i})", f"The VPN is down for everyone here, nobody can "
                                           f"work. Office {i}.", sender=PEOPLE[i]))
            for i in range(n)]


def test_three_reports_in_thirty_minutes_are_proposed(app, agent):
    first, second = vpn_reports(2)
    assert major_incidents.candidates() == []
    third = ingest(mail("VPN gone", "VPN is down for the whole office, nobody can work.",
                        sender=PEOPLE[2]))
    [candidate] = major_incidents.candidates()
    assert candidate.service.name == "VPN"
    assert [t.id for t in candidate.tickets] == [first.id, second.id, third.id]
    proposal = events(third, "major_candidate")[0]
    assert proposal.new == "VPN" and proposal.detail["related"] == [first.ref, second.ref,
                                                                     third.ref]


def test_reports_too_far_apart_or_on_other_services_are_not(app, agent):
    reports = vpn_reports(3)
    for i, ticket in enumerate(reports):
        ticket.created_at -= timedelta(minutes=40 * i)
    db.session.commit()
    assert major_incidents.candidates() == []
    workflow_settings.save("workflow", {**workflow_settings.get("workflow"),
                                        "major_minutes": 90}, agent.email)
    assert len(major_incidents.candidates()) == 1  # thresholds are configurable
    workflow_settings.save("workflow", {**workflow_settings.get("workflow"),
                                        "major_reports": 4}, agent.email)
    assert major_incidents.candidates() == []


def test_declare_from_a_proposal_links_the_children(logged_in, agent):
    reports = vpn_reports(3)
    page = logged_in.get("/major-incidents").get_data(as_text=True)
    assert "VPN: 3 reports close together" in page
    response = logged_in.post("/major-incidents/declare",
                              data={"ids": [str(t.id) for t in reports]})
    assert response.headers["Location"].endswith(f"/tickets/{reports[0].ref}")
    parent = fresh(reports[0])
    assert parent.major and [c.id for c in major_incidents.children(parent)] == [
        t.id for t in reports[1:]]
    assert major_incidents.candidates() == []  # linked reports are no longer proposed
    assert "no burst" in logged_in.get("/major-incidents").get_data(as_text=True).lower()


def test_declare_and_link_rules(app, agent):
    parent, child = vpn_reports(2)
    request = laptop_request()
    with pytest.raises(ValueError, match="not a major incident"):
        major_incidents.link(parent, child, agent)
    with pytest.raises(ValueError, match="only an incident"):
        major_incidents.declare(request, agent)
    major_incidents.declare(parent, agent)
    with pytest.raises(ValueError, match="cannot be a child"):
        major_incidents.link(parent, parent, agent)
    major_incidents.link(parent, child, agent)
    assert child.parent == parent
    with pytest.raises(ValueError, match="already a child"):
        major_incidents.declare(child, agent)
    assert events(child, "major_child_linked")[0].new == parent.ref


def test_public_update_on_the_parent_reaches_every_child(app, agent):
    parent, child, other = vpn_reports(3)
    workflow.transition(other, "cancelled", agent, {"note": "reporter withdrew"})
    major_incidents.declare(parent, agent)
    major_incidents.link(parent, child, agent)
    major_incidents.link(parent, other, agent)
    from app.models import Watcher

    db.session.add(Watcher(ticket=child, email="boss@example.com", name="Boss"))
    db.session.commit()
    before = {t.id: len(outbox(t)) for t in (parent, child, other)}
    _, mails = workflow.post_message(parent, agent, "The ISP is replacing a router; "
                                                    "next update at 15:00.", public=True)
    db.session.commit()
    new_child = outbox(child)[before[child.id]:]
    assert len(new_child) == 1
    assert new_child[0].to == ["ben@example.com"] and "boss@example.com" in new_child[0].cc
    assert "replacing a router" in new_child[0].body_text
    assert len(outbox(parent)) == before[parent.id] + 1  # the parent's reporter too
    assert len(outbox(other)) == before[other.id]  # a closed child is left alone
    assert {m.ticket_id for m in mails} == {parent.id, child.id}


def test_internal_notes_on_the_parent_are_not_sent(app, agent):
    parent, child = vpn_reports(2)
    major_incidents.declare(parent, agent)
    major_incidents.link(parent, child, agent)
    before = len(outbox(child))
    workflow.post_message(parent, agent, "internal: ISP ticket 1234", public=False)
    assert len(outbox(child)) == before


def test_dashboard_declare_and_link(logged_in, agent):
    parent, child = vpn_reports(2)
    logged_in.post(f"/tickets/{parent.ref}/workflow/declare")
    logged_in.post(f"/tickets/{parent.ref}/workflow/link", data={"child": child.ref})
    assert fresh(child).parent_id == parent.id
    page = logged_in.get(f"/tickets/{child.ref}").get_data(as_text=True)
    assert f"Child of <a href=\"/tickets/{parent.ref}\">" in page
