"""Kill `gateway poll` with SIGKILL in the middle of a 500-mail mailbox, start it again.

Real parts only: a private Dovecot holds the mailbox, the `gateway` console script
runs as a subprocess with in-process jobs on the test database (PostgreSQL when
GATEWAY_TEST_DATABASE_URL is set, else a SQLite file). The first run is killed once
some but not all mail is stored; a second run must drain the mailbox and pick up
what the dead one left `received` or `processing`, so every mail ends as exactly one
intake item, one ticket and one acknowledgement.

Unloaded it takes ~16 s on SQLite and ~30 s on PostgreSQL; the waits below are
generous bounds for a busy CI machine, not the expected durations.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import func, select

from app.extensions import db
from app.models import IntakeItem, IntakeState, OutboxMail, Ticket
from intake.imap_fetch import KEYWORD
from tests.imap_server import running_dovecot

GATEWAY = os.path.join(os.path.dirname(sys.executable), "gateway")
MAILS = 500
FIRST = ("Priya", "Tomasz", "Aiko", "Lena", "Omar", "Chidi", "Marta", "Jonas", "Ines", "Kwame")
LAST = ("Shah", "Nowak", "Tanaka", "Berg", "Haddad", "Okafor", "Silva", "Keller", "Roux", "Mensah")
PROBLEMS = (
    ("VPN drops every few minutes", "the VPN connection drops every few minutes"),
    ("Printer jams on every job", "the printer jams on every print job"),
    ("Cannot log in to SAP", "I cannot log in to SAP, it says my account is locked"),
    ("Outlook keeps asking for my password", "Outlook keeps asking for my password"),
    ("Laptop will not boot", "my laptop shows a black screen and will not boot"),
    ("No wifi in the meeting room", "there is no wifi in the meeting room"),
    ("Shared drive is read-only", "the K: drive on the file server is suddenly read-only"),
    ("Request: second monitor", "could I please get a second monitor for my desk"),
)
PLACES = ("Building A, floor 2", "the Leeds office", "room 3.14", "the warehouse", "reception")


def realistic_mail(n: int) -> tuple[str, bytes]:
    """Return (Message-ID, wire bytes) of the n-th distinct support mail."""
    first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]
    title, problem = PROBLEMS[n % len(PROBLEMS)]
    place = PLACES[n % len(PLACES)]
    msg = EmailMessage()
    msg["From"] = f"{first} {last} <{first.lower()}.{last.lower()}{n}@example.com>"
    msg["To"] = "support@example.org"
    msg["Subject"] = f"{title} ({place})"
    msg["Date"] = format_datetime(datetime(2024, 5, 6, 8, 0, tzinfo=UTC) + timedelta(minutes=n))
    msg["Message-ID"] = mid = make_msgid(idstring=f"crash{n}", domain="mail.example.com")
    msg.set_content(
        f"Hello,\n\nsince this morning {problem} in {place}. It started around "
        f"{8 + n % 9}:{n % 60:02d} and I have tried restarting twice.\n"
        f"My asset tag is LT-{10000 + n}.\n\nThanks,\n{first} {last}\n")
    return mid, msg.as_bytes(policy=policy.SMTP)


def fill_mailbox(server, user: str, password: str, mails: list[bytes]) -> None:
    """APPEND all mails over one connection, 100 per MULTIAPPEND command (RFC 3502)."""
    with server.client(user, password) as client:
        for start in range(0, len(mails), 100):
            client.multiappend("INBOX", mails[start:start + 100])


def start_poller(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen([GATEWAY, "poll"], env=env, stdout=log, stderr=subprocess.STDOUT)


def crash_with_work_in_flight(env: dict, log, tries: int = 5) -> dict[str, int]:
    """SIGKILL `gateway poll` mid-mailbox until it leaves an item `processing`; return states.

    Each run is killed once a quarter of the mail is stored and a job is at work;
    the kill may still land between two jobs, so try again (one more crash).
    """
    for _ in range(tries):
        poller = start_poller(env, log)
        try:
            wait_until(lambda: sum(states().values()) >= MAILS // 4
                       and states().get(IntakeState.PROCESSING), 60, "work in flight")
        finally:
            poller.send_signal(signal.SIGKILL)
            poller.wait(10)
        left = states()
        assert sum(left.values()) < MAILS, left  # killed in the middle, truly
        if left.get(IntakeState.PROCESSING):
            return left
    raise AssertionError(f"no kill left an item processing in {tries} tries: {left}")


def states() -> dict[str, int]:
    db.session.rollback()  # a fresh snapshot: the subprocess commits behind our back
    rows = db.session.execute(select(IntakeItem.state, func.count()).group_by(IntakeItem.state))
    return dict(rows.all())


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {states()}"
        time.sleep(0.05)


def test_sigkill_mid_mailbox_then_restart_gives_one_ticket_per_mail(app_factory, tmp_path):
    app = app_factory()
    generated = [realistic_mail(n) for n in range(MAILS)]
    with running_dovecot() as server, app.app_context():
        user, password = server.add_user()
        fill_mailbox(server, user, password, [raw for _, raw in generated])
        env = dict(os.environ, GATEWAY_DATABASE_URL=app.config["DATABASE_URL"],
                   GATEWAY_INSTANCE=str(tmp_path), GATEWAY_REDIS_URL="",
                   GATEWAY_IMAP_MAILBOXES=server.url(user, password),
                   GATEWAY_IMAP_POLL_SECONDS="1", GATEWAY_IMAP_DONE_FOLDER="",
                   GATEWAY_OUTBOUND_SMTP="", PYTHONUNBUFFERED="1")
        with open(tmp_path / "poll.log", "ab") as log:
            left = crash_with_work_in_flight(env, log)
            second = start_poller(env, log)
            try:
                wait_until(lambda: states() == {IntakeState.TICKETED: MAILS}, 300, "every mail")
            finally:
                second.send_signal(signal.SIGINT)
                second.wait(30)
        output = (tmp_path / "poll.log").read_text(errors="replace")
        assert second.returncode == 0, output
        assert "left by a dead runner" in output

        stored = db.session.execute(select(IntakeItem.message_id, IntakeItem.ticket_id)).all()
        assert sorted(mid for mid, _ in stored) == sorted(mid.strip("<>") for mid, _ in generated)
        assert len({ticket for _, ticket in stored}) == MAILS
        assert db.session.scalar(select(func.count(Ticket.id))) == MAILS
        acks = db.session.execute(select(OutboxMail.ticket_id, func.count())
                                  .where(OutboxMail.template == "acknowledgement")
                                  .group_by(OutboxMail.ticket_id)).all()
        assert len(acks) == MAILS and {count for _, count in acks} == {1}
        flags = server.flags(user, password)
        assert len(flags) == MAILS and all(KEYWORD in f for f in flags.values())
        print(f"left by the killed run: {left}")
