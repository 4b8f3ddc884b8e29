"""Agent accounts and API tokens: create, verify (Argon2), issue and check bearer tokens."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.models import Agent, ApiToken
from app.models.agent import ROLES, SCOPES
from app.models.base import utcnow

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request about accounts that cannot be carried out (shown to the user)."""


def create_agent(email: str, password: str, role: str = "agent", name: str = "") -> Agent:
    """Create an agent with an Argon2-hashed password."""
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise AccountError("password must have at least 8 characters")
    if db.session.scalar(select(Agent.id).where(func.lower(Agent.email) == email)):
        raise AccountError(f"an agent {email} already exists")
    agent = Agent(email=email, name=name, role=role, password_hash=_hasher.hash(password))
    db.session.add(agent)
    db.session.flush()
    audit.record("agent_created", actor=audit.actor_name(), new=email, role=role)
    db.session.commit()
    return agent


def authenticate(email: str, password: str) -> Agent | None:
    """Return the active agent with these credentials, or None."""
    agent = db.session.scalar(select(Agent).where(func.lower(Agent.email) == email.lower()))
    if agent is None or not agent.active:
        _hasher.hash(password)  # same work either way, so timing tells nothing
        return None
    try:
        _hasher.verify(agent.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return agent


def create_token(email: str, scope: str = "write") -> str:
    """Issue a new API token for an agent; only its hash is stored.

    `scope` is "read" (GET only) or "write"; an auditor's tokens are always read-only.
    """
    agent = db.session.scalar(select(Agent).where(func.lower(Agent.email) == email.lower()))
    if agent is None:
        raise AccountError(f"no agent {email}")
    if scope not in SCOPES:
        raise AccountError(f"scope must be one of {', '.join(SCOPES)}")
    if agent.read_only and scope != "read":
        raise AccountError("an auditor's tokens can only have the read scope")
    token = secrets.token_urlsafe(32)
    row = ApiToken(agent_id=agent.id, token_hash=ApiToken.hash(token), scope=scope)
    db.session.add(row)
    db.session.flush()
    audit.record("token_created", actor=agent.email, new=str(row.id), scope=scope)
    db.session.commit()
    return token


def revoke_token(token_id: int, actor: str = "system") -> ApiToken:
    """Revoke a token by its id; revoking twice keeps the first time."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise AccountError(f"no token #{token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("token_revoked", actor=actor, new=str(row.id), agent=row.agent.email,
                     scope=row.scope)
        db.session.commit()
    return row


def token_row(token: str) -> ApiToken | None:
    """Return the live token row for a bearer token: known, not revoked, agent active."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
    if row is None or row.revoked_at is not None or not row.agent.active:
        return None
    return row


def agent_for_token(token: str) -> Agent | None:
    """Return the agent a bearer token belongs to, if it is valid and not revoked."""
    row = token_row(token)
    return row.agent if row is not None else None
