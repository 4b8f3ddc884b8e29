"""A real SMTP server on loopback that keeps what it receives (for outbound mail tests)."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.netutil import free_port


class _Keep:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


class SmtpSink:
    """Start with `with SmtpSink() as sink:`; `sink.address` is host:port."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.handler = _Keep()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def parsed(self) -> list[tuple[list[str], EmailMessage]]:
        return [(rcpts, email.message_from_bytes(raw, policy=policy.default))
                for rcpts, raw in self.handler.messages]

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
