"""The IMAP edge: one background thread per configured mailbox, polling it forever.

Owns the loop around `poll_client` (one pass, in `imap_fetch`): keep a connection,
wait with IDLE when the server offers it (else sleep) for at most
IMAP_POLL_SECONDS, reconnect with exponential back-off after any failure, stop
promptly when asked, and keep a small health record for the dashboard. Several
processes may poll the same mailbox: a lease per mailbox lets one pass run at a
time (`mailbox_lease`), and `store_raw` is idempotent besides.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from flask import Flask
from imapclient import IMAPClient

from app.mailbox_status import record_poll
from app.secrets_box import revealer
from app.store import StorageUnavailable
from intake.imap_fetch import ImapPollError, PollResult, poll_client, poll_once
from intake.imap_mailbox import Mailbox, connect

__all__ = [
    "ImapPollError", "Mailbox", "MailboxHealth", "PollOutcome", "PollResult", "Poller",
    "poll_all_once",
    "poll_once", "start_pollers", "stop_pollers",
]

log = logging.getLogger(__name__)

# RFC 2177: re-issue IDLE at least every 29 minutes; check the stop flag every second.
IDLE_MAX_SECONDS = 25 * 60
STOP_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class MailboxHealth:
    """What the dashboard shows for one mailbox (times are UTC)."""

    mailbox: str
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    stored_total: int = 0
    last_result: PollResult | None = None


class Poller(threading.Thread):
    """Poll one mailbox until `stop_event` is set; never dies of an error."""

    def __init__(self, app: Flask, mailbox: Mailbox, *, interval: float | None = None,
                 backoff_base: float = 2.0, backoff_max: float = 300.0, use_idle: bool = True):
        super().__init__(name=f"imap {mailbox.label}", daemon=True)
        self.app, self.mailbox, self.use_idle = app, mailbox, use_idle
        self.interval = float(app.config["IMAP_POLL_SECONDS"] if interval is None else interval)
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        self._health = MailboxHealth(mailbox.label)
        self._uidvalidity: int | None = None

    def health(self) -> MailboxHealth:
        """Return a snapshot of this mailbox's health."""
        with self._lock:
            return self._health

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish and wait for it."""
        self.stop_event.set()
        if self.ident is not None:  # join() raises on a thread that never started
            self.join(timeout)

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                with connect(self.mailbox) as client:
                    self._session(client)
            except Exception as exc:  # broad on purpose: the thread must survive anything
                self._record_failure(exc)
                self.stop_event.wait(self._backoff())

    def _session(self, client: IMAPClient) -> None:
        idle = self.use_idle and client.has_capability("IDLE")
        while not self.stop_event.is_set():
            result = poll_client(self.app, self.mailbox, client)
            self._record_success(result)
            if result.storage_error:
                raise StorageUnavailable(result.storage_error)
            self._wait(client, idle)

    def _wait(self, client: IMAPClient, idle: bool) -> None:
        """Sleep until the next pass; with IDLE wake early when new mail arrives."""
        if not idle:
            self.stop_event.wait(self.interval)
            return
        deadline = time.monotonic() + min(self.interval, IDLE_MAX_SECONDS)
        client.idle()
        try:
            while not self.stop_event.is_set() and (left := deadline - time.monotonic()) > 0:
                if _idle_news(client, min(STOP_CHECK_SECONDS, left)):
                    return
        finally:
            client.idle_done()

    def _record_success(self, result: PollResult) -> None:
        if self._uidvalidity not in (None, result.uidvalidity):
            # Old UIDs are void; nothing is lost or doubled because "processed" lives
            # in the mailbox (flag or folder) and store_raw deduplicates by content.
            log.warning("%s: UIDVALIDITY changed %s -> %s", self.mailbox.label,
                        self._uidvalidity, result.uidvalidity)
        self._uidvalidity = result.uidvalidity
        with self._lock:
            health = replace(self._health, stored_total=self._health.stored_total + result.stored,
                             last_result=result)
            if not result.storage_error:
                health = replace(health, last_success=_now(), consecutive_failures=0)
            self._health = health
        record_poll(self.app, self.mailbox.label, result=result)

    def _record_failure(self, exc: Exception) -> None:
        expected = isinstance(exc, OSError | StorageUnavailable | ImapPollError) or (
            type(exc).__module__.startswith(("imapclient", "imaplib")))
        log.warning("%s: poll failed: %s", self.mailbox.label, exc, exc_info=not expected)
        with self._lock:
            self._health = replace(
                self._health, last_error=describe(exc), last_error_at=_now(),
                consecutive_failures=self._health.consecutive_failures + 1)
        record_poll(self.app, self.mailbox.label, error=describe(exc))

    def _backoff(self) -> float:
        # Cap the exponent: after ~1000 failures 2.0 * 2**n would overflow a float.
        failures = min(self._health.consecutive_failures, 32)
        delay = min(self.backoff_max, self.backoff_base * 2 ** max(failures - 1, 0))
        return delay * random.uniform(0.8, 1.2)  # jitter: pollers of one server spread out


def _idle_news(client: IMAPClient, timeout: float) -> bool:
    """Wait in IDLE; return True on new mail, raise when the server went away."""
    started = time.monotonic()
    responses = client.idle_check(timeout=timeout)
    if any(r and r[0] == b"BYE" for r in responses):
        raise ConnectionError("server closed the IDLE connection (BYE)")
    if not responses and time.monotonic() - started < timeout / 2:
        # idle_check swallows EOF and returns nothing at once: without this we would spin.
        raise ConnectionError("IDLE connection closed")
    return any(len(r) > 1 and r[1] == b"EXISTS" for r in responses)


def describe(exc: BaseException) -> str:
    """Name an error for people: imaplib puts the server's bytes repr in the message."""
    text = str(exc)
    if len(text) > 3 and text[:2] in ("b'", 'b"') and text[-1] == text[1]:
        text = text[2:-1]
    return f"{type(exc).__name__}: {text}"


