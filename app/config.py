"""Settings: defaults in code, each overridable by an environment variable GATEWAY_<KEY>.

Lists are comma-separated in the environment; integers and floats are converted
by the type of the default. Nothing here opens a connection.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.security_settings import SECURITY_DEFAULTS

DEV_SECRET_KEY = "dev-only-not-secret"

DEFAULTS: dict[str, object] = {
    "ENV": "development",
    "WEB_HOST": "127.0.0.1",
    "WEB_PORT": 8000,
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": 2525,
    "INSTANCE": "instance",
    "DATABASE_URL": "",
    "REDIS_URL": "",
    # Queues are RQ_QUEUE-intake, -outbound, -maintenance unless named one by one.
    "RQ_QUEUE": "gateway",
    "RQ_INTAKE_QUEUE": "",
    "RQ_OUTBOUND_QUEUE": "",
    "RQ_MAINTENANCE_QUEUE": "",
    # PostgreSQL connections per process: 0 sizes the pool for the process's role
    # (app.config.pool_size); overflow connections are opened for bursts and closed after.
    "DB_POOL_SIZE": 0,
    "DB_MAX_OVERFLOW": 5,
    # `gateway web --prod`: gunicorn processes and threads per process.
    "WEB_WORKERS": 2,
    "WEB_THREADS": 4,
    "INTAKE_ADDRESSES": ["support@example.org", "help@example.org"],
    "RELAY_SENDERS": ["webform@example.org"],
    "IMAP_MAILBOXES": [],
    "IMAP_POLL_SECONDS": 30,
    "IMAP_DONE_FOLDER": "",
    "OUTBOUND_SMTP": "",
    "OUTBOUND_FROM": "Support <support@example.org>",
    "MAIL_DOMAIN": "helpdesk.example.org",
    "PUBLIC_URL": "",
    "MAX_MESSAGE_BYTES": 25 * 1024 * 1024,
    "MAX_ATTACHMENT_BYTES": 20 * 1024 * 1024,
    "MAX_ATTEMPTS": 3,
    # Ticket references recognised in subjects; group 1 is the ticket number.
    # The second is the legacy "[#1234]" form of sites migrating from other tools.
    "SUBJECT_PATTERNS": [r"\b(?:INC|REQ)-(\d+)\b", r"\[#(\d+)\]"],
    "REOPEN_DAYS": 14,
    "ACK_LIMIT_PER_HOUR": 5,
    # Automatic mails one address may get per hour (agents' replies are not counted out).
    "NOTIFY_LIMIT_PER_HOUR": 20,
    # The reporter's portal: a signed link in every mail, valid this many days.
    "PORTAL_ENABLED": True,
    "PORTAL_LINK_DAYS": 30,
    "REVIEW_CONFIDENCE": 0.6,
    "CATEGORIES": [
        "Hardware", "Software", "Network", "Access", "Email", "Security", "Facilities", "Other",
    ],
    "SECRET_KEY": DEV_SECRET_KEY,
    **SECURITY_DEFAULTS,
}


def _convert(default: object, raw: str) -> object:
    """Turn an environment string into the type of its default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def load_settings(overrides: dict | None = None, environ=os.environ) -> dict[str, object]:
    """Return the effective settings: defaults, then GATEWAY_* variables, then overrides."""
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = environ.get(f"GATEWAY_{key}")
        if raw is not None:
            settings[key] = _convert(default, raw)
    settings.update(overrides or {})
    instance = Path(str(settings["INSTANCE"])).resolve()
    settings["INSTANCE"] = str(instance)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'gateway.sqlite3'}"
    if not settings["PUBLIC_URL"]:
        settings["PUBLIC_URL"] = f"http://{settings['WEB_HOST']}:{settings['WEB_PORT']}"
    settings["INTAKE_ADDRESSES"] = [a.lower() for a in settings["INTAKE_ADDRESSES"]]
    settings["RELAY_SENDERS"] = [a.lower() for a in settings["RELAY_SENDERS"]]
    return settings


def pool_size(settings: dict[str, object], role: str) -> int:
    """Connections a process of this role keeps open: one per thread that uses the database."""
    if int(settings["DB_POOL_SIZE"]):
        return int(settings["DB_POOL_SIZE"])
    mailboxes = len(settings["IMAP_MAILBOXES"])
    per_role = {
        "web": max(int(settings["WEB_THREADS"]), 8) + 2,  # waitress uses 8 threads
        "worker": 2, "import": 2, "smtp": 4,
        "poll": 2 * mailboxes + 3,  # a session and a lease connection per mailbox
    }
    return per_role.get(role, 10 + 2 * mailboxes)  # `run`: every part in one process


def check_production_safety(settings: dict[str, object]) -> None:
    """Refuse to run outside development with the default secret key."""
    if settings["ENV"] != "development" and settings["SECRET_KEY"] == DEV_SECRET_KEY:
        raise RuntimeError(
            "GATEWAY_SECRET_KEY must be set to a long random value outside development"
        )
