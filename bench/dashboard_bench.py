"""Benchmark: p50/p95 of the queue page and a ticket page with 100,000 tickets.

    .venv/bin/python bench/dashboard_bench.py [--tickets 100000] [--dbs sqlite,postgresql]

Tickets are seeded by running one real mail through the pipeline and copying its
ticket row (INSERT ... SELECT, doubling) up to the count; pages are fetched by a
logged-in agent through the app's WSGI stack (Flask test client: no network).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from common import corpus, database, make_app, table

PASSWORD = "correct horse battery"


def seed_tickets(app, count: int) -> int:
    """Make `count` tickets; return the id of the real one (with its message)."""
    from sqlalchemy import func, insert, select

    from app import pipeline
    from app.accounts import create_agent
    from app.extensions import db
    from app.models import Ticket
    from app.store import store_raw

    with app.app_context():
        create_agent("bench@example.org", PASSWORD, role="admin", name="Bench")
        files, _ = corpus(2000)
        pipeline.process_intake(store_raw("import", files[1].read_bytes()).item_id)
        real = db.session.scalar(select(func.min(Ticket.id)))
        table_ = Ticket.__table__
        columns = [c for c in table_.columns if c.name != "id"]
        while (have := db.session.scalar(select(func.count(Ticket.id)))) < count:
            rows = select(*columns).order_by(table_.c.id).limit(count - have)
            db.session.execute(insert(table_).from_select([c.name for c in columns], rows))
            db.session.commit()
        db.session.remove()
    return real


def timings(client, url: str, rounds: int) -> list[float]:
    client.get(url)  # warm caches and templates once
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return sorted(times)


def measure(db: str, count: int, rounds: int) -> list[list]:
    with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp)) as url:
        if url is None:
            return []
        app = make_app(Path(tmp), url)
        real = seed_tickets(app, count)
        client = app.test_client()
        login = client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
        assert login.status_code == 302, login.status_code
        rows = []
        for page, path in (("queue", "/"), ("ticket", f"/tickets/{real}")):
            ms = timings(client, path, rounds)
            p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
            rows.append([page, db, count, rounds, f"{statistics.median(ms):.1f}", f"{p95:.1f}"])
        with app.app_context():
            from app.extensions import db as sa

            sa.engine.dispose()
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--dbs", default="sqlite,postgresql")
    args = parser.parse_args()
    rows = [row for db in args.dbs.split(",") for row in measure(db, args.tickets, args.rounds)]
    table(f"Dashboard: page times with {args.tickets:,} tickets (logged-in agent, in-process)",
          ["page", "db", "tickets", "requests", "p50 ms", "p95 ms"], rows)


if __name__ == "__main__":
    main()
