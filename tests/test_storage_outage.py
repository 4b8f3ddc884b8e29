"""The database goes away under a running `gateway smtp`: 451, then the retry lands once.

Real parts only: the `gateway` console script as a subprocess, on a throw-away
PostgreSQL database reached through a TCP proxy that the test cuts (the machine's
shared PostgreSQL is never stopped), and a real SMTP client. Cutting the proxy
closes every pooled connection and refuses new ones, as a database restart or a
network partition would.
"""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.mailmaker import make_mail
from tests.netutil import free_port
from tests.tcp_proxy import TcpProxy

GATEWAY = os.path.join(os.path.dirname(sys.executable), "gateway")
SERVER = os.environ.get("GATEWAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def database():
    """Create a database for this test only; yield its direct URL; drop it after."""
    name = f"gateway_outage_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(SERVER)._replace(path=f"/{name}")
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def gateway(tmp_path, database):
    """Run `gateway smtp` on the database through a proxy; yield (smtp port, proxy, query)."""
    with TcpProxy((database.hostname, database.port or 5432)) as proxy:
        user = database.netloc.rpartition("@")[0]
        proxied = database._replace(scheme="postgresql+psycopg",
                                    netloc=f"{user}@127.0.0.1:{proxy.port}")
        port = free_port()
        env = dict(os.environ, GATEWAY_DATABASE_URL=urlunsplit(proxied),
                   GATEWAY_INSTANCE=str(tmp_path), GATEWAY_SMTP_PORT=str(port),
                   GATEWAY_REDIS_URL="", GATEWAY_IMAP_MAILBOXES="", GATEWAY_OUTBOUND_SMTP="",
                   PYTHONUNBUFFERED="1")
        log = tmp_path / "smtp.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([GATEWAY, "smtp"], env=env, stdout=out,
                                    stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: "Press Ctrl-C" in log.read_text(errors="replace"), 30,
                       lambda: log.read_text(errors="replace"))
            with psycopg.connect(urlunsplit(database), autocommit=True) as direct:
                yield port, proxy, lambda sql, *args: direct.execute(sql, args).fetchall()
        finally:
            proxy.restore()  # the app must be able to stop cleanly
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
    assert proc.returncode == 0, log.read_text(errors="replace")


def wait_until(condition, timeout: float, explain) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, explain()
        time.sleep(0.05)


def deliver(smtp: smtplib.SMTP, raw: bytes) -> tuple[int, bytes]:
    """One transaction on an open session: MAIL, RCPT, DATA; return DATA's reply."""
    smtp.ehlo_or_helo_if_needed()
    assert smtp.mail("ravi.menon@example.com")[0] == 250
    assert smtp.rcpt("support@example.org")[0] == 250
    return smtp.data(raw)


def landed(query, message_id: str) -> list[tuple]:
    """Return (state, ticket id, acknowledgements) of each item with this Message-ID."""
    return query(
        "SELECT i.state, i.ticket_id, (SELECT count(*) FROM outbox_mail o"
        " WHERE o.ticket_id = i.ticket_id AND o.template = 'acknowledgement')"
        " FROM intake_item i WHERE i.message_id = %s", message_id)


def wait_ticketed(query, message_id: str) -> None:
    """Wait until exactly one item carries this Message-ID and it made a ticket.

    60 s: a job whose first try met a connection the cut had killed is retried after
    the runner's 30 s back-off, and a loaded CI machine adds to that.
    """
    wait_until(lambda: [r[0] for r in landed(query, message_id)] == ["ticketed"], 60,
               lambda: landed(query, message_id))


def test_database_outage_answers_451_and_the_retry_lands_once(gateway):
    port, proxy, query = gateway
    ids = {name: f"{name}.{uuid.uuid4().hex}@mail.example.com"
           for name in ("before", "during", "after")}
    mails = {name: make_mail(f"Laptop will not boot ({name})", "Black screen since 9:00.",
                             message_id=f"<{mid}>") for name, mid in ids.items()}
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        assert deliver(smtp, mails["before"])[0] == 250  # warm the pool
    wait_ticketed(query, ids["before"])  # no job of ours is mid-flight when the cut comes

    proxy.cut()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        started = time.monotonic()
        code, reply = deliver(smtp, mails["during"])
        assert code == 451 and b"try again" in reply, reply
        assert time.monotonic() - started < 10  # the MTA is not kept waiting
        assert smtp.rset()[0] == 250  # the session stays usable after a 451
        assert deliver(smtp, mails["during"])[0] == 451
        proxy.restore()
        smtp.rset()
        code, reply = deliver(smtp, mails["during"])  # the first retry after the outage
        assert code == 250, reply

    # An outage nobody noticed: every pooled connection is dead, pre-ping replaces them.
    wait_ticketed(query, ids["during"])
    proxy.cut()
    proxy.restore()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        code, reply = deliver(smtp, mails["after"])
        assert code == 250, reply

    for message_id in ids.values():
        wait_ticketed(query, message_id)
        assert landed(query, message_id)[0][2] == 1  # one ticket, one acknowledgement
    assert query("SELECT count(*) FROM intake_item") == [(3,)]
    assert query("SELECT count(*) FROM ticket") == [(3,)]


def test_a_database_that_never_answers_still_gets_a_451_in_time(gateway):
    """A hung server or a route that drops packets: libpq would wait forever to connect."""
    port, proxy, query = gateway
    message_id = f"stalled.{uuid.uuid4().hex}@mail.example.com"
    raw = make_mail("Printer offline", "The printer on floor 3 is offline.",
                    message_id=f"<{message_id}>")
    proxy.stall()
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        started = time.monotonic()
        code, reply = deliver(smtp, raw)
        assert code == 451, reply
        assert time.monotonic() - started < 30
        proxy.restore()
        smtp.rset()
        assert deliver(smtp, raw)[0] == 250
    wait_ticketed(query, message_id)
