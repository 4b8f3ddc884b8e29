"""Reports: every figure equals one computed here, independently, from the same events."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import audit_verify, demo_data, report_data
from app.extensions import db
from app.models import Event, Ticket
from app.models.base import utcnow


@pytest.fixture
def demo(app):
    count = demo_data.load(limit=120)
    assert count == 120 and audit_verify.verify().ok
    today = utcnow().date()
    return today - timedelta(days=29), today


def independent(start, end) -> dict:
    """Recompute the figures the plain way: walk each ticket's events in order."""
    now = utcnow()
    tickets = {t.id: t for t in db.session.scalars(select(Ticket))}
    by_ticket = defaultdict(list)
    for ev in db.session.scalars(select(Event).order_by(Event.created_at, Event.id)):
        if ev.ticket_id:
            by_ticket[ev.ticket_id].append(ev)
    out = {"volume": Counter(), "ttr": defaultdict(list), "resolution_met": Counter(),
           "measured": Counter(), "open": Counter()}
    for tid, events in by_ticket.items():
        t = tickets[tid]
        opened = next(e.created_at for e in events if e.action == "ticket_opened")
        statuses = [e for e in events if e.field == "status"]
        resolved = next((e.created_at for e in statuses if e.new in ("resolved", "closed")), None)
        if not any(e.new in ("resolved", "closed") for e in statuses if e.created_at <= now):
            out["open"][t.priority] += 1
        if not (start <= opened.date() <= end):
            continue
        out["volume"][t.priority] += 1
        if resolved:
            out["ttr"][t.priority].append((resolved - opened).total_seconds() / 3600)
        if t.resolution_due_at is not None and (resolved or now > t.resolution_due_at):
            out["measured"][t.priority] += 1
            out["resolution_met"][t.priority] += bool(resolved and resolved <= t.resolution_due_at)
    return out


def test_report_figures_match_an_independent_count(demo):
    start, end = demo
    data, mine = report_data.build(start, end), independent(start, end)
    assert {p: sum(c) for p, c in data["volume"]["priority"].items()} == dict(mine["volume"])
    for p, hours in mine["ttr"].items():
        assert data["times"][p]["mttr_hours"] == pytest.approx(sum(hours) / len(hours), abs=0.01)
        assert data["times"][p]["resolved"] == len(hours)
    for p, n in mine["measured"].items():
        assert data["sla"][p]["resolution"]["measured"] == n
        assert data["sla"][p]["resolution"]["met"] == mine["resolution_met"][p]
    assert {p: sum(s) for p, s in data["backlog"]["series"].items() if sum(s)} == dict(mine["open"])


def test_override_rate_counts_review_decisions(demo):
    start, end = demo
    data = report_data.build(start, end)["override"]
    rows = db.session.scalars(select(Event.action).where(
        Event.action.in_(("classification_confirmed", "classification_corrected")))).all()
    in_range = sum(data["decisions"])
    assert 0 < in_range <= len(rows)
    assert sum(data["overrides"]) <= in_range
    for n, k, rate in zip(data["decisions"], data["overrides"], data["rate"], strict=True):
        assert rate == round(k / n, 3)


def test_reports_page_json_and_csv(logged_in, demo):
    start, end = demo
    page = logged_in.get(f"/reports?from={start}&to={end}")
    assert page.status_code == 200 and b"vendor/chartjs/chart.umd.min.js" in page.data
    assert b"<script>" not in page.data  # CSP: no inline script
    payload = logged_in.get(f"/reports/data.json?from={start}&to={end}").get_json()
    assert payload["tickets"] == 120 or payload["tickets"] > 0
    body = logged_in.get(f"/reports/data.csv?from={start}&to={end}").data.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    volume = sum(int(r["value"]) for r in rows if r["section"] == "volume_by_priority")
    assert volume == payload["tickets"]
    assert logged_in.get("/reports?from=2026-13-01").status_code == 400
