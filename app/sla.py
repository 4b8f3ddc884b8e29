"""SLA clocks on tickets: targets per priority, pauses on hold, due times kept current.

Builds on `app.sla_clock` (pure business-time arithmetic). Two ways to the same
answer: `refresh` derives the due times from what the ticket stores (its pause
spans, first response, priority) and runs on every change, so queues sort on a
column; `recompute` derives them from the event log alone, for an audit. The
clock starts when the ticket is opened, pauses while the ticket waits (on hold,
awaiting approval, resolved awaiting confirmation) and a paused ticket keeps the
due times it had, flagged as paused, until the clock runs again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app import workflow_settings
from app.extensions import db
from app.lifecycle import CLOSED
from app.models import Event, Ticket
from app.models.base import utcnow
from app.sla_clock import Calendar, due_at

PAUSED = frozenset({"on_hold", "pending_approval", "resolved", "fulfilled"})
# Moving a ticket into any of these means an agent has responded.
RESPONDED = frozenset({"in_progress", "on_hold", "resolved", "cancelled", "closed",
                       "pending_approval", "approved", "rejected", "in_fulfilment", "fulfilled"})
_DURATION = re.compile(r"^\s*(\d{1,5})\s*([mhd])\s*$")

Span = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class Dues:
    response: datetime | None
    resolution: datetime | None
    risk: datetime | None


def calendar() -> Calendar:
    """Return the business calendar an admin set (or the default office hours)."""
    cal = workflow_settings.get("sla_calendar")
    if cal.get("always"):
        return Calendar.around_the_clock()
    return Calendar.office(cal["timezone"], time.fromisoformat(cal["start"]),
                           time.fromisoformat(cal["end"]), cal["days"],
                           [date.fromisoformat(d) for d in cal["holidays"]])


def parse_duration(text: str, cal: Calendar) -> timedelta | None:
    """Read "15m", "4h" or "3d" (business days of the calendar); "" means no target."""
    if not text.strip():
        return None
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 15m, 4h or 3d")
    amount, unit = int(match.group(1)), match.group(2)
    if unit == "d":
        return amount * business_day(cal)
    return timedelta(minutes=amount) if unit == "m" else timedelta(hours=amount)


def business_day(cal: Calendar) -> timedelta:
    """One business day: the calendar's longest day of opening hours (24 h around the clock)."""
    if cal.always:
        return timedelta(days=1)
    lengths = [sum((datetime.combine(date.min, e) - datetime.combine(date.min, b)
                    for b, e in spans), timedelta()) for spans in cal.hours.values()]
    return max(lengths, default=timedelta(hours=8))


def targets(priority: str, cal: Calendar) -> tuple[timedelta | None, timedelta | None]:
    """Return the (response, resolution) targets for a priority."""
    entry = workflow_settings.get("sla_targets").get(priority) or {}
    return (parse_duration(entry.get("response", ""), cal),
            parse_duration(entry.get("resolution", ""), cal))


def dues(start: datetime, priority: str, pauses: list[Span]) -> Dues:
    """Compute the due times from the start, priority and the finished pauses."""
    cal = calendar()
    response, resolution = targets(priority, cal)
    closed = [(b, e) for b, e in pauses if e is not None]
    percent = int(workflow_settings.get("workflow")["at_risk_percent"])

    def when(target: timedelta | None) -> datetime | None:
        try:
            return due_at(start, target, cal, closed) if target else None
        except ValueError:  # a calendar with no opening hours: no due time
            return None

    risk = when(resolution * percent / 100) if resolution else None
    return Dues(when(response), when(resolution), risk)


def refresh(ticket: Ticket) -> None:
    """Recompute and store the ticket's due times from its stored clock state."""
    result = dues(ticket.created_at or utcnow(), ticket.priority, _spans(ticket.sla_pauses))
    ticket.response_due_at, ticket.resolution_due_at = result.response, result.resolution
    ticket.resolution_risk_at = result.risk


def on_status(ticket: Ticket, old: str, new: str, at: datetime) -> None:
    """Open or close a pause as the status changes; note the first response."""
    pauses = list(ticket.sla_pauses or [])
    if new in PAUSED and old not in PAUSED:
        pauses.append([at.isoformat(), None])
        ticket.sla_paused_since = at
    elif old in PAUSED and new not in PAUSED and pauses and pauses[-1][1] is None:
        pauses[-1] = [pauses[-1][0], at.isoformat()]
        ticket.sla_paused_since = None
    ticket.sla_pauses = pauses
    if new in RESPONDED:
        responded(ticket, at)
    refresh(ticket)


def responded(ticket: Ticket, at: datetime) -> None:
    """Stop the response clock at the first response."""
    if ticket.responded_at is None:
        ticket.responded_at = at


def _spans(raw: list) -> list[Span]:
    return [(datetime.fromisoformat(b), datetime.fromisoformat(e) if e else None)
            for b, e in raw or []]


def recompute(ticket: Ticket) -> tuple[Dues, datetime | None]:
    """Derive due times and first response from the event log alone (for an audit)."""
    events = db.session.scalars(select(Event).where(Event.ticket_id == ticket.id)
                                .order_by(Event.id)).all()
    priority, pauses, first = ticket.priority, [], None
    for ev in events:
        if ev.action in ("prioritised", "priority_overridden"):
            priority = ev.new
        elif ev.action == "public_reply":
            first = first or ev.created_at
        elif ev.action == "field_changed" and ev.field == "status":
            if ev.new in RESPONDED:
                first = first or ev.created_at
            if ev.new in PAUSED and ev.old not in PAUSED:
                pauses.append((ev.created_at, None))
            elif ev.old in PAUSED and ev.new not in PAUSED and pauses:
                pauses[-1] = (pauses[-1][0], ev.created_at)
    return dues(ticket.created_at, priority, pauses), first


def flags(ticket: Ticket, now: datetime | None = None) -> list[str]:
    """Return the SLA flags to show: breached, at risk, paused (open tickets only)."""
    if ticket.status in CLOSED:
        return []
    now = now or utcnow()
    clock = ticket.sla_paused_since or now
    out = []
    if (ticket.resolution_due_at and ticket.resolution_due_at <= clock) or (
            ticket.responded_at is None and ticket.response_due_at
            and ticket.response_due_at <= clock):
        out.append("breached")
    elif ticket.resolution_risk_at and ticket.resolution_risk_at <= clock:
        out.append("at_risk")
    if ticket.sla_paused_since:
        out.append("paused")
    return out


def refresh_open() -> int:
    """Recompute every open ticket's due times (after an admin changes targets or hours)."""
    rows = db.session.scalars(select(Ticket).where(Ticket.status.not_in(CLOSED))).all()
    for ticket in rows:
        refresh(ticket)
    return len(rows)
