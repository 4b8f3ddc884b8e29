"""RQ worker entry point: build the app once, then work the gateway queue.

Run several of these against one Redis and one database; jobs claim their rows
with conditional updates, so no item or mail is processed twice.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from redis import Redis
    from rq import Worker

    from app import create_app
    from app.jobs import QUEUE_NAME

    app = create_app()
    if not app.config["REDIS_URL"]:
        print("GATEWAY_REDIS_URL is not set: jobs run inside `gateway run`; "
              "no separate worker is needed.", file=sys.stderr)
        return 2

    class AppWorker(Worker):
        """Run every job inside the app context (database session, settings)."""

        def perform_job(self, job, queue):
            with app.app_context():
                return super().perform_job(job, queue)

    burst = "--burst" in (argv or sys.argv[1:])
    connection = Redis.from_url(app.config["REDIS_URL"])
    AppWorker([QUEUE_NAME], connection=connection).work(burst=burst, with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
