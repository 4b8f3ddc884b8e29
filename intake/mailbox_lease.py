"""One poller per mailbox at a time: a lease each pass takes before it touches the folder.

Several `gateway poll` processes (or threads) may be configured with the same
mailbox, for availability. Without a lease they would all FETCH the same mail;
`store_raw` would keep one copy, but every pass would download everything twice.
The lease is a lock that dies with its holder, so a killed poller never blocks the
others: a session advisory lock on PostgreSQL (on a connection of its own, dropped
by the server when the connection ends) or an `flock` on a file beside the SQLite
database (dropped by the kernel). A pass that cannot take the lease does nothing:
another poller is reading that mailbox right now.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from app.extensions import db

_memory_locks: dict[str, threading.Lock] = {}
_memory_guard = threading.Lock()


def lease_key(label: str) -> int:
    """Map a mailbox label to a signed 64-bit advisory lock key (stable across processes)."""
    digest = hashlib.sha256(f"gateway-mailbox:{label}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def mailbox_lease(label: str) -> Iterator[bool]:
    """Yield True while this process holds the mailbox's lease, False if another has it.

    Needs an app context (it uses the app's database engine).
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with _postgres_lease(engine, lease_key(label)) as held:
            yield held
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with _file_lease(f"{engine.url.database}.mailbox-{lease_key(label) & 0xFFFFFFFF:08x}"
                         ) as held:
            yield held
    else:  # an in-memory database lives in one process: a thread lock is enough
        with _memory_guard:
            lock = _memory_locks.setdefault(label, threading.Lock())
        held = lock.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                lock.release()


@contextmanager
def _postgres_lease(engine, key: int) -> Iterator[bool]:
    from sqlalchemy import text

    # Autocommit: no transaction stays open (and pins row versions) while we poll.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        held = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
        try:
            yield held
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


@contextmanager
def _file_lease(path: str) -> Iterator[bool]:
    import fcntl

    # flock belongs to the open file description: two threads of one process that
    # open the file separately exclude each other too.
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
