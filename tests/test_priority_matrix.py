"""The admin-configurable priority matrix: every decision recorded with inputs, version and
value; overrides need a reason and an author; 3 to 5 levels per axis."""

from __future__ import annotations

import pytest

from app import matrix, tickets, workflow_settings
from app.extensions import db
from app.priority import MATRIX_VERSION
from tests.web_helpers import events, fresh, outage

FIVE = {"impact": ["enterprise", "site", "department", "team", "person"],
        "urgency": ["critical", "high", "medium", "low", "none"],
        "cells": [["P1", "P1", "P2", "P3", "P4"], ["P1", "P2", "P3", "P3", "P4"],
                  ["P2", "P3", "P3", "P4", "P5"], ["P3", "P3", "P4", "P4", "P5"],
                  ["P3", "P4", "P4", "P5", "P5"]]}


def test_default_is_the_itil_3x3_and_the_decision_is_recorded(app):
    ticket = outage()
    decision = events(ticket, "prioritised")[0]
    assert decision.new == ticket.priority == "P1"
    assert decision.detail == {"impact": 1, "urgency": 1, "matrix": MATRIX_VERSION,
                               "computed": "P1"}


def test_override_needs_a_reason_and_an_author(app, agent):
    ticket = outage()
    for reason, actor in (("", agent.email), ("   ", agent.email), ("fine", "system"),
                          ("fine", "")):
        with pytest.raises(ValueError, match="reason and an author"):
            matrix.override(ticket, "P3", reason, actor)
    with pytest.raises(ValueError, match="priority must be"):
        matrix.override(ticket, "P9", "because", agent.email)
    matrix.override(ticket, "P3", "only the test VPN is down", agent.email)
    event = events(ticket, "priority_overridden")[0]
    assert (event.old, event.new, event.actor) == ("P1", "P3", agent.email)
    assert event.detail["reason"] == "only the test VPN is down"
    assert event.detail["computed"] == "P1" and event.detail["matrix"] == MATRIX_VERSION


@pytest.mark.parametrize("bad,message", [
    ({**FIVE, "impact": ["a", "b"]}, "3 to 5"),
    ({**FIVE, "urgency": list("abcdef")}, "3 to 5"),
    ({**FIVE, "cells": FIVE["cells"][:4]}, "one cell"),
    ({**FIVE, "cells": [row[:4] for row in FIVE["cells"]]}, "one cell"),
    ({**FIVE, "cells": [["P0"] * 5] * 5}, "one of"),
])
def test_matrix_validation(bad, message):
    with pytest.raises(matrix.MatrixError, match=message):
        matrix.validate(bad)


def test_a_5x5_matrix_gets_a_version_and_scales_the_classifier(app, agent):
    workflow_settings.save(matrix.KEY, matrix.validate(FIVE), agent.email)
    db.session.commit()
    grid = matrix.current()
    assert grid.version == "matrix-v1" and len(grid.impact) == 5
    ticket = outage()  # classifier says impact 1, urgency 1 on its 3-level scale
    assert (ticket.impact, ticket.urgency, ticket.priority) == (1, 1, "P1")
    assert events(ticket, "prioritised")[0].detail["matrix"] == "matrix-v1"
    tickets.confirm_classification(ticket, agent, "incident", 4, 5)
    assert ticket.priority == "P5"
    assert events(ticket, "prioritised")[-1].detail == {
        "impact": 4, "urgency": 5, "matrix": "matrix-v1", "computed": "P5"}
    assert [matrix.scale(level, 5) for level in (1, 2, 3)] == [1, 3, 5]


def test_admin_edits_the_matrix_on_the_page(logged_in, agent):
    page = logged_in.get("/admin/workflow").get_data(as_text=True)
    assert "itil-3x3-v1" in page and "P1 P2 P3" in page
    response = logged_in.post("/admin/workflow", data={
        "section": "matrix", "impact": "high, medium, low, none",
        "urgency": "high, medium, low",
        "cells": "P1 P1 P2\nP2 P3 P4\nP3 P4 P5\nP4 P5 P5"})
    assert response.status_code == 302
    assert matrix.current().version == "matrix-v1"
    saved = [e for e in events_of("setting_saved")][-1]
    assert saved.field == "priority_matrix" and saved.actor == agent.email
    ticket = outage()
    page = logged_in.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert '<option value="4">4 none</option>' in page
    refused = logged_in.post("/admin/workflow", data={
        "section": "matrix", "impact": "a, b", "urgency": "a, b, c", "cells": "P1 P1 P1"},
        follow_redirects=True)
    assert "3 to 5" in refused.get_data(as_text=True)


def test_override_through_the_dashboard(logged_in, agent):
    ticket = outage()
    refused = logged_in.post(f"/tickets/{ticket.ref}/workflow/priority",
                             data={"priority": "P3", "reason": ""}, follow_redirects=True)
    assert "reason" in refused.get_data(as_text=True) and fresh(ticket).priority == "P1"
    logged_in.post(f"/tickets/{ticket.ref}/workflow/priority",
                   data={"priority": "P3", "reason": "one test user"})
    ticket = fresh(ticket)
    assert ticket.priority == "P3"
    assert ticket.resolution_due_at is not None


def test_non_admin_cannot_edit_settings(client, app):
    from tests.web_helpers import login, plain_agent

    plain_agent()
    login(client, "bo@example.org")
    assert client.get("/admin/workflow").status_code == 403
    assert client.post("/admin/workflow", data={"section": "sla"}).status_code == 403
    assert client.get("/admin/teams").status_code == 403


def events_of(action: str):
    from sqlalchemy import select

    from app.models import Event

    return db.session.scalars(select(Event).where(Event.action == action).order_by(Event.id))
