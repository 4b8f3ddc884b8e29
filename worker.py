"""RQ worker entry point: build the app once, then work the gateway's queues.

Run several of these against one Redis and one database; jobs claim their rows
with conditional updates, so no item or mail is processed twice. Jobs run in the
worker process itself (no fork), so database connections are never shared
between a parent and its children. By default a worker listens to every queue
(intake first, then outbound, then maintenance); `--queues outbound` dedicates
one to sending, for example.

    python worker.py [--burst] [--queues intake,outbound,maintenance]
"""

from __future__ import annotations

import argparse
import sys

from flask import Flask
from rq import SimpleWorker

from app.jobs import ROLES, queue_names


class AppWorker(SimpleWorker):
    """An RQ worker that runs every job inside the app context (settings, DB session)."""

    flask_app: Flask

    def perform_job(self, job, queue):
        with self.flask_app.app_context():
            return super().perform_job(job, queue)


def parse_roles(text: str | None) -> list[str]:
    """Read a comma-separated list of queue roles; empty means all of them."""
    roles = [r.strip() for r in (text or "").split(",") if r.strip()] or list(ROLES)
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown queue(s) {', '.join(unknown)}; choose from "
                         + ", ".join(ROLES))
    return roles


def make_worker(app: Flask, name: str | None = None,
                roles: list[str] | None = None) -> AppWorker:
    """Build a worker for the app's queues (all roles by default) on the app's Redis."""
    from redis import Redis

    names = queue_names(app.config)
    connection = Redis.from_url(app.config["REDIS_URL"])
    worker = AppWorker([names[r] for r in roles or ROLES], connection=connection, name=name)
    worker.flask_app = app
    return worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Work the Intake Gateway's RQ queues.")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--queues", default="", help="comma-separated: " + ",".join(ROLES))
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        roles = parse_roles(args.queues)
    except ValueError as exc:
        parser.error(str(exc))
    from app import create_app

    app = create_app()
    if not app.config["REDIS_URL"]:
        print("GATEWAY_REDIS_URL is not set: jobs run inside `gateway run`; "
              "no separate worker is needed.", file=sys.stderr)
        return 2
    make_worker(app, roles=roles).work(burst=args.burst, with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
