"""SLA clocks on tickets: targets per priority, every pause case, flags, sorting, and the
stored due times agreeing with a recomputation from the event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import matrix, sla, workflow, workflow_settings
from app.extensions import db
from tests.web_helpers import fresh, laptop_request, login, outage, vague
from tests.workflow_helpers import resolve

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # a Thursday


def around_the_clock() -> None:
    cal = {**workflow_settings.DEFAULTS["sla_calendar"], "always": True}
    workflow_settings.save("sla_calendar", cal, "admin@example.org")
    db.session.commit()


def started(ticket, at: datetime = T0):
    """Pretend the ticket was opened at `at` (the clock starts at creation)."""
    ticket.created_at = at
    sla.refresh(ticket)
    db.session.commit()
    return ticket


def agrees(ticket) -> None:
    """The stored due times are what the event log alone gives."""
    dues, responded = sla.recompute(ticket)
    assert (ticket.response_due_at, ticket.resolution_due_at, ticket.resolution_risk_at) == (
        dues.response, dues.resolution, dues.risk)
    assert ticket.responded_at == responded


def test_default_targets_per_priority(app, agent):
    around_the_clock()
    ticket = started(outage())
    assert ticket.priority == "P1"
    assert ticket.response_due_at == T0 + timedelta(minutes=15)
    assert ticket.resolution_due_at == T0 + timedelta(hours=4)
    assert ticket.resolution_risk_at == T0 + timedelta(hours=4) * 0.8
    request = started(laptop_request())
    assert request.priority == "P5" and request.resolution_due_at is None  # P5: no target


def test_business_hours_and_business_days(app, agent):
    # Default calendar: Mon-Fri 08-18 UTC. A P1 opened Friday 17:00 has 1 h on Friday.
    friday_5pm = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    ticket = started(outage(), friday_5pm)
    assert ticket.resolution_due_at == datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    # P3 resolution "3d" = three 10-hour business days.
    matrix.override(ticket, "P3", "test", agent.email)
    sla.refresh(ticket)
    assert ticket.resolution_due_at == datetime(2026, 12, 9, 17, 0, tzinfo=UTC)


def test_on_hold_pauses_and_resuming_moves_the_due_time(app, agent):
    around_the_clock()
    ticket = started(outage())
    workflow.set_status(ticket, "in_progress", agent.email, at=T0 + timedelta(minutes=5))
    workflow.set_status(ticket, "on_hold", agent.email, at=T0 + timedelta(hours=1),
                        hold_reason="awaiting_vendor")
    assert ticket.sla_paused_since == T0 + timedelta(hours=1)
    assert ticket.resolution_due_at == T0 + timedelta(hours=4)  # kept while paused
    workflow.set_status(ticket, "in_progress", agent.email, at=T0 + timedelta(hours=3))
    assert ticket.sla_paused_since is None
    assert ticket.resolution_due_at == T0 + timedelta(hours=6)  # two hours on hold
    db.session.commit()
    agrees(fresh(ticket))


def test_pending_approval_pauses_a_request(app, agent):
    around_the_clock()
    ticket = started(laptop_request())
    matrix.override(ticket, "P3", "new hire starts Monday", agent.email)
    sla.refresh(ticket)
    ticket.approver = agent
    workflow.set_status(ticket, "pending_approval", agent.email, at=T0 + timedelta(hours=1))
    workflow.set_status(ticket, "approved", agent.email, at=T0 + timedelta(hours=25))
    assert ticket.resolution_due_at == T0 + timedelta(days=3, hours=24)
    db.session.commit()
    agrees(fresh(ticket))


def test_resolved_time_does_not_count_after_a_reopen(app, agent):
    around_the_clock()
    ticket = started(outage())
    workflow.set_status(ticket, "resolved", agent.email, at=T0 + timedelta(hours=1))
    workflow.set_status(ticket, "in_progress", "system", at=T0 + timedelta(hours=11))
    assert ticket.resolution_due_at == T0 + timedelta(hours=14)
    db.session.commit()
    agrees(fresh(ticket))


def test_hold_outside_business_hours_costs_nothing(app, agent):
    ticket = started(outage())  # office hours: Thursday 09:00 UTC
    workflow.set_status(ticket, "on_hold", agent.email, at=T0 + timedelta(hours=10),
                        hold_reason="awaiting_reporter")  # 19:00, closed
    workflow.set_status(ticket, "in_progress", agent.email, at=T0 + timedelta(hours=22))
    assert ticket.resolution_due_at == T0 + timedelta(hours=4)  # 13:00 the same day


def test_flags_at_risk_breached_and_paused(app, agent):
    around_the_clock()
    ticket = started(outage())
    workflow.set_status(ticket, "in_progress", agent.email, at=T0 + timedelta(minutes=1))
    assert sla.flags(ticket, T0 + timedelta(hours=1)) == []
    assert sla.flags(ticket, T0 + timedelta(hours=3, minutes=30)) == ["at_risk"]
    assert sla.flags(ticket, T0 + timedelta(hours=5)) == ["breached"]
    workflow.set_status(ticket, "on_hold", agent.email, at=T0 + timedelta(hours=2),
                        hold_reason="awaiting_change")
    assert sla.flags(ticket, T0 + timedelta(days=2)) == ["paused"]  # the clock is stopped


def test_paused_after_the_due_time_stays_breached(app, agent):
    around_the_clock()
    ticket = started(outage())
    workflow.set_status(ticket, "on_hold", agent.email, at=T0 + timedelta(hours=5),
                        hold_reason="awaiting_vendor")
    assert sla.flags(ticket, T0 + timedelta(days=1)) == ["breached", "paused"]


def test_response_clock_stops_at_the_first_public_reply(app, agent):
    ticket = outage()
    assert ticket.responded_at is None
    workflow.post_message(ticket, agent, "internal only", public=False)
    assert ticket.responded_at is None
    workflow.post_message(ticket, agent, "We are on it.", public=True)
    first = ticket.responded_at
    workflow.post_message(ticket, agent, "Update.", public=True)
    assert first is not None and ticket.responded_at == first
    db.session.commit()
    agrees(fresh(ticket))


def test_stored_and_recomputed_agree_after_a_whole_life(app, agent):
    """Real transitions at real times: hold, resume, reply, override, resolve, reopen."""
    ticket = outage()
    workflow.transition(ticket, "in_progress", agent)
    workflow.transition(ticket, "on_hold", agent, {"hold_reason": "awaiting_reporter"})
    workflow.post_message(ticket, agent, "Could you send a screenshot?", public=True)
    workflow.transition(ticket, "in_progress", agent)
    matrix.override(ticket, "P2", "only one site affected", agent.email)
    sla.refresh(ticket)
    resolve(ticket, agent)
    workflow.set_status(ticket, "in_progress", "system")
    db.session.commit()
    ticket = fresh(ticket)
    assert len(ticket.sla_pauses) == 2 and ticket.resolution_due_at is not None
    agrees(ticket)


def test_admin_changes_targets_and_open_tickets_follow(app, agent, logged_in):
    around_the_clock()
    ticket = started(outage())
    response = logged_in.post("/admin/workflow", data={
        "section": "sla", "targets": "P1 10m 2h\nP2 30m 8h\nP3 4h 3d\nP4 8h 5d\nP5 - -"})
    assert response.status_code == 302
    assert fresh(ticket).resolution_due_at == T0 + timedelta(hours=2)
    bad = logged_in.post("/admin/workflow", data={"section": "sla", "targets": "P1 soon"},
                         follow_redirects=True)
    assert "write" in bad.get_data(as_text=True)
    assert workflow_settings.get("sla_targets")["P1"]["resolution"] == "2h"


def test_admin_sets_calendar_and_holidays(app, agent, logged_in):
    response = logged_in.post("/admin/workflow", data={
        "section": "calendar", "timezone": "Europe/Berlin", "days": "0,1,2,3,4",
        "start": "09:00", "end": "17:00", "holidays": "2026-12-24, 2026-12-25"})
    assert response.status_code == 302
    cal = sla.calendar()
    assert cal.timezone == "Europe/Berlin" and len(cal.holidays) == 2
    refused = logged_in.post("/admin/workflow", data={
        "section": "calendar", "timezone": "Mars/Olympus", "days": "0", "start": "09:00",
        "end": "17:00"}, follow_redirects=True)
    assert "unknown time zone" in refused.get_data(as_text=True)


@pytest.mark.parametrize("sort", ["sla", ""])
def test_queue_sorts_by_sla_due_time(app, agent, logged_in, sort):
    around_the_clock()
    slow = started(outage(), T0)
    matrix.override(slow, "P4", "cosmetic", agent.email)
    sla.refresh(slow)
    fast = started(outage(), T0 + timedelta(minutes=30))
    none = vague()
    db.session.commit()
    page = logged_in.get("/", query_string={"sort": sort}).get_data(as_text=True)
    order = [page.index(f"/tickets/{t.ref}\"") for t in (fast, slow, none)]
    if sort == "sla":
        assert order == sorted(order)  # P1 due in 4 h, P4 in 5 days, no target last
    assert "breached" in page  # T0 lies in the past: both clocks have run out


def test_login_helper_still_works(client, agent):
    assert login(client, agent.email).status_code == 302
