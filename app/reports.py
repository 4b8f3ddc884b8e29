"""Service-desk figures computed from the stored event log, for the reports page and CSV.

Times come from events only: opened (`ticket_opened`), first response (the first
public reply or status change out of new/assigned), resolved (the first move into
resolved or fulfilled, else closed). A ticket's kind, service and priority are its
current ones. SLA compliance compares those event times with the due times the SLA
clock stored on the ticket (`response_due_at`, `resolution_due_at`). Nothing here
writes; nothing reads the request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Event, Ticket

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
RESOLVED = frozenset({"resolved", "fulfilled"})
DONE = frozenset({"resolved", "fulfilled", "closed", "cancelled", "rejected"})
WAITING = frozenset({"new", "assigned"})
AGE_BUCKETS = (("< 1 day", 1), ("1-3 days", 3), ("3-7 days", 7), ("7-30 days", 30),
               ("> 30 days", None))
TIMED = ("ticket_opened", "field_changed", "public_reply", "classification_confirmed",
         "classification_corrected")


@dataclass
class Life:
    """One ticket's moments, read from its events."""

    ticket: Ticket
    opened: datetime
    responded: datetime | None = None
    resolved: datetime | None = None
    statuses: list[tuple[datetime, str]] | None = None

    def status_at(self, moment: datetime) -> str:
        current = "new"
        for at, status in self.statuses or []:
            if at <= moment:
                current = status
        return current


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Return [start, end] whole UTC days as [start, end+1) datetimes."""
    return (datetime.combine(start, time.min, UTC),
            datetime.combine(end + timedelta(days=1), time.min, UTC))


def lives(until: datetime) -> list[Life]:
    """Read every ticket's timeline up to a moment from the event log."""
    rows = db.session.execute(
        select(Event.ticket_id, Event.action, Event.field, Event.new, Event.created_at)
        .where(Event.ticket_id.is_not(None), Event.action.in_(TIMED), Event.created_at < until)
        .order_by(Event.created_at, Event.id)).all()
    tickets = {t.id: t for t in db.session.scalars(select(Ticket))}
    found: dict[int, Life] = {}
    for ticket_id, action, field, new, at in rows:
        if action == "ticket_opened" and ticket_id in tickets:
            found.setdefault(ticket_id, Life(tickets[ticket_id], at, statuses=[]))
        life = found.get(ticket_id)
        if life is None:
            continue
        if action == "public_reply" or (field == "status" and new not in WAITING):
            life.responded = life.responded or at
        if field == "status":
            life.statuses.append((at, new))
            if new in RESOLVED or (new == "closed" and life.resolved is None):
                life.resolved = life.resolved or at
    return list(found.values())


def bucket_of(moment: datetime, weekly: bool) -> str:
    day = moment.date()
    return (day - timedelta(days=day.weekday())).isoformat() if weekly else day.isoformat()


def volume(opened: list[Life], labels: list[str], weekly: bool) -> dict:
    """Count tickets opened per bucket, by kind, service and priority."""
    out: dict[str, dict[str, list[int]]] = {"kind": {}, "service": {}, "priority": {}}
    index = {label: i for i, label in enumerate(labels)}
    for life in opened:
        t = life.ticket
        keys = {"kind": t.kind, "service": t.service.name if t.service else "(none)",
                "priority": t.priority or "(none)"}
        for dimension, key in keys.items():
            series = out[dimension].setdefault(key, [0] * len(labels))
            series[index[bucket_of(life.opened, weekly)]] += 1
    return out


def mean_hours(spans: list[timedelta]) -> float | None:
    return round(sum(s.total_seconds() for s in spans) / len(spans) / 3600, 2) if spans else None


def times(opened: list[Life]) -> dict:
    """Mean time to acknowledge and to resolve, in hours, per priority."""
    acks, fixes = defaultdict(list), defaultdict(list)
    for life in opened:
        if life.responded:
            acks[life.ticket.priority].append(life.responded - life.opened)
        if life.resolved:
            fixes[life.ticket.priority].append(life.resolved - life.opened)
    return {p: {"mtta_hours": mean_hours(acks[p]), "mttr_hours": mean_hours(fixes[p]),
                "acknowledged": len(acks[p]), "resolved": len(fixes[p])} for p in PRIORITIES}


def met(done: datetime | None, due: datetime | None, now: datetime) -> bool | None:
    """True met, False breached, None not measurable (no target, or not yet due)."""
    if due is None:
        return None
    if done is not None:
        return done <= due
    return False if now > due else None


def sla(opened: list[Life], now: datetime) -> dict:
    """Share of measurable tickets that met their response and resolution due times."""
    tally = {p: {"response": [0, 0], "resolution": [0, 0]} for p in PRIORITIES}
    for life in opened:
        t = life.ticket
        for name, done, due in (("response", life.responded, t.response_due_at),
                                ("resolution", life.resolved, t.resolution_due_at)):
            verdict = met(done, due, now)
            if verdict is not None and t.priority in tally:
                tally[t.priority][name][0] += int(verdict)
                tally[t.priority][name][1] += 1
    return {p: {name: {"met": m, "measured": n, "percent": round(100 * m / n, 1) if n else None}
                for name, (m, n) in counts.items()} for p, counts in tally.items()}


def backlog(all_lives: list[Life], moment: datetime) -> dict:
    """Tickets still open at a moment, by age bucket and priority."""
    labels = [label for label, _ in AGE_BUCKETS]
    series = {p: [0] * len(labels) for p in PRIORITIES}
    for life in all_lives:
        if life.opened >= moment or life.status_at(moment) in DONE:
            continue
        age = (moment - life.opened) / timedelta(days=1)
        slot = next(i for i, (_, limit) in enumerate(AGE_BUCKETS) if limit is None or age < limit)
        if life.ticket.priority in series:
            series[life.ticket.priority][slot] += 1
    return {"labels": labels, "series": series}
