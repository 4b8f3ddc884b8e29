"""Benchmark: 2,000 vs 20,000 mails through `gateway import`: time ratio and peak memory.

    .venv/bin/python bench/scale_bench.py [--small 2000] [--large 20000]

Each size runs in a fresh `gateway import` process on a fresh SQLite database (the
process stores and runs the pipeline itself, like a worker draining a backlog); its
peak resident memory comes from the kernel (`wait4` rusage). Target: 10x the mail
in at most 11x the time, and memory that does not grow with the backlog.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import corpus, env_for, table

GATEWAY = str(Path(sys.executable).parent / "gateway")


def run(count: int) -> tuple[float, float, str]:
    """Import `count` corpus mails; return (seconds, peak RSS in MB, summary line)."""
    files, _ = corpus(count)
    with tempfile.TemporaryDirectory() as tmp:
        env = env_for(Path(tmp), f"sqlite:///{tmp}/scale.sqlite3")
        subprocess.run([GATEWAY, "init-db"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        process = subprocess.Popen([GATEWAY, "import", str(files[0].parent)], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = process.stdout.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"gateway import failed: {out}")
    summary = out.strip().splitlines()[-1].split(": ", 1)[-1]
    return seconds, usage.ru_maxrss / 1024, ", ".join(summary.split(", ")[:2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=20000)
    args = parser.parse_args()
    (t1, m1, s1), (t2, m2, s2) = run(args.small), run(args.large)
    rows = [[args.small, f"{t1:.0f}", f"{args.small / t1:.0f}", f"{m1:.0f}", s1],
            [args.large, f"{t2:.0f}", f"{args.large / t2:.0f}", f"{m2:.0f}", s2]]
    table(f"Scale: {args.large / args.small:.0f}x the mail took {t2 / t1:.2f}x the time; "
          f"peak memory {m2 / m1:.2f}x", ["mails", "seconds", "mails/s", "peak RSS MB",
                                          "summary"], rows)


if __name__ == "__main__":
    main()
