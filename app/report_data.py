"""The reports page's data: one dict for the charts' JSON endpoint, and the same as CSV.

Assembles the figures `app.reports` computes for a date range; the classifier
override rate is the share of agents' review decisions that changed the
classification (`classification_corrected` among it and `classification_confirmed`).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app import reports
from app.extensions import db
from app.models import Event
from app.models.base import utcnow


def build(start: date, end: date, now: datetime | None = None) -> dict:
    """Compute every report figure for the days start..end (UTC, inclusive)."""
    now = now or utcnow()
    begin, stop = reports.day_bounds(start, end)
    all_lives = reports.lives(min(stop, now))
    opened = [life for life in all_lives if begin <= life.opened < stop]
    weekly = (end - start).days > 62
    labels = _labels(start, end, weekly)
    return {
        "from": start.isoformat(), "to": end.isoformat(), "bucket": "week" if weekly else "day",
        "labels": labels, "tickets": len(opened),
        "volume": reports.volume(opened, labels, weekly),
        "times": reports.times(opened),
        "sla": reports.sla(opened, min(stop, now)),
        "backlog": reports.backlog(all_lives, min(stop, now)),
        "override": override_rate(begin, stop),
    }


def _labels(start: date, end: date, weekly: bool) -> list[str]:
    step = timedelta(days=7 if weekly else 1)
    first = start - timedelta(days=start.weekday()) if weekly else start
    out, day = [], first
    while day <= end:
        out.append(day.isoformat())
        day += step
    return out


def override_rate(begin: datetime, stop: datetime) -> dict:
    """Review decisions and overrides per ISO week in the range."""
    rows = db.session.execute(select(Event.action, Event.created_at).where(
        Event.action.in_(("classification_confirmed", "classification_corrected")),
        Event.created_at >= begin, Event.created_at < stop)).all()
    decisions, overrides = Counter(), Counter()
    for action, at in rows:
        week = reports.bucket_of(at, weekly=True)
        decisions[week] += 1
        overrides[week] += action == "classification_corrected"
    weeks = sorted(decisions)
    return {"labels": weeks, "decisions": [decisions[w] for w in weeks],
            "overrides": [overrides[w] for w in weeks],
            "rate": [round(overrides[w] / decisions[w], 3) for w in weeks]}


def to_csv(data: dict) -> str:
    """Flatten the report into rows of (section, group, bucket, measure, value)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "group", "bucket", "measure", "value"])
    for dimension, series in data["volume"].items():
        for group, counts in sorted(series.items()):
            for label, count in zip(data["labels"], counts, strict=True):
                writer.writerow([f"volume_by_{dimension}", group, label, "tickets", count])
    for priority, figures in data["times"].items():
        for measure, value in figures.items():
            writer.writerow(["times", priority, "", measure, value])
    for priority, clocks in data["sla"].items():
        for clock, figures in clocks.items():
            for measure, value in figures.items():
                writer.writerow(["sla", priority, clock, measure, value])
    for priority, counts in data["backlog"]["series"].items():
        for label, count in zip(data["backlog"]["labels"], counts, strict=True):
            writer.writerow(["backlog", priority, label, "open", count])
    o = data["override"]
    for week, n, k, rate in zip(o["labels"], o["decisions"], o["overrides"], o["rate"],
                                strict=True):
        writer.writerow(["override", "", week, "decisions", n])
        writer.writerow(["override", "", week, "overrides", k])
        writer.writerow(["override", "", week, "rate", rate])
    return out.getvalue()
