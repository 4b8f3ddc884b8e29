"""Checking the hash-chained event log, and checkpoints that pin every chain's head.

`verify` walks every chain in order and names each broken link: an event whose
content no longer matches its hash (altered), a gap in a chain or a head ahead of
its last event (removed), an event out of place (reordered), a head with no events
or a checkpointed chain that is gone (chain removed), and rows without a chain
(written around `app.audit`). It only reads; `checkpoint` is the only writer here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from app.audit_chain import event_hash
from app.extensions import db
from app.models.events import AuditChainHead, AuditCheckpoint, Event


@dataclass
class Report:
    events: int = 0
    chains: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def checkpoint_digest(prev_digest: str, heads: dict) -> str:
    """Hash a checkpoint's heads onto the previous checkpoint's digest."""
    body = json.dumps(heads, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_digest}\n{body}".encode()).hexdigest()


def checkpoint() -> AuditCheckpoint:
    """Snapshot every chain head (the caller commits); keep its digest outside the database."""
    heads = {h.chain: [h.seq, h.hash] for h in db.session.scalars(select(AuditChainHead))}
    last = db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()))
    prev = last.digest if last else ""
    row = AuditCheckpoint(heads=heads, prev_digest=prev, digest=checkpoint_digest(prev, heads))
    db.session.add(row)
    return row


def verify() -> Report:
    """Walk every chain, its head and the checkpoints; report each problem found."""
    report = Report()
    heads = {h.chain: (h.seq, h.hash) for h in db.session.scalars(select(AuditChainHead))}
    pinned = _check_checkpoints(report)
    seen: dict[str, tuple[int, str]] = {}
    rows = db.session.execute(select(Event).order_by(Event.chain, Event.seq, Event.id)
                              .execution_options(yield_per=2000)).scalars()
    chain, prev = None, None
    for ev in rows:
        report.events += 1
        if ev.chain is None or ev.seq is None or ev.hash is None:
            report.problems.append(f"event #{ev.id} ({ev.action}) is in no chain: "
                                   "written around the audit log")
            continue
        if ev.chain != chain:
            chain, prev = ev.chain, None
        _check_link(report, prev, ev)
        if (ev.chain, ev.seq) in pinned and pinned[(ev.chain, ev.seq)] != ev.hash:
            report.problems.append(f"{ev.chain} seq {ev.seq} (event #{ev.id}) differs from "
                                   "the checkpoint: altered or replaced")
        prev, seen[ev.chain] = ev, (ev.seq, ev.hash)
    _check_heads(report, heads, seen)
    for (name, seq), _digest in sorted(pinned.items()):
        if seen.get(name, (0, ""))[0] < seq:
            report.problems.append(f"{name}: seq {seq} was checkpointed but is gone: "
                                   "events or the whole chain removed")
    report.chains = len(seen)
    return report


def _check_link(report: Report, prev: Event | None, ev: Event) -> None:
    """Check one event against its own content and against the one before it."""
    where = f"event #{ev.id} ({ev.chain} seq {ev.seq}, {ev.action})"
    prev_seq, prev_hash = (prev.seq, prev.hash) if prev else (0, "")
    if event_hash(ev.prev_hash or "", ev) != ev.hash:
        report.problems.append(f"{where}: content does not match its hash: altered")
    if prev is not None and ev.seq == prev_seq:
        report.problems.append(f"{where}: seq used twice: inserted or reordered")
    elif ev.seq > prev_seq + 1:
        missing = f"seq {prev_seq + 1}" + (f"-{ev.seq - 1}" if ev.seq - 1 > prev_seq + 1 else "")
        report.problems.append(f"{ev.chain}: {missing} removed (before event #{ev.id})")
    elif ev.prev_hash != prev_hash:
        report.problems.append(f"{where}: does not follow seq {prev_seq}: "
                               "reordered, or its predecessor replaced")
    elif prev is not None and ev.id < prev.id:
        report.problems.append(f"{where}: written before seq {prev_seq} (event #{prev.id}): "
                               "reordered")


def _check_heads(report: Report, heads: dict, seen: dict) -> None:
    """Compare each chain's newest event with the head that was moved when it was written."""
    for name in sorted(heads.keys() | seen.keys()):
        head, last = heads.get(name), seen.get(name)
        if head is None:
            report.problems.append(f"{name}: chain head missing: removed")
        elif last is None:
            report.problems.append(f"{name}: all {head[0]} events removed (the head remains)")
        elif head[0] > last[0]:
            report.problems.append(f"{name}: newest events seq {last[0] + 1}-{head[0]} removed")
        elif head != last:
            report.problems.append(f"{name}: newest event seq {last[0]} does not match the "
                                   "chain head: replaced")


def _check_checkpoints(report: Report) -> dict[tuple[str, int], str]:
    """Check the checkpoints' own chain; return the (chain, seq) -> hash the newest pins."""
    prev, newest = "", None
    for cp in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        report.checkpoints += 1
        if cp.prev_digest != prev or checkpoint_digest(cp.prev_digest, cp.heads) != cp.digest:
            report.problems.append(f"checkpoint #{cp.id}: broken digest chain: "
                                   "altered, removed or reordered")
        prev, newest = cp.digest, cp
    if newest is None:
        return {}
    return {(name, seq): digest for name, (seq, digest) in newest.heads.items()}
