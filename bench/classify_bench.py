"""Benchmark: classify 10,000 messages (rules + learned model + fields); print ms per message.

Uses the shared deterministic corpus generator (`../shared/bench/make_corpus.py`) when
it is there, else generated sentences. Prints figures; it asserts nothing.

    .venv/bin/python bench/classify_bench.py [--count 10000]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.classifier_model import SHIPPED  # noqa: E402
from app.database import SEED_SERVICES  # noqa: E402
from parsers.classification import ServiceEntry  # noqa: E402
from parsers.classifier import classify, rule_voter  # noqa: E402
from parsers.fields import DEFAULT_CATEGORIES  # noqa: E402
from parsers.kind_model import load, model_voter  # noqa: E402
from parsers.mail import parse_mail  # noqa: E402
from parsers.submission import Submission  # noqa: E402

MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"


def corpus(count: int) -> list[Submission]:
    """Parse the shared deterministic corpus, or generate plain submissions."""
    if MAKE_CORPUS.is_file():
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([sys.executable, str(MAKE_CORPUS), "--count", str(count),
                            "--seed", "42", "--out", out], check=True, capture_output=True)
            return [parse_mail(p.read_bytes()) for p in sorted(Path(out).glob("*.eml"))]
    rng = random.Random(42)
    parts = ["the vpn is down", "please reset my password", "outlook is slow",
             "I need access to the finance share", "printer error on floor 2"]
    return [Submission("mail", rng.choice(parts), None, t, t)
            for t in (" ".join(rng.sample(parts, 2)) for _ in range(count))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    count = parser.parse_args().count
    subs = corpus(count)
    model = load(SHIPPED)
    if model is None:
        sys.exit("shipped model does not match the installed libraries")
    voters = (rule_voter, model_voter(model))
    catalogue = [ServiceEntry(n, tuple(a.strip() for a in al.split(",")))
                 for n, al in SEED_SERVICES.items()]
    classify(subs[0], catalogue, DEFAULT_CATEGORIES, voters=voters)  # warm caches
    started = time.perf_counter()
    kinds = [classify(s, catalogue, DEFAULT_CATEGORIES, voters=voters).kind for s in subs]
    elapsed = time.perf_counter() - started
    print(f"{len(subs)} messages classified in {elapsed:.2f} s: "
          f"{elapsed * 1000 / len(subs):.3f} ms per message (target <= 1 ms)")
    print(f"incidents {kinds.count('incident')}, "
          f"service requests {kinds.count('service_request')}")


if __name__ == "__main__":
    main()
