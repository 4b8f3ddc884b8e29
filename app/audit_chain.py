"""Hash-chaining the event log: one chain per subject, linked as each event is inserted.

An event's chain is its ticket, else its intake item, else "config" for changes to
how the gateway behaves or who may use it, else "system". Its hash is
SHA-256(previous hash in the chain + "\\n" + canonical JSON of its content), so any
edit, removal or reordering breaks a link that `app.audit_verify` finds.

Writers to different chains never wait for each other: the only lock taken is the
chain's head row (SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer at a
time anyway, and the head is read only after the transaction holds the write lock).
This module only links; it must not decide what is recorded (that is `app.audit`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, object_session

from app.models.base import utcnow
from app.models.events import AuditChainHead, Event

CONFIG_ACTIONS = frozenset({
    "setting_saved", "service_saved", "team_created", "team_member_added",
    "team_member_removed", "mail_template_saved", "mail_template_reset", "kb_article_saved",
    "agent_created", "agent_updated", "agent_role_changed", "agent_deactivated",
    "token_created", "token_revoked", "matrix_saved", "sla_saved", "rules_saved",
})
HASHED = ("chain", "created_at", "ticket_id", "intake_id", "actor", "action", "field", "old",
          "new", "detail")
_HEADS, _DIRTY = "audit_chain_heads", "audit_chain_dirty"


def chain_key(ticket_id: int | None, intake_id: int | None, action: str) -> str:
    """Name the chain an event belongs to."""
    if ticket_id is not None:
        return f"ticket:{ticket_id}"
    if intake_id is not None:
        return f"intake:{intake_id}"
    return "config" if action in CONFIG_ACTIONS else "system"


def normalise(detail) -> dict:
    """Return the detail as it will read back from the JSON column."""
    return json.loads(json.dumps(detail or {}, default=str))


def stamp(value: datetime) -> str:
    """Render a timestamp the same way on every database (UTC, microseconds)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(row) -> str:
    """Return the canonical JSON of an event's content (attributes or a mapping)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    content = {name: get(name) for name in HASHED}
    content["created_at"] = stamp(content["created_at"])
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, row) -> str:
    """Hash an event's content onto its predecessor's hash."""
    return hashlib.sha256(f"{prev_hash}\n{canonical(row)}".encode()).hexdigest()


def _lock_head(connection: Connection, chain: str) -> tuple[int, str]:
    """Create the chain's head if new, then lock and read it."""
    table = AuditChainHead.__table__
    maker = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(maker(table).values(chain=chain, seq=0, hash="")
                       .on_conflict_do_nothing(index_elements=["chain"]))
    query = select(table.c.seq, table.c.hash).where(table.c.chain == chain)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    seq, head = connection.execute(query).one()
    return seq, head


@event.listens_for(Event, "before_insert")
def _link(mapper, connection: Connection, target: Event) -> None:
    """Give a new event its chain, place and hash, inside the inserting transaction."""
    session = object_session(target)
    heads = session.info.setdefault(_HEADS, {})
    target.created_at = target.created_at or utcnow()
    target.detail = normalise(target.detail)
    target.chain = chain_key(target.ticket_id, target.intake_id, target.action)
    if target.chain not in heads:
        heads[target.chain] = _lock_head(connection, target.chain)
    seq, prev = heads[target.chain]
    target.seq, target.prev_hash = seq + 1, prev
    target.hash = event_hash(prev, target)
    heads[target.chain] = (target.seq, target.hash)
    session.info.setdefault(_DIRTY, set()).add(target.chain)


@event.listens_for(Session, "after_flush")
def _store_heads(session: Session, flush_context) -> None:
    """Move each touched chain's head to its newest event, in the same transaction."""
    dirty, heads = session.info.pop(_DIRTY, set()), session.info.get(_HEADS, {})
    table = AuditChainHead.__table__
    for chain in sorted(dirty):
        seq, head = heads[chain]
        session.connection().execute(
            update(table).where(table.c.chain == chain).values(seq=seq, hash=head))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_soft_rollback")
def _forget_heads(session: Session, *args) -> None:
    """Read heads afresh in the next transaction: another writer may have moved them."""
    session.info.pop(_HEADS, None)
    session.info.pop(_DIRTY, None)
