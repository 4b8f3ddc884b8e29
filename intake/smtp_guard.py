"""Abuse limits and TLS for the SMTP edge: connections per peer, recipients, STARTTLS.

The listener is reachable by anyone: one address must not hold every connection
(421, RFC 5321 3.8), nor spray a message at many recipients (452 4.5.3, RFC 5321
4.5.3.1.8 lets a server refuse recipients past its limit). STARTTLS (RFC 3207) is
offered when a certificate is configured, and can be required.
"""

from __future__ import annotations

import collections
import logging
import ssl

from aiosmtpd.smtp import SMTP
from flask import Flask

log = logging.getLogger(__name__)


def tls_context(config) -> ssl.SSLContext | None:
    """Build the server TLS context from SMTP_TLS_CERT / SMTP_TLS_KEY, or None when unset."""
    cert, key = str(config.get("SMTP_TLS_CERT") or ""), str(config.get("SMTP_TLS_KEY") or "")
    if not cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key or None)
    return context


def smtp_options(app: Flask) -> dict:
    """Keyword arguments for aiosmtpd's SMTP class: STARTTLS when configured."""
    context = tls_context(app.config)
    if context is None:
        return {}
    return {"tls_context": context, "require_starttls": bool(app.config["SMTP_REQUIRE_TLS"])}


class PeerLimits:
    """Open connections per client address, shared by the sessions of one listener."""

    def __init__(self, max_per_peer: int):
        self.max_per_peer = max_per_peer
        self.open: collections.Counter[str] = collections.Counter()

    def enter(self, host: str) -> bool:
        """Count a new connection; False when this address already has too many."""
        self.open[host] += 1
        return self.open[host] <= self.max_per_peer

    def leave(self, host: str) -> None:
        self.open[host] -= 1
        if self.open[host] <= 0:
            del self.open[host]


class GuardedSMTP(SMTP):
    """An SMTP session that answers 421 and hangs up when its peer has too many open."""

    peer_limits: PeerLimits | None = None
    _peer_host: str | None = None
    _refused = False

    def connection_made(self, transport) -> None:
        first = self.transport is None  # STARTTLS calls this again on the same session
        super().connection_made(transport)
        if first and self.peer_limits is not None:
            peer = transport.get_extra_info("peername")
            self._peer_host = str(peer[0]) if peer else "?"
            self._refused = not self.peer_limits.enter(self._peer_host)

    def connection_lost(self, error) -> None:
        if self._peer_host is not None and self.peer_limits is not None:
            self.peer_limits.leave(self._peer_host)
            self._peer_host = None
        super().connection_lost(error)

    async def _handle_client(self) -> None:
        if self._refused:
            log.warning("SMTP: refused a connection from %s: too many open", self._peer_host)
            await self.push("421 4.7.0 Too many connections from your address; try again later")
            self.transport.close()
            return
        await super()._handle_client()
