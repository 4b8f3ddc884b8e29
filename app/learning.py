"""Agents' decisions as labelled examples, and the override rate they add up to.

`record_decision` is called by `app.tickets.confirm_classification` in the same
transaction as the change it records. Training reads `agent_examples`; the review
page and the API show `override_rates`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import LabelledExample, Ticket
from app.models.base import utcnow
from parsers.kind_data import AGENT_WEIGHT, Example, subject_and_body


def record_decision(ticket: Ticket, label: str, actor: str) -> LabelledExample:
    """Keep an agent's confirmation (same kind) or override (other kind) of a ticket."""
    row = LabelledExample(
        ticket_id=ticket.id, subject=ticket.subject[:998], body=ticket.description or "",
        label=label, predicted=ticket.kind, overridden=label != ticket.kind,
        confidence=ticket.confidence or 0.0, classifier_version=ticket.classifier_version[:40],
        actor=actor[:320],
    )
    db.session.add(row)
    return row


def agent_examples() -> list[Example]:
    """Return every stored decision as a training example, oldest first."""
    rows = db.session.scalars(select(LabelledExample).order_by(LabelledExample.id)).all()
    return [Example(subject_and_body(r.subject, r.body), r.label, AGENT_WEIGHT, "agent")
            for r in rows]


def _week_start(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def override_rates(weeks: int = 12, now: datetime | None = None) -> list[dict]:
    """Return decisions, overrides and their rate per ISO week, newest week first."""
    first = _week_start(now or utcnow()) - timedelta(weeks=weeks - 1)
    rows = db.session.execute(select(LabelledExample.created_at, LabelledExample.overridden)
                              .where(LabelledExample.created_at >= first)).all()
    table: dict[datetime, list[int]] = {}
    for created, overridden in rows:
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        counts = table.setdefault(_week_start(created), [0, 0])
        counts[0] += 1
        counts[1] += int(bool(overridden))
    return [{"week": f"{w.isocalendar().year}-W{w.isocalendar().week:02d}",
             "decisions": n, "overrides": o, "override_rate": round(o / n, 3)}
            for w, (n, o) in sorted(table.items(), reverse=True)]
