"""Log-in throttling: lock an account, or an address, after repeated failed log-ins.

Counts failures per account and per client address inside LOGIN_LOCK_MINUTES; at
the limit, further attempts are refused without checking the password (so a
guesser learns nothing, not even a right guess) until the window has passed.
Every failure and every lock is written to the event log. Knows nothing of Flask
requests: the view passes the e-mail and the address in.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from app import audit
from app.extensions import db
from app.models.base import utcnow
from app.models.security import LoginFailure


def _since():
    return utcnow() - timedelta(minutes=int(current_app.config["LOGIN_LOCK_MINUTES"]))


def _failures(column, value: str) -> int:
    return db.session.scalar(select(func.count()).select_from(LoginFailure)
                             .where(column == value, LoginFailure.created_at >= _since())) or 0


def refusal(email: str, ip: str) -> str | None:
    """Return why a log-in from `ip` for `email` is refused now, or None if it may be tried."""
    config = current_app.config
    minutes = int(config["LOGIN_LOCK_MINUTES"])
    if _failures(LoginFailure.email, email.strip().lower()) >= int(config["LOGIN_MAX_FAILURES"]):
        return (f"Too many failed log-ins for this account. It is locked for up to {minutes} "
                "minutes; try again later or ask an administrator.")
    if _failures(LoginFailure.ip, ip) >= int(config["LOGIN_MAX_FAILURES_PER_IP"]):
        return (f"Too many failed log-ins from your network address. Try again in up to "
                f"{minutes} minutes.")
    return None


def record_refused(email: str, ip: str) -> None:
    """Log a refused attempt on a locked account or address."""
    audit.record("login_locked", actor="system", field="email", new=email.strip().lower()[:320],
                 ip=ip)
    db.session.commit()


def record_failure(email: str, ip: str) -> None:
    """Count a failed log-in and write it to the event log; note when it causes a lock."""
    email = email.strip().lower()[:320]
    db.session.add(LoginFailure(email=email, ip=ip[:64]))
    audit.record("login_failed", actor="system", field="email", new=email, ip=ip)
    db.session.flush()
    if _failures(LoginFailure.email, email) == int(current_app.config["LOGIN_MAX_FAILURES"]):
        audit.record("account_locked", actor="system", field="email", new=email, ip=ip,
                     minutes=int(current_app.config["LOGIN_LOCK_MINUTES"]))
    db.session.commit()


def record_success(email: str, ip: str) -> None:
    """Clear the account's failures and log the log-in."""
    email = email.strip().lower()
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    db.session.execute(delete(LoginFailure).where(LoginFailure.created_at < _since()))
    audit.record("login", actor=email, ip=ip)
    db.session.commit()
