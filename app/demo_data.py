"""`gateway demo-data`: a realistic ticket history from a real incident log, for the reports.

Rows come from data/demo_incidents.csv (derived from the UCI incident log, CC BY
4.0, see data/CREDITS.md): their impact, urgency, opening, resolution and closing
times and whether the priority was confirmed are real. Priority is our ITIL matrix
applied to the row's impact x urgency, which gives the log's 1 Critical..3 Moderate
as P1..P3 and splits its 4 Low into P4 and P5. Services, subjects and first-response
times are generated (deterministically). Times are shifted so the newest incident
opened two hours ago. Every change goes through `app.audit`, so it is chained.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app import audit, sla
from app.extensions import db
from app.models import Service, Ticket
from app.models.base import utcnow
from app.priority import priority_for

DATA = Path(__file__).parent / "data" / "demo_incidents.csv"
SUBJECTS = {
    "Email": "Outlook keeps asking for my password", "VPN": "VPN drops every few minutes",
    "Network": "Wi-Fi on floor 3 is very slow", "Printing": "Printer on 2nd floor jams",
    "Accounts": "Locked out of my account", "File shares": "Cannot open the K: drive",
    "Laptops & desktops": "Laptop will not boot", "Phones": "Desk phone has no dial tone",
    "ERP": "SAP invoice run fails", "Facilities": "Badge does not open the door",
}
# Typical first-response delay (minutes) per priority; the log has no response times.
WINDOW = timedelta(days=120)
RESPONSE_MINUTES = {"P1": 10, "P2": 25, "P3": 120, "P4": 300, "P5": 600}


def _when(text: str) -> datetime | None:
    return None if text in ("", "?") else datetime.strptime(text, "%d/%m/%Y %H:%M").replace(
        tzinfo=UTC)


def rows(limit: int) -> list[dict]:
    """Read the newest `limit` incidents of the busy window, shifted to end two hours ago."""
    with DATA.open(newline="") as handle:
        found = [r | {"opened": _when(r["opened_at"]), "resolved": _when(r["resolved_at"]),
                      "closed": _when(r["closed_at"])} for r in csv.DictReader(handle)]
    found.sort(key=lambda r: r["opened"])
    # The log's last months hold only a thin tail of late-closed incidents: keep its
    # busy first WINDOW, so a recent range shows a realistic daily volume.
    found = [r for r in found if r["opened"] - found[0]["opened"] < WINDOW][-limit:]
    shift = (utcnow() - timedelta(hours=2)) - found[-1]["opened"]
    for r in found:
        for key in ("opened", "resolved", "closed"):
            r[key] = r[key] + shift if r[key] else None
    return found


def load(limit: int = 3200) -> int:
    """Create one ticket with its event history per row; return how many."""
    services = {s.name: s for s in db.session.scalars(select(Service))}
    names = sorted(services) or [None]
    now = utcnow()
    count = 0
    for count, row in enumerate(rows(limit), start=1):
        _ticket(row, services.get(names[int(row["category"] or 0) % len(names)]), now)
        if count % 200 == 0:
            db.session.commit()
    db.session.commit()
    return count


def _ticket(row: dict, service: Service | None, now: datetime) -> Ticket:
    """Create the ticket for one row and replay its life as events."""
    impact, urgency = int(row["impact"]), int(row["urgency"])
    priority, opened = priority_for(impact, urgency), row["opened"]
    rng = random.Random(row["number"])
    subject = SUBJECTS.get(service.name if service else "", "Something is broken")
    ticket = Ticket(kind="incident", status="new", subject=f"{subject} ({row['number']})",
                    description=f"Demo incident derived from {row['number']} (UCI log).",
                    impact=impact, urgency=urgency, priority=priority, service=service,
                    category="Other", reporter_email=f"user{rng.randint(1, 400)}@example.com",
                    needs_review=False, confidence=0.8, classifier_version="demo",
                    created_at=opened, updated_at=opened)
    db.session.add(ticket)
    db.session.flush()
    _event(ticket, "ticket_opened", opened, new=ticket.ref, source=row["contact_type"].lower())
    _event(ticket, "classified", opened, kind="incident", service=service and service.name,
           impact=impact, urgency=urgency, version="demo")
    _event(ticket, "prioritised", opened, new=priority, impact=impact, urgency=urgency)
    ends = [t for t in (row["resolved"], row["closed"]) if t]
    responded = opened + timedelta(minutes=rng.expovariate(1 / RESPONSE_MINUTES[priority]))
    responded = min([responded, *ends])
    _dues(ticket, opened)
    steps = [(responded, "in_progress"), (row["resolved"], "resolved"), (row["closed"], "closed")]
    old = "new"
    for at, status in steps:
        if at is not None and at <= now:
            _event(ticket, "field_changed", at, field="status", old=old, new=status)
            ticket.status, old = status, status
    ticket.responded_at, ticket.resolved_at = responded, row["resolved"] or row["closed"]
    verdict = ("classification_confirmed" if row["u_priority_confirmation"] == "true"
               else "classification_corrected")
    _event(ticket, verdict, responded, actor="agent@example.org", kind="incident",
           impact=impact, urgency=urgency)
    return ticket


def _event(ticket: Ticket, action: str, at: datetime, actor: str = "system", **kw) -> None:
    audit.record(action, ticket=ticket, actor=actor, **kw).created_at = at


def _dues(ticket: Ticket, opened: datetime) -> None:
    """Set the SLA due times the lifecycle's clock would have set (our targets)."""
    dues = sla.dues(opened, ticket.priority, [])
    ticket.response_due_at, ticket.resolution_due_at = dues.response, dues.resolution
    ticket.resolution_risk_at = dues.risk