def _now() -> datetime:
    return datetime.now(UTC)


def start_pollers(app: Flask) -> list[Poller]:
    """Start one Poller per IMAP_MAILBOXES URL (all URLs are parsed before any starts)."""
    reveal = revealer(app.config)  # `enc:` passwords are decrypted only here, in memory
    pollers = [Poller(app, Mailbox.parse(url, reveal)) for url in app.config["IMAP_MAILBOXES"]]
    for poller in pollers:
        poller.start()
    return pollers


def stop_pollers(pollers: list[Poller], timeout: float = 10.0) -> None:
    """Signal every poller first, then wait for each, so they stop in parallel."""
    for poller in pollers:
        poller.stop_event.set()
    for poller in pollers:
        poller.join(timeout)


@dataclass(frozen=True)
class PollOutcome:
    """One mailbox's pass for `gateway poll --once`: a result, or the error that stopped it."""

    mailbox: str
    result: PollResult | None = None
    error: str | None = None

    def __str__(self) -> str:
        if self.result is None:
            return f"{self.mailbox}: FAILED {self.error}"
        r = self.result
        if r.leased_elsewhere:
            return f"{self.mailbox}: skipped (another poller holds the mailbox's lease)"
        line = (f"{self.mailbox}: fetched={r.fetched} stored={r.stored} "
                f"duplicates={r.duplicates} errors={r.errors}")
        return f"{line} (stopped early: {self.error})" if self.error else line


def poll_all_once(app: Flask) -> list[PollOutcome]:
    """Run one pass over every configured mailbox; a failing one does not stop the rest."""
    outcomes = []
    for mailbox in [Mailbox.parse(url, revealer(app.config))
                    for url in app.config["IMAP_MAILBOXES"]]:
        try:
            result = poll_once(app, mailbox)
        except Exception as exc:  # broad on purpose: reported per mailbox to the caller
            log.warning("%s: poll failed: %s", mailbox.label, exc)
            outcomes.append(PollOutcome(mailbox.label, error=describe(exc)))
            continue
        error = f"StorageUnavailable: {result.storage_error}" if result.storage_error else None
        outcomes.append(PollOutcome(mailbox.label, result, error))
    return outcomes
