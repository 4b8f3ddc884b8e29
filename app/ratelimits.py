"""Rate limits on the public report form, per client address and per reporter e-mail.

Flask-Limiter, one limiter per app; counters live in memory (one process) or in
Redis when REDIS_URL is set, so every web process shares them. A refused post is
answered 429 before the view runs: nothing from it is stored.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

LIMITED_VIEWS = ("report.report",)


def reporter_email() -> str:
    """Key a form post by the e-mail it claims, so rotating addresses does not help."""
    return "email:" + request.form.get("email", "").strip().lower()[:320]


def init_limits(app: Flask) -> Limiter:
    """Create the app's limiter and wrap the public form's view in its two limits."""
    storage = str(app.config.get("REDIS_URL") or "") or "memory://"
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage,
                      strategy="moving-window", headers_enabled=True)
    for endpoint in LIMITED_VIEWS:
        view = app.view_functions[endpoint]
        view = limiter.limit(str(app.config["REPORT_LIMIT_PER_EMAIL"]), methods=["POST"],
                             key_func=reporter_email)(view)
        view = limiter.limit(str(app.config["REPORT_LIMIT_PER_ADDRESS"]), methods=["POST"])(view)
        app.view_functions[endpoint] = view
    return limiter
