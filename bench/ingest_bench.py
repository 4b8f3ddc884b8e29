"""Benchmark: the corpus through the real intake paths to classified tickets with acks queued.

    .venv/bin/python bench/ingest_bench.py [--count 2000] [--paths import,imap,smtp,imap-rq]

Paths (each on a fresh database; the same files every time):
  import   `gateway import`'s own function: store each file, run the pipeline inline
  imap     a private Dovecot holds the corpus; one `poll_once` pass with jobs inline
  smtp     the SMTP listener in this process, jobs on the in-process runner thread
  imap-rq  the pass stores and queues on Redis; 2 `gateway worker` processes drain it
Each is timed from the first byte read to the last item in a final state, and set
against the bare single-process `mailparser.parse_from_bytes` rate on the same files.
"""

from __future__ import annotations

import argparse
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    REDIS,
    bare_parse_rate,
    corpus,
    database,
    env_for,
    make_app,
    outcome_counts,
    table,
)

GATEWAY = str(Path(sys.executable).parent / "gateway")
FINAL = ("ticketed", "threaded", "duplicate", "screened", "quarantined")


def run_import(app, files: list[Path], raws: list[bytes]) -> None:
    from intake.mail_import import import_paths

    with app.app_context():
        import_paths([str(f) for f in files], progress=False)


def run_imap(app, files: list[Path], raws: list[bytes], mailbox=None) -> None:
    from intake.imap_poller import poll_once

    result = poll_once(app, mailbox)
    assert result.stored == len(raws), result


def run_smtp(app, files: list[Path], raws: list[bytes]) -> int:
    """Send every file over one connection; return how many the listener refused."""
    from app.jobs import runner
    from intake.smtp_listener import start_smtp

    with app.app_context():
        runner().start()
    controller = start_smtp(app)
    refused = 0
    try:
        with smtplib.SMTP(app.config["SMTP_HOST"], int(app.config["SMTP_PORT"])) as smtp:
            for raw in raws:
                try:
                    smtp.sendmail("bench@example.com", ["support@example.org"], raw)
                except smtplib.SMTPDataError:  # e.g. a line over RFC 5321's 1000 octets
                    refused += 1
        wait_final(app, len(raws) - refused)
        return refused
    finally:
        controller.stop()
        with app.app_context():
            runner().stop()


def wait_final(app, count: int, timeout: float = 3600) -> None:
    """Wait until every stored item reached a final state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = outcome_counts(app)
        if sum(counts.get(s, 0) for s in FINAL) >= count:
            return
        time.sleep(0.25)
    raise TimeoutError(f"items not final after {timeout}s: {outcome_counts(app)}")


def fill_dovecot(server, raws: list[bytes]):
    from intake.imap_poller import Mailbox

    user, password = server.add_user()
    with server.client(user, password) as client:
        for start in range(0, len(raws), 100):
            client.multiappend("INBOX", raws[start:start + 100])
    return Mailbox.parse(server.url(user, password))


def measure(path: str, db: str, files: list[Path], raws: list[bytes], dovecot) -> list | None:
    """Time one path on one database; return the table row (None when it cannot run)."""
    with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp)) as url:
        if url is None:
            return None
        extra = {"SMTP_PORT": free_port()} if path == "smtp" else {}
        rq = path == "imap-rq"
        if rq:
            extra |= {"REDIS_URL": REDIS, "RQ_QUEUE": f"bench-{time.time_ns()}"}
        app = make_app(Path(tmp), url, sync_jobs=not rq and path != "smtp", **extra)
        mailbox = fill_dovecot(dovecot, raws) if path.startswith("imap") else None
        workers = start_workers(Path(tmp), url, extra) if rq else []
        started, refused = time.perf_counter(), 0
        if path == "import":
            run_import(app, files, raws)
        elif path == "smtp":
            refused = run_smtp(app, files, raws)
        else:
            run_imap(app, files, raws, mailbox)
            wait_final(app, len(raws))
        seconds = time.perf_counter() - started
        stop_workers(workers, app)
        counts = outcome_counts(app)
        with app.app_context():
            from app.extensions import db as sa

            sa.engine.dispose()
    done = sum(counts.get(s, 0) for s in FINAL)
    return [path, db, len(raws) - refused, f"{seconds:.1f}", f"{done / seconds:.0f}",
            counts.get("tickets", 0), counts.get("outbox", 0), counts.get("quarantined", 0)]


def start_workers(folder: Path, url: str, extra: dict, count: int = 2) -> list:
    env = env_for(folder, url, **extra)
    workers = [subprocess.Popen([GATEWAY,
                                 "worker"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for _ in range(count)]
    time.sleep(8)  # let them import and register before the clock starts
    return workers


def stop_workers(workers: list, app) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=60)
    if workers:
        from app.jobs import runner

        with app.app_context():
            runner().delete_queues()


def free_port() -> int:
    from tests.imap_server import free_port as port

    return port()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--paths", default="import,imap,smtp,imap-rq")
    parser.add_argument("--dbs", default="sqlite,postgresql")
    args = parser.parse_args()
    files, _ = corpus(args.count)
    raws = [f.read_bytes() for f in files]
    bare = bare_parse_rate(raws)
    from tests.imap_server import running_dovecot

    rows = []
    with running_dovecot() as dovecot:
        for db in args.dbs.split(","):
            for path in args.paths.split(","):
                row = measure(path, db, files, raws, dovecot)
                if row:
                    rows.append([*row, f"{float(row[4]) / bare:.0%}"])
    table(f"Ingest: {args.count} corpus mails to tickets with acks queued "
          f"(bare mailparser.parse_from_bytes: {bare:.0f} mails/s)",
          ["path", "db", "mails", "seconds", "mails/s", "tickets", "acks", "quarantined",
           "of bare parse"], rows)


if __name__ == "__main__":
    main()
