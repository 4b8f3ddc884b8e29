"""One configured IMAP mailbox: its URL parsed into settings, and how to connect to it.

Owns the `imap://user:password@host:port/Folder` syntax of `IMAP_MAILBOXES` and
opening an authenticated connection. It never reads or changes messages, and
never lets the password reach a log line, a repr or a stored reference.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from imapclient import IMAPClient

DEFAULT_PORTS = {"imap": 143, "imaps": 993}
SOCKET_TIMEOUT = 30.0


@dataclass(frozen=True)
class Mailbox:
    """Where to fetch support mail from; `password` stays out of repr and labels."""

    host: str
    user: str
    password: str = field(repr=False)
    port: int = 143
    folder: str = "INBOX"
    tls: bool = False

    @classmethod
    def parse(cls, url: str, reveal: Callable[[str], str] | None = None) -> Mailbox:
        """Read an `imap://` or `imaps://` URL; user, password and folder are percent-decoded.

        `reveal` opens an encrypted password (`enc:…`, see app.secrets_box).
        """
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError(f"IMAP mailbox URL must be imap:// or imaps://, not {parts.scheme}:")
        if not parts.hostname or not parts.username:
            raise ValueError("IMAP mailbox URL needs a user and a host")
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        return cls(
            host=parts.hostname,
            user=unquote(parts.username),
            password=(reveal or str)(unquote(parts.password or "")),
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            folder=folder,
            tls=parts.scheme == "imaps",
        )

    @property
    def label(self) -> str:
        """Name the mailbox for logs, health and source refs (no password)."""
        scheme = "imaps" if self.tls else "imap"
        return f"{scheme}://{quote(self.user, safe='@')}@{self.host}:{self.port}/{self.folder}"

    def source_ref(self, uidvalidity: int, uid: int) -> str:
        """Point at one message the way RFC 5092 IMAP URLs do."""
        return f"{self.label};UIDVALIDITY={uidvalidity};UID={uid}"


@contextmanager
def connect(mailbox: Mailbox, timeout: float = SOCKET_TIMEOUT) -> Iterator[IMAPClient]:
    """Yield a logged-in client; always log out or close the socket afterwards."""
    context = ssl.create_default_context() if mailbox.tls else None
    client = IMAPClient(mailbox.host, mailbox.port, ssl=mailbox.tls, ssl_context=context,
                        timeout=timeout)
    try:
        client.login(mailbox.user, mailbox.password)
        yield client
    finally:
        _close(client)


def _close(client: IMAPClient) -> None:
    """Log out politely; if the connection is already broken, just close the socket."""
    try:
        client.logout()
    except Exception:  # broad on purpose: a dead connection must still release its socket
        try:
            client.shutdown()
        except OSError:
            pass
