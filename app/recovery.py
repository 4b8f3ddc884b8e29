"""Re-queue stored items that no job is working on (after a crash or a lost job).

Storage is what counts as accepted; this sweep makes sure every accepted item
is eventually processed, even if the process that stored it died before queueing.

Who may take back a claim. A job claims an item (`processing`) or a mail
(`sending`) with a conditional update; if its process is killed (SIGKILL, OOM,
power) the claim stays and nothing in the row says whether its owner lives. So
every process that runs in-process jobs *joins the runners* for its lifetime by
holding a shared lock that dies with it: a session advisory lock on PostgreSQL
(the server drops it when the connection ends, whatever killed the process), an
`flock` on a file beside the SQLite database (the kernel drops it). A starting
process first asks for the same lock exclusively. Granted means no other runner
lives, so every claim is an orphan and goes back to the queue at once (after
MAX_ATTEMPTS claims, to quarantine: an item that kills its worker must not kill
every restart). Refused means live runners may own the claims; those are left to
the slow rule, STALE_AFTER, measured from `received_at`, the only clock the row
has. RQ workers and one-shot commands (`import`, `reprocess`) do not join, so
with Redis only the slow rule applies. If a runner's lock connection drops while
it lives, a newcomer may re-queue its one in-flight item: the unique content
fingerprint still allows one ticket only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, text, update

from app import audit
from app.extensions import db
from app.jobs import enqueue_intake, enqueue_outbox
from app.models import IntakeItem, IntakeState, OutboxMail, OutboxState
from app.models.base import utcnow

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
# One advisory lock key per database: "gateway" in ASCII, as a signed 64-bit number.
RUNNERS_LOCK = 0x67617465776179


def requeue_pending(stale_after: timedelta = STALE_AFTER) -> int:
    """Queue received items and waiting mail, and what got stuck longer than `stale_after`."""
    cutoff = utcnow() - stale_after
    db.session.execute(
        update(IntakeItem)
        .where(IntakeItem.state == IntakeState.PROCESSING, IntakeItem.received_at < cutoff)
        .values(state=IntakeState.RECEIVED)
    )
    db.session.commit()
    ids = db.session.scalars(select(IntakeItem.id).where(
        IntakeItem.state == IntakeState.RECEIVED).order_by(IntakeItem.id)).all()
    for item_id in ids:
        enqueue_intake(item_id)
    return len(ids) + requeue_outbox(cutoff)


def requeue_outbox(cutoff) -> int:
    """Queue outbox mail that is waiting, or was left half-sent by a crash."""
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.state == OutboxState.SENDING, OutboxMail.created_at < cutoff)
        .values(state=OutboxState.QUEUED)
    )
    db.session.commit()
    ids = db.session.scalars(select(OutboxMail.id).where(
        OutboxMail.state == OutboxState.QUEUED).order_by(OutboxMail.id)).all()
    for outbox_id in ids:
        enqueue_outbox(outbox_id)
    return len(ids)


def join_runners() -> Callable[[], None]:
    """Hold the runners' lock for this process; release orphaned claims if alone.

    Call before the runner takes its first job; returns the function that leaves.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        return _join_postgres(engine)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return _join_file(f"{engine.url.database}.runners")
    release_orphans()  # an in-memory database: no other process can see it
    return lambda: None


def release_orphans() -> int:
    """Return every claim to the queue; call only when no other runner lives."""
    limit = int(current_app.config["MAX_ATTEMPTS"])
    stuck = db.session.execute(select(IntakeItem.id, IntakeItem.attempts).where(
        IntakeItem.state == IntakeState.PROCESSING)).all()
    for item_id, attempts in stuck:
        last = attempts >= limit
        error = f"its worker died while processing it ({attempts} attempts)"
        db.session.execute(update(IntakeItem).where(
            IntakeItem.id == item_id, IntakeItem.state == IntakeState.PROCESSING).values(
            state=IntakeState.QUARANTINED if last else IntakeState.RECEIVED,
            error=error if last else None))
        audit.record("quarantined" if last else "claim_released", intake_id=item_id,
                     new=error, attempt=attempts)
    mails = db.session.execute(update(OutboxMail).where(
        OutboxMail.state == OutboxState.SENDING).values(state=OutboxState.QUEUED)).rowcount
    db.session.commit()
    if stuck or mails:
        log.warning("released %d intake item(s) and %d mail(s) left by a dead runner",
                    len(stuck), mails)
    return len(stuck) + mails


def _join_postgres(engine) -> Callable[[], None]:
    # Autocommit: the lock belongs to the session, and an idle open transaction
    # held for the process's life would pin old row versions from VACUUM.
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    key = {"key": RUNNERS_LOCK}
    alone = conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), key)
    try:
        if alone:
            release_orphans()
    finally:
        conn.execute(text("SELECT pg_advisory_lock_shared(:key)"), key)
        if alone:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)
    return conn.close


def _join_file(path: str) -> Callable[[], None]:
    import fcntl

    handle = open(path, "a+b")  # held open (and locked) for the process's life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        alone = False
    else:
        alone = True
    try:
        if alone:
            release_orphans()
    finally:
        fcntl.flock(handle, fcntl.LOCK_SH)  # converts ours; waits out another's reset
    return handle.close
