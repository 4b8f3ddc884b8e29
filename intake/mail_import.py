"""Import mail files, folders of them, and mbox files through the one pipeline.

Each message is stored raw like any other source, then processed before the
command returns, so the summary counts what really happened to each.
"""

from __future__ import annotations

import mailbox
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from app import pipeline
from app.extensions import db
from app.models import IntakeItem, IntakeState
from app.store import StorageUnavailable, store_raw

SKIP_SUFFIXES = {".yml", ".yaml", ".md", ".json"}


def iter_files(paths: list[str]) -> Iterator[Path]:
    """Yield every mail file under the given files and folders, in a stable order."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from (p for p in sorted(path.rglob("*"))
                        if p.is_file() and p.suffix.lower() not in SKIP_SUFFIXES)
        elif path.is_file():
            yield path


def iter_messages(path: Path) -> Iterator[tuple[str, bytes]]:
    """Yield (label, raw bytes) for each message in a file; an mbox starts with 'From '."""
    with path.open("rb") as handle:
        is_mbox = handle.read(5) == b"From "
    if not is_mbox:
        yield str(path), path.read_bytes()
        return
    box = mailbox.mbox(str(path), create=False)
    try:
        for index, key in enumerate(box.keys()):
            yield f"{path}#{index + 1}", box.get_bytes(key)
    finally:
        box.close()


def import_paths(paths: list[str], progress: bool = True) -> Counter:
    """Store and process every message; return counts by outcome.

    Messages are read one at a time, so memory stays flat however big the backlog.
    """
    messages = (m for f in iter_files(paths) for m in iter_messages(f))
    counts: Counter = Counter()
    for label, raw in tqdm(messages, unit="mail", disable=not progress, desc="importing"):
        counts["read"] += 1
        try:
            stored = store_raw("import", raw, source_ref=label[-500:])
        except StorageUnavailable:
            counts["not stored"] += 1
            continue
        if not stored.created:
            counts[IntakeState.DUPLICATE] += 1
            continue
        _process(stored.item_id)
        counts[db.session.get(IntakeItem, stored.item_id).state] += 1
    return counts


def _process(item_id: int) -> None:
    """Run the pipeline, retrying in place so a flaky failure ends in quarantine."""
    for _ in range(10):
        try:
            pipeline.process_intake(item_id)
            return
        except Exception:  # recorded on the item by the pipeline; try the next attempt
            db.session.rollback()


def summary_line(counts: Counter) -> str:
    return (f"{counts['read']} mails read: {counts[IntakeState.TICKETED]} new tickets, "
            f"{counts[IntakeState.THREADED]} replies threaded, "
            f"{counts[IntakeState.DUPLICATE]} duplicates, "
            f"{counts[IntakeState.SCREENED]} screened out, "
            f"{counts[IntakeState.QUARANTINED]} quarantined"
            + (f", {counts['not stored']} not stored" if counts["not stored"] else ""))
