"""Shared parts of the benchmarks: the corpus, throw-away databases, apps, and tables.

Benchmarks print figures and assert nothing. They use the real parts the tests use:
the shared deterministic corpus (`../shared/bench/make_corpus.py`), a SQLite file,
a throw-away PostgreSQL database on 127.0.0.1:5432 when one answers (else that row
is skipped), Redis at 127.0.0.1:6379, and a private Dovecot from `tests/imap_server`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("GATEWAY_SHARED", ROOT.parent / "shared"))
MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"
PG_SERVER = os.environ.get("GATEWAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("GATEWAY_BENCH_REDIS", "redis://127.0.0.1:6379/0")
CACHE = Path(tempfile.gettempdir()) / "gateway-bench-corpus"


def corpus(count: int, seed: int = 42) -> tuple[list[Path], list[dict]]:
    """Return the corpus files (in corpus order) and the manifest; generated once, cached."""
    out = CACHE / f"{count}-{seed}"
    manifest = CACHE / f"{count}-{seed}.jsonl"
    if not manifest.is_file():
        subprocess.run([sys.executable, str(MAKE_CORPUS), "--count", str(count), "--seed",
                        str(seed), "--out", str(out), "--manifest", str(manifest), "--quiet"],
                       check=True)
    rows = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    return [out / row["file"] for row in rows], rows


def bare_parse_rate(raws: list[bytes]) -> float:
    """Mails per second of plain `mailparser.parse_from_bytes`, single process."""
    import mailparser

    started = time.perf_counter()
    for raw in raws:
        mailparser.parse_from_bytes(raw)
    return len(raws) / (time.perf_counter() - started)


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str | None]:
    """Yield a database URL: a SQLite file, or a throw-away PostgreSQL database (or None)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"gateway_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        yield None
        return
    try:
        yield (PG_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
               + f"/{name}")
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settings(folder: Path, url: str, **extra) -> dict:
    """Settings of a benchmark app (what a test app uses, on the given database)."""
    return {"ENV": "development", "INSTANCE": str(folder), "DATABASE_URL": url,
            "REDIS_URL": "", "OUTBOUND_SMTP": "", "SECRET_KEY": "bench-secret",
            "INTAKE_ADDRESSES": ["support@example.org", "help@example.org"],
            "MAIL_DOMAIN": "helpdesk.example.org", "WTF_CSRF_ENABLED": False,
            "ACK_LIMIT_PER_HOUR": 1_000_000, "NOTIFY_LIMIT_PER_HOUR": 1_000_000, **extra}


def make_app(folder: Path, url: str, sync_jobs: bool = True, **extra):
    """Build an app on a migrated, seeded database."""
    from app import create_app
    from app.database import seed, upgrade

    app = create_app(settings(folder, url, **extra), sync_jobs=sync_jobs)
    with app.app_context():
        upgrade()
        seed()
    return app


def env_for(folder: Path, url: str, **extra) -> dict:
    """Environment for a `gateway` subprocess with the benchmark's settings."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for key, value in settings(folder, url, **extra).items():
        env[f"GATEWAY_{key}"] = ",".join(value) if isinstance(value, list) else str(value)
    return env


def outcome_counts(app) -> dict[str, int]:
    """Count intake items by state, tickets, and acknowledgements in the outbox."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import IntakeItem, OutboxMail, Ticket

    with app.app_context():
        counts = dict(db.session.execute(select(IntakeItem.state, func.count())
                                         .group_by(IntakeItem.state)).all())
        counts["tickets"] = db.session.scalar(select(func.count(Ticket.id)))
        counts["outbox"] = db.session.scalar(select(func.count(OutboxMail.id)))
        db.session.remove()
    return counts


def load() -> str:
    """The 1-minute load average and the CPU count, for the table's footnote."""
    return f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def table(title: str, headers: list[str], rows: list[list]) -> None:
    """Print a plain-text table."""
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}\n{line}")
    for n, row in enumerate(cells):
        print("  ".join(c.rjust(w) if n and i else c.ljust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            print(line)
    print(f"({load()})", flush=True)
