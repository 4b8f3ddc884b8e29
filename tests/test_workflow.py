"""Statuses and transitions per kind, enforced on the server: each rule, and the hold that a
reporter's reply ends."""

from __future__ import annotations

import pytest

from app import lifecycle, workflow
from app.extensions import db
from tests.web_helpers import (
    events,
    fresh,
    ingest,
    laptop_request,
    mail,
    outage,
    outbox,
    plain_agent,
)
from tests.workflow_helpers import RESOLUTION


def moves(ticket) -> list[tuple[str, str]]:
    return [(e.old, e.new) for e in events(ticket, "field_changed") if e.field == "status"]


def test_incident_walks_its_whole_flow(app, agent):
    ticket = outage()
    workflow.assign(ticket, None, agent, agent)
    workflow.transition(ticket, "in_progress", agent)
    workflow.transition(ticket, "on_hold", agent, {"hold_reason": "awaiting_change"})
    assert ticket.hold_reason == "awaiting_change"
    workflow.transition(ticket, "in_progress", agent)
    assert ticket.hold_reason is None
    ticket.priority = "P3"  # below the root-cause gate (tested in test_closure)
    workflow.transition(ticket, "resolved", agent, RESOLUTION)
    workflow.transition(ticket, "in_progress", agent)  # reopen
    workflow.transition(ticket, "resolved", agent, RESOLUTION)
    workflow.transition(ticket, "closed", agent)
    assert moves(ticket) == [("new", "assigned"), ("assigned", "in_progress"),
                             ("in_progress", "on_hold"), ("on_hold", "in_progress"),
                             ("in_progress", "resolved"), ("resolved", "in_progress"),
                             ("in_progress", "resolved"), ("resolved", "closed")]


@pytest.mark.parametrize("kind,old,new", [
    ("incident", "new", "closed"), ("incident", "closed", "in_progress"),
    ("incident", "cancelled", "new"), ("incident", "new", "fulfilled"),
    ("service_request", "new", "resolved"), ("service_request", "approved", "closed"),
    ("service_request", "rejected", "approved"), ("service_request", "closed", "new"),
])
def test_forbidden_moves_raise(kind, old, new):
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.check_transition(kind, old, new)


@pytest.mark.parametrize("reason", ["", "awaiting_lunch", None])
def test_on_hold_needs_a_known_reason(app, agent, reason):
    ticket = outage()
    with pytest.raises(ValueError, match="on hold needs a reason"):
        workflow.transition(ticket, "on_hold", agent, {"hold_reason": reason})
    assert ticket.status == "new"


@pytest.mark.parametrize("target", ["cancelled"])
def test_cancel_needs_a_note(app, agent, target):
    ticket = outage()
    with pytest.raises(ValueError, match="needs a note"):
        workflow.transition(ticket, target, agent)
    workflow.transition(ticket, target, agent, {"note": "duplicate of a phone call"})
    assert events(ticket, "field_changed")[-1].detail["note"] == "duplicate of a phone call"


def test_request_flow_with_an_approver(app, agent):
    approver = plain_agent("approver@example.org")
    ticket = laptop_request()
    with pytest.raises(ValueError, match="needs an approver"):
        workflow.transition(ticket, "pending_approval", agent)
    workflow.transition(ticket, "pending_approval", agent, {"approver_id": approver.id})
    assert ticket.approver == approver
    with pytest.raises(ValueError, match="only Bo Agent can approve"):
        workflow.transition(ticket, "approved", agent)
    workflow.transition(ticket, "approved", approver)
    workflow.transition(ticket, "in_fulfilment", agent)
    with pytest.raises(ValueError, match="resolution notes"):
        workflow.transition(ticket, "fulfilled", agent)
    workflow.transition(ticket, "fulfilled", agent, {"resolution_code": "fulfilled",
                                                     "resolution_notes": "Laptop delivered."})
    workflow.transition(ticket, "closed", agent)
    assert ticket.status == "closed"


def test_only_the_approver_rejects_and_says_why(app, agent):
    approver = plain_agent("approver@example.org")
    ticket = laptop_request()
    workflow.transition(ticket, "pending_approval", agent, {"approver_id": approver.id})
    with pytest.raises(ValueError, match="only"):
        workflow.transition(ticket, "rejected", agent, {"note": "no budget"})
    with pytest.raises(ValueError, match="needs a note"):
        workflow.transition(ticket, "rejected", approver)
    workflow.transition(ticket, "rejected", approver, {"note": "no budget this quarter"})
    assert ticket.status == "rejected"


def test_reporter_reply_resumes_a_hold_awaiting_the_reporter(app, agent):
    ticket = outage()
    workflow.transition(ticket, "on_hold", agent, {"hold_reason": "awaiting_reporter"})
    db.session.commit()
    reply_to = outbox(ticket)[0].message_id
    ingest(mail("Re: VPN is down", "Here is the screenshot you asked for.",
                in_reply_to=reply_to))
    ticket = fresh(ticket)
    assert ticket.status == "in_progress" and ticket.hold_reason is None
    last = [e for e in events(ticket, "field_changed") if e.field == "status"][-1]
    assert last.actor == "system" and "pat@example.com" in last.detail["reason"]


@pytest.mark.parametrize("reason", ["awaiting_vendor", "awaiting_change"])
def test_reporter_reply_leaves_other_holds_alone(app, agent, reason):
    ticket = outage()
    workflow.transition(ticket, "on_hold", agent, {"hold_reason": reason})
    db.session.commit()
    ingest(mail("Re: VPN is down", "Any news?", in_reply_to=outbox(ticket)[0].message_id))
    assert fresh(ticket).status == "on_hold"


def test_a_stranger_does_not_resume_a_hold(app, agent):
    ticket = outage()
    workflow.transition(ticket, "on_hold", agent, {"hold_reason": "awaiting_reporter"})
    db.session.commit()
    ingest(mail("Re: VPN is down", "me too", sender="stranger@example.net",
                in_reply_to=outbox(ticket)[0].message_id))
    assert fresh(ticket).status == "on_hold"


def test_dashboard_transition_form_enforces_the_same_rules(logged_in, agent):
    ticket = outage()
    page = logged_in.post(f"/tickets/{ticket.ref}/workflow/transition",
                          data={"status": "on_hold"}, follow_redirects=True)
    assert "on hold needs a reason" in page.get_data(as_text=True)
    assert fresh(ticket).status == "new"
    logged_in.post(f"/tickets/{ticket.ref}/workflow/transition",
                   data={"status": "on_hold", "hold_reason": "awaiting_vendor"})
    assert fresh(ticket).status == "on_hold"
    page = logged_in.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "awaiting vendor" in page and "sla-paused" in page


def test_the_reporter_hears_of_resolution_and_of_a_hold_waiting_for_them(app, agent):
    ticket = outage()
    workflow.transition(ticket, "on_hold", agent, {"hold_reason": "awaiting_vendor"})
    assert [m.template for m in outbox(ticket)] == ["acknowledgement"]
    workflow.transition(ticket, "in_progress", agent)
    workflow.transition(ticket, "on_hold", agent, {"hold_reason": "awaiting_reporter",
                                                   "note": "Which VPN client version?"})
    ticket.priority = "P3"
    workflow.transition(ticket, "resolved", agent, RESOLUTION)
    mails = outbox(ticket)
    assert [m.template for m in mails] == ["acknowledgement", "request_info", "resolved"]
    assert "Which VPN client version?" in mails[1].body_text
    assert "Restarted the VPN gateway." in mails[2].body_text
