"""RQ worker entry point: build the app once, then work the gateway queue.

Run several of these against one Redis and one database; jobs claim their rows
with conditional updates, so no item or mail is processed twice. Jobs run in the
worker process itself (no fork), so database connections are never shared
between a parent and its children.
"""

from __future__ import annotations

import sys

from flask import Flask
from rq import SimpleWorker


class AppWorker(SimpleWorker):
    """An RQ worker that runs every job inside the app context (settings, DB session)."""

    flask_app: Flask

    def perform_job(self, job, queue):
        with self.flask_app.app_context():
            return super().perform_job(job, queue)


def make_worker(app: Flask, name: str | None = None) -> AppWorker:
    """Build a worker for the app's queue on the app's Redis."""
    from redis import Redis

    connection = Redis.from_url(app.config["REDIS_URL"])
    worker = AppWorker([app.config["RQ_QUEUE"]], connection=connection, name=name)
    worker.flask_app = app
    return worker


def main(argv: list[str] | None = None) -> int:
    from app import create_app

    app = create_app()
    if not app.config["REDIS_URL"]:
        print("GATEWAY_REDIS_URL is not set: jobs run inside `gateway run`; "
              "no separate worker is needed.", file=sys.stderr)
        return 2
    burst = "--burst" in (sys.argv[1:] if argv is None else argv)
    make_worker(app).work(burst=burst, with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
