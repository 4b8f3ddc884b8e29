"""The SMTP edge: accept mail for our addresses, store it raw, and only then say 250.

Codes (RFC 5321, enhanced codes RFC 3463): 550 for a recipient that is not ours
(never an open relay), 452 past SMTP_MAX_RECIPIENTS, 552 over the size limit, 451
when the report cannot be stored, 250 once it is committed; 421 to a peer with too
many connections open (intake.smtp_guard). What the pipeline later decides never changes
the reply: the outcome is a state of the stored item.
"""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.controller import Controller
from flask import Flask

from app.jobs import enqueue_intake
from app.store import StorageUnavailable, store_raw
from intake.smtp_guard import GuardedSMTP, PeerLimits, smtp_options

log = logging.getLogger(__name__)
MAX_PATH = 256  # RFC 5321 4.5.3.1.3: a reverse- or forward-path is at most 256 octets


def is_intake_address(address: str, intake_addresses: list[str]) -> bool:
    """True for one of our addresses, including its plus-addressed forms (support+x@…)."""
    local, _, domain = address.lower().strip("<> ").rpartition("@")
    base = local.partition("+")[0]
    return f"{base}@{domain}" in intake_addresses


class IntakeHandler:
    """aiosmtpd handler that stores each message through the app's one storage call."""

    def __init__(self, app: Flask):
        self.app = app
        self.intake_addresses = app.config["INTAKE_ADDRESSES"]
        self.max_bytes = int(app.config["MAX_MESSAGE_BYTES"])
        self.max_recipients = int(app.config["SMTP_MAX_RECIPIENTS"])

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if len(address) > MAX_PATH:
            return f"553 5.1.7 Sender address longer than {MAX_PATH} characters"
        envelope.mail_from, envelope.mail_options = address, list(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if len(address) > MAX_PATH:
            return f"553 5.1.3 Recipient address longer than {MAX_PATH} characters"
        if not is_intake_address(address, self.intake_addresses):
            return f"550 5.1.1 <{address}>: no such mailbox here, and we do not relay"
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return f"452 4.5.3 Too many recipients: at most {self.max_recipients} per message"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if len(raw) > self.max_bytes:
            return f"552 5.3.4 Message too big: the limit is {self.max_bytes} bytes"
        loop = asyncio.get_running_loop()
        try:
            item_id = await loop.run_in_executor(
                None, self._store, raw, envelope.mail_from, list(envelope.rcpt_tos),
                session.peer)
        except StorageUnavailable as exc:
            log.error("SMTP: could not store message from %s: %s", envelope.mail_from, exc)
            return "451 4.3.0 Temporary failure storing your message; please try again later"
        return f"250 2.0.0 OK: stored as intake #{item_id}"

    def _store(self, raw: bytes, mail_from: str, rcpt_tos: list[str], peer) -> int:
        with self.app.app_context():
            stored = store_raw("smtp", raw, envelope_from=mail_from, envelope_to=rcpt_tos,
                               source_ref=f"smtp:{peer[0] if peer else '?'}")
            if stored.created:
                try:
                    enqueue_intake(stored.item_id)
                except Exception:  # stored is what counts; a sweep re-queues it
                    log.exception("SMTP: stored #%s but could not queue it", stored.item_id)
            return stored.item_id


class LenientSMTP(GuardedSMTP):
    """Accept lines longer than RFC 5321's 1000 octets, as real MTAs do.

    Mail with a 1,300-character References line is common (djcb/mu#859); refusing
    it with "500 Line too long" would bounce a real report. Clients that send bare
    LF line ends make the whole message one "line" to aiosmtpd, so the only bound
    is the message size limit (`IntakeController.factory` sets it per listener).
    """

    line_length_limit = 64 * 1024


class IntakeController(Controller):
    def __init__(self, handler, peer_limits: PeerLimits, **kwargs):
        super().__init__(handler, **kwargs)
        self.peer_limits = peer_limits
        # aiosmtpd sizes its stream reader from the class attribute at construction.
        limit = max(LenientSMTP.line_length_limit, int(kwargs.get("data_size_limit") or 0) + 1024)
        self.server_class = type("IntakeSMTP", (LenientSMTP,), {"line_length_limit": limit})

    def factory(self):
        smtp = self.server_class(self.handler, **self.SMTP_kwargs)
        smtp.peer_limits = self.peer_limits
        return smtp


def start_smtp(app: Flask) -> Controller:
    """Start the listener in its own thread on SMTP_HOST:SMTP_PORT."""
    controller = IntakeController(
        IntakeHandler(app), hostname=app.config["SMTP_HOST"], port=int(app.config["SMTP_PORT"]),
        data_size_limit=int(app.config["MAX_MESSAGE_BYTES"]), decode_data=False,
        server_hostname=app.config["MAIL_DOMAIN"], ident="Intake Gateway",
        peer_limits=PeerLimits(int(app.config["SMTP_MAX_CONNECTIONS_PER_PEER"])),
        **smtp_options(app),
    )
    controller.start()
    return controller
