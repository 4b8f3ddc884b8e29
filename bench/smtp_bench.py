"""Benchmark: SMTP accept latency at a steady 50 mails/s, and the sustained rate on 4 connections.

    .venv/bin/python bench/smtp_bench.py [--mails 500] [--dbs sqlite,postgresql]

The listener runs as in `gateway run`: in this process, with the pipeline working
through what arrives on the in-process job thread at the same time. Latency is one
`sendmail` on an open connection (MAIL FROM to the 250 after DATA, which is sent
only once the raw mail is committed).
"""

from __future__ import annotations

import argparse
import smtplib
import statistics
import tempfile
import threading
import time
from pathlib import Path

from common import corpus, database, make_app, table


def paced(host: str, port: int, raws: list[bytes], rate: float) -> list[float]:
    """Send at `rate` mails/s on one connection; return each accept latency in ms."""
    latencies = []
    with smtplib.SMTP(host, port) as smtp:
        start = time.perf_counter()
        for n, raw in enumerate(raws):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            began = time.perf_counter()
            if send_one(smtp, raw):
                latencies.append((time.perf_counter() - began) * 1000)
    return latencies


def send_one(smtp: smtplib.SMTP, raw: bytes) -> bool:
    """Send one mail; False when the listener refused it (counted apart, not timed)."""
    try:
        smtp.sendmail("bench@example.com", ["support@example.org"], raw)
    except smtplib.SMTPDataError:
        return False
    return True


def flood(host: str, port: int, raws: list[bytes], connections: int) -> float:
    """Send everything as fast as possible over several connections; return mails/s."""
    shares = [raws[n::connections] for n in range(connections)]

    def send(share: list[bytes]) -> None:
        with smtplib.SMTP(host, port) as smtp:
            for raw in share:
                send_one(smtp, raw)

    threads = [threading.Thread(target=send, args=(s,)) for s in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(raws) / (time.perf_counter() - started)


def measure(db: str, raws: list[bytes], port: int) -> list | None:
    from app.jobs import runner
    from intake.smtp_listener import start_smtp

    with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp)) as url:
        if url is None:
            return None
        app = make_app(Path(tmp), url, sync_jobs=False, SMTP_PORT=port)
        with app.app_context():
            runner().start()
        controller = start_smtp(app)
        try:
            half = len(raws) // 2
            ms = sorted(paced("127.0.0.1", port, raws[:half], 50.0))
            rate = flood("127.0.0.1", port, raws[half:], 4)
        finally:
            controller.stop()
            with app.app_context():
                runner().stop()
                from app.extensions import db as sa

                sa.session.remove()
                sa.engine.dispose()
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return [db, len(ms), f"{statistics.median(ms):.1f}", f"{p99:.1f}", f"{max(ms):.1f}",
            len(raws) - half, f"{rate:.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000, help="half paced, half flooded")
    parser.add_argument("--dbs", default="sqlite,postgresql")
    args = parser.parse_args()
    files, _ = corpus(2000)
    raws = [f.read_bytes() for f in files[:args.mails]]
    from tests.imap_server import free_port

    rows = [row for db in args.dbs.split(",") if (row := measure(db, raws, free_port()))]
    table("SMTP: accept latency at 50 mails/s on one connection; sustained rate on 4",
          ["db", "paced mails", "p50 ms", "p99 ms", "max ms", "flood mails", "flood mails/s"],
          rows)


if __name__ == "__main__":
    main()
