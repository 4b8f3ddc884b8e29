"""`gateway web --prod`: serve the app with gunicorn, WEB_WORKERS processes of WEB_THREADS.

Each gunicorn worker builds its own app after the fork, so no database connection
or Redis client crosses a fork. Put TLS in front (nginx, Caddy, a load balancer)
and keep WEB_HOST on loopback or a private address; `PUBLIC_URL` starting with
https:// makes the session cookie Secure.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class GatewayWeb(BaseApplication):
    """A gunicorn application whose workers each call `create_app()`."""

    def __init__(self, settings: dict):
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        for key, value in {
            "bind": f"{s['WEB_HOST']}:{s['WEB_PORT']}",
            "workers": int(s["WEB_WORKERS"]),
            "threads": int(s["WEB_THREADS"]),
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 20,
            "accesslog": "-",
            "proc_name": "gateway-web",
            # Behind a TLS proxy on the same host: trust its X-Forwarded-* headers.
            "forwarded_allow_ips": "127.0.0.1,::1",
        }.items():
            self.cfg.set(key, value)

    def load(self):
        from app import create_app
        from app.jobs import InProcessRunner, runner

        app = create_app({"ROLE": "web"})
        with app.app_context():
            jobs = runner()
            if isinstance(jobs, InProcessRunner):  # no Redis: this process runs its jobs
                jobs.start()
        return app


def serve(settings: dict) -> None:
    """Run gunicorn in the foreground until SIGTERM / Ctrl-C."""
    GatewayWeb(dict(settings)).run()
