"""Whom a notification may go to: never us, never undeliverable, never more than the limit.

`recipients` removes loops and dead addresses; `within_limit` drops addresses
that already got NOTIFY_LIMIT_PER_HOUR automatic mails in the last hour, so a
flapping incident or a script cannot make us flood someone. Agents' own replies
are never held back by the limit.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app import delivery
from app.extensions import db
from app.models import OutboxMail
from app.models.base import utcnow

# Just enough to refuse what an SMTP server would: spaces, brackets, no dot in the domain.
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
HUMAN_TEMPLATES = frozenset({"public_reply"})


def deliverable_syntax(address: str) -> bool:
    """True when an address is well-formed enough to hand to an SMTP relay."""
    return bool(_ADDRESS.fullmatch(address))


def recipients(to: list[str], cc: list[str]) -> tuple[list[str], list[str]]:
    """Drop our own addresses (loops), undeliverable and malformed ones; never leave To empty."""
    skip = {a.lower() for a in current_app.config["INTAKE_ADDRESSES"]}
    skip |= delivery.undeliverable([a for a in (*to, *cc) if a])
    keep = [a for a in dict.fromkeys([*to, *cc])
            if a and a.lower() not in skip and deliverable_syntax(a)]
    to_kept = [a for a in keep if a in to] or keep[:1]
    return to_kept, [a for a in keep if a not in to_kept]


def within_limit(template: str, to: list[str], cc: list[str]
                 ) -> tuple[list[str], list[str], list[str]]:
    """Split off addresses over the hourly limit; return (to, cc, held back)."""
    if template in HUMAN_TEMPLATES or not (to or cc):
        return to, cc, []
    limit = int(current_app.config["NOTIFY_LIMIT_PER_HOUR"])
    counts = recent_counts(set(to) | set(cc))
    held = [a for a in dict.fromkeys([*to, *cc]) if counts[a] >= limit]
    to = [a for a in to if a not in held]
    cc = [a for a in cc if a not in held]
    if not to and cc:
        to, cc = cc[:1], cc[1:]
    return to, cc, held


def recent_counts(addresses: set[str]) -> Counter:
    """Count the automatic mails each address got in the last hour."""
    since = utcnow() - timedelta(hours=1)
    rows = db.session.execute(select(OutboxMail.to, OutboxMail.cc).where(
        OutboxMail.created_at >= since, OutboxMail.template.not_in(HUMAN_TEMPLATES))).all()
    counts: Counter = Counter()
    for to, cc in rows:
        counts.update(a for a in {*(to or []), *(cc or [])} if a in addresses)
    return counts
