"""The Flask application factory: configuration, extensions, blueprints, security headers."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.config import check_production_safety, load_settings, pool_size
from app.extensions import csrf, db, login_manager

ROOT = Path(__file__).resolve().parent.parent

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def create_app(test_config: dict | None = None, sync_jobs: bool = False) -> Flask:
    """Build the app; `test_config` overrides settings, `sync_jobs` runs jobs inline."""
    settings = load_settings(test_config)
    check_production_safety(settings)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
    )
    app.config.update(settings)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        MAX_CONTENT_LENGTH=int(settings["MAX_MESSAGE_BYTES"]) + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=str(settings["PUBLIC_URL"]).startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
    )
    Path(settings["INSTANCE"]).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    from app.errors import init_errors
    from app.jobs import init_jobs
    from app.security import init_security

    init_jobs(app, sync=sync_jobs)
    init_errors(app)  # before the blueprints: their routes use the `id` converter
    _register_blueprints(app)
    init_security(app)  # read-only auditor, token scopes, rate limits (issue 7)
    app.after_request(_security_headers)
    return app


def _engine_options(settings: dict) -> dict:
    url = str(settings["DATABASE_URL"])
    if url.startswith("sqlite"):
        # A busy timeout lets the SMTP thread, the job thread and the web threads share
        # one SQLite file; writers queue instead of failing at once.
        return {"connect_args": {"timeout": 15}}
    if url.startswith("postgresql"):
        # Pre-ping replaces pooled connections a restart or a cut closed. A server that
        # never answers (hung, or a route dropping packets) would make libpq wait forever
        # to connect and ~15 minutes on an unacknowledged send: bound both, so the SMTP
        # edge answers 451 in seconds and the sender's MTA retries later.
        return {"pool_pre_ping": True,
                "pool_size": pool_size(settings, str(settings.get("ROLE", "run"))),
                "max_overflow": int(settings["DB_MAX_OVERFLOW"]),
                "connect_args": {"connect_timeout": 10, "tcp_user_timeout": 15_000}}
    return {"pool_pre_ping": True}


def _register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.dashboard import bp as dashboard_bp
    from app.report import bp as report_bp

    for bp in (auth_bp, dashboard_bp, admin_bp, report_bp, api_bp):
        app.register_blueprint(bp)
    csrf.exempt(api_bp)
    _register_comms(app)


def _register_comms(app: Flask) -> None:
    """Communication (issue 6): portal, self-service, unsubscribe, and their dashboard pages."""
    from app.dashboard.comms import bp as comms_bp
    from app.kb import bp as selfservice_bp
    from app.portal import bp as portal_bp
    from app.stakeholders import bp as stakeholders_bp

    for bp in (comms_bp, selfservice_bp, portal_bp, stakeholders_bp):
        app.register_blueprint(bp)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
