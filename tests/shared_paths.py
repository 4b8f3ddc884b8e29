"""Where the team's shared corpus lives, and how tests that need it behave without it.

CI always has `../shared` beside the clone; a test may skip only when it is absent
and `CI` is not set (with `CI=true` a missing corpus is a failure, never a skip).
"""

import mailbox
import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("GATEWAY_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CASES = SHARED / "corpus" / "cases"
PEERS = SHARED / "corpus" / "peers"
DATASETS = SHARED / "datasets"


def require_shared() -> Path:
    """Return the shared folder, skipping locally (failing in CI) when it is missing."""
    if SHARED.is_dir():
        return SHARED
    if os.environ.get("CI"):
        pytest.fail(f"shared corpus missing at {SHARED} (CI must have it)")
    pytest.skip(f"shared corpus not found at {SHARED}")


def case(name: str) -> bytes:
    """Return the raw bytes of one of our hostile test mails."""
    require_shared()
    return (CASES / name).read_bytes()


def corpus_mail_files() -> list[Path]:
    """List every mail file in the shared corpus (skipping .yml and .md)."""
    if not SHARED.is_dir():
        return []
    root = SHARED / "corpus"
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix not in {".yml", ".md"}
    )


def messages_in(path: Path) -> list[bytes]:
    """Return the raw messages of a file; a file starting with "From " is an mbox."""
    data = path.read_bytes()
    if not data.startswith(b"From "):
        return [data]
    box = mailbox.mbox(path, create=False)
    try:
        return [box.get_bytes(key) for key in box.keys()] or [data]
    finally:
        box.close()
