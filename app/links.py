"""Signed links in our mail: the reporter's portal (expiring) and the stakeholder unsubscribe.

Both are itsdangerous tokens keyed on SECRET_KEY with their own salt, so a link
for one purpose is never accepted for the other; rotating the key retires them.
Unsubscribe links do not expire: RFC 8058 one-click must work on old mail too.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

ROLES = ("reporter", "viewer")


class LinkRefused(Exception):
    """A link that was tampered with, is for something else, or has expired."""

    def __init__(self, reason: str, expired: bool = False):
        super().__init__(reason)
        self.expired = expired


@dataclass(frozen=True)
class PortalAccess:
    ticket_id: int
    email: str
    role: str  # reporter: may reply, confirm, reopen; viewer: reads only


def portal_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal-link")


def portal_url(ticket_id: int, email: str, role: str = "reporter") -> str | None:
    """Return the magic link to a ticket's portal page, or None when the portal is off."""
    if not current_app.config["PORTAL_ENABLED"] or not email:
        return None
    token = portal_serializer().dumps({"t": ticket_id, "e": email.lower(), "r": role})
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/portal/{token}"


def read_portal_token(token: str) -> PortalAccess:
    """Check a portal token's signature and age; raise LinkRefused otherwise."""
    max_age = int(current_app.config["PORTAL_LINK_DAYS"]) * 86400
    try:
        data = portal_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkRefused("This link has expired.", expired=True) from None
    except BadSignature:
        raise LinkRefused("This link is not valid.") from None
    if not (isinstance(data, dict) and isinstance(data.get("t"), int)
            and isinstance(data.get("e"), str) and data.get("r") in ROLES):
        raise LinkRefused("This link is not valid.")
    return PortalAccess(data["t"], data["e"], data["r"])


def unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_url(service_id: int, email: str) -> str:
    token = unsubscribe_serializer().dumps({"s": service_id, "e": email.lower()})
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/unsubscribe/{token}"


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """Return (service id, address) of an unsubscribe token; raise LinkRefused otherwise."""
    try:
        data = unsubscribe_serializer().loads(token)
    except BadSignature:
        raise LinkRefused("This link is not valid.") from None
    if not (isinstance(data, dict) and isinstance(data.get("s"), int)
            and isinstance(data.get("e"), str)):
        raise LinkRefused("This link is not valid.")
    return data["s"], data["e"]
