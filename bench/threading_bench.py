"""Benchmark: replies on the right ticket, with the corpus manifest as ground truth.

    .venv/bin/python bench/threading_bench.py [--count 2000] [--dbs sqlite,postgresql]

Every corpus file is stored and run through the pipeline (what `gateway import`
does per message), once in corpus (chronological) order and once shuffled, so
many replies arrive before their parent. A reply is right when, after all mail is
in, it sits on the same ticket as the message it answers.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from common import corpus, database, make_app, table


def ingest(app, files: list[Path]) -> dict[str, int | None]:
    """Store and process each file in the given order; return file name -> ticket id."""
    from sqlalchemy import select

    from app import pipeline
    from app.extensions import db
    from app.models import IntakeItem
    from app.store import store_raw

    with app.app_context():
        for path in files:
            stored = store_raw("import", path.read_bytes(), source_ref=path.name)
            if stored.created:
                pipeline.process_intake(stored.item_id)
        rows = db.session.execute(select(IntakeItem.source_ref, IntakeItem.ticket_id)).all()
        db.session.remove()
        db.engine.dispose()
    return dict(rows)


def score(manifest: list[dict], tickets: dict[str, int | None]) -> tuple[int, int]:
    """Return (replies, replies on their parent's ticket)."""
    replies = [r for r in manifest if r["is_reply"] and r["parent_index"] is not None]
    right = sum(1 for r in replies
                if tickets.get(r["file"]) is not None
                and tickets.get(r["file"]) == tickets.get(manifest[r["parent_index"]]["file"]))
    return len(replies), right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--dbs", default="sqlite")
    args = parser.parse_args()
    files, manifest = corpus(args.count)
    shuffled = list(files)
    random.Random(42).shuffle(shuffled)
    rows = []
    for db in args.dbs.split(","):
        for order, sequence in (("chronological", files), ("shuffled", shuffled)):
            with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp)) as url:
                if url is None:
                    continue
                started = time.perf_counter()
                tickets = ingest(make_app(Path(tmp), url), sequence)
                seconds = time.perf_counter() - started
            replies, right = score(manifest, tickets)
            early = _early(manifest, sequence)
            rows.append([order, db, len(files), replies, early, right, replies - right,
                         f"{right / max(replies, 1):.1%}", f"{seconds:.0f}"])
    table(f"Threading: {args.count} corpus mails, replies checked against the manifest",
          ["order", "db", "mails", "replies", "before parent", "right ticket", "wrong",
           "right %", "seconds"], rows)


def _early(manifest: list[dict], sequence: list[Path]) -> int:
    """Count replies that arrive before the message they answer."""
    position = {p.name: n for n, p in enumerate(sequence)}
    return sum(1 for r in manifest if r["is_reply"] and r["parent_index"] is not None
               and position[r["file"]] < position[manifest[r["parent_index"]]["file"]])


if __name__ == "__main__":
    main()
