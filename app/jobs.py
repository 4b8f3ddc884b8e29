"""Background jobs: RQ when a Redis URL is configured, an in-process runner otherwise.

Jobs are plain module-level functions named by dotted path, taking ids only, with
explicit job ids so the same work is never queued twice. The in-process runner is
what `make run` uses on a bare machine; tests use its synchronous mode.
"""

from __future__ import annotations

import importlib
import logging
import queue
import threading
import time

from flask import Flask, current_app

log = logging.getLogger(__name__)


def resolve(path: str):
    """Import a job function from its dotted path."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class InProcessRunner:
    """Run jobs in a background thread of this process (or inline when `sync`).

    A failed job is tried again after growing delays, like RQ's Retry, so a relay
    that is down for a few minutes does not turn every mail dead at once.
    """

    RETRY_DELAYS = (30.0, 120.0, 600.0)

    def __init__(self, app: Flask, sync: bool = False, retries: int = 3,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS):
        self.app, self.sync, self.retries = app, sync, retries
        self.retry_delays = retry_delays
        self._timers: list[threading.Timer] = []
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def submit(self, path: str, *args, job_id: str | None = None) -> None:
        if self.sync:
            self._run(path, args, attempt=1)
        else:
            self._queue.put((path, args, 1))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        for timer in self._timers:
            timer.cancel()
        if self._thread:
            self._thread.join(timeout=10)

    def drain(self, timeout: float = 30) -> None:
        """Wait until every queued job has run (for tests and the import command)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                path, args, attempt = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                self._run(path, args, attempt)
            finally:
                self._queue.task_done()

    def _run(self, path: str, args: tuple, attempt: int) -> None:
        with self.app.app_context():
            try:
                resolve(path)(*args)
            except Exception:
                log.exception("job %s%r failed (attempt %d)", path, args, attempt)
                if attempt < self.retries and not self.sync and not self._stop.is_set():
                    self._retry_later(path, args, attempt)

    def _retry_later(self, path: str, args: tuple, attempt: int) -> None:
        delay = self.retry_delays[min(attempt - 1, len(self.retry_delays) - 1)]
        timer = threading.Timer(delay, self._queue.put, [(path, args, attempt + 1)])
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()


# Which queue a job goes to, by the module of its function; anything else is maintenance.
ROUTES = {"app.pipeline": "intake", "app.mailer": "outbound"}
ROLES = ("intake", "outbound", "maintenance")


def queue_names(config) -> dict[str, str]:
    """Name the intake, outbound and maintenance queues: `RQ_QUEUE-role` unless set."""
    prefix = config["RQ_QUEUE"]
    return {role: config.get(f"RQ_{role.upper()}_QUEUE") or f"{prefix}-{role}"
            for role in ROLES}


def route(path: str) -> str:
    """Return the role of the queue a job function belongs on."""
    return ROUTES.get(path.rpartition(".")[0], "maintenance")


class RQRunner:
    """Enqueue jobs on Redis for `python worker.py` processes to run, one queue per role."""

    def __init__(self, redis_url: str, names: dict[str, str], retries: int = 3):
        from redis import Redis
        from rq import Queue

        connection = Redis.from_url(redis_url)
        self.queues = {role: Queue(name, connection=connection) for role, name in names.items()}
        self.retries = retries

    @property
    def queue(self):
        """The intake queue (the busiest; kept for callers that want one queue)."""
        return self.queues["intake"]

    def submit(self, path: str, *args, job_id: str | None = None) -> None:
        from rq import Retry

        self.queues[route(path)].enqueue(
            path, *args, job_id=job_id, retry=Retry(max=self.retries, interval=[5, 30, 120]),
            failure_ttl=7 * 24 * 3600,
        )

    def delete_queues(self) -> None:
        """Empty and remove every queue of this runner (tests, or a fresh start)."""
        for rq_queue in self.queues.values():
            rq_queue.delete(delete_jobs=True)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def drain(self, timeout: float = 30) -> None:
        pass


def init_jobs(app: Flask, sync: bool = False) -> None:
    """Choose the runner for this app from its configuration."""
    retries = int(app.config["MAX_ATTEMPTS"])
    if app.config["REDIS_URL"] and not sync:
        app.extensions["gateway_jobs"] = RQRunner(app.config["REDIS_URL"],
                                                  queue_names(app.config), retries)
    else:
        app.extensions["gateway_jobs"] = InProcessRunner(app, sync=sync, retries=retries)


def runner():
    return current_app.extensions["gateway_jobs"]


def enqueue_intake(item_id: int) -> None:
    """Queue the pipeline for a stored intake item."""
    runner().submit("app.pipeline.process_intake", item_id, job_id=f"intake-{item_id}")


def enqueue_outbox(outbox_id: int) -> None:
    """Queue the sending of one outbox mail."""
    runner().submit("app.mailer.send_outbox", outbox_id, job_id=f"outbox-{outbox_id}")


def enqueue_maintenance(path: str, *args, job_id: str | None = None) -> None:
    """Queue a housekeeping job (e.g. the recovery sweep) on the maintenance queue."""
    runner().submit(path, *args, job_id=job_id)
