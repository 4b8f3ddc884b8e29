"""Several pollers on one mailbox: the lease lets one pass run at a time, never two tickets.

Real parts: a private Dovecot holds the mailbox; the pollers are the production
`Poller` threads with the real pipeline (jobs run inline) on the test database
(PostgreSQL when GATEWAY_TEST_DATABASE_URL is set: advisory locks; else a SQLite
file: flock).
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import IntakeItem, OutboxMail, Ticket
from intake.imap_fetch import KEYWORD, PollResult
from intake.imap_poller import Mailbox, Poller, PollOutcome, poll_once
from intake.mailbox_lease import lease_key, mailbox_lease
from tests.imap_server import running_dovecot
from tests.test_crash_recovery import fill_mailbox, realistic_mail

MAILS = 120


@pytest.fixture(scope="module")
def dovecot():
    with running_dovecot() as server:
        yield server


def test_a_held_lease_refuses_a_second_holder_until_released(app):
    other: list[bool] = []

    def take_in_another_thread():
        with app.app_context(), mailbox_lease("imap://x@h:143/INBOX") as held:
            other.append(held)

    with mailbox_lease("imap://x@h:143/INBOX") as held:
        assert held
        with mailbox_lease("imap://y@h:143/INBOX") as unrelated:
            assert unrelated  # another mailbox has its own lease
        thread = threading.Thread(target=take_in_another_thread)
        thread.start()
        thread.join()
    assert other == [False]
    with mailbox_lease("imap://x@h:143/INBOX") as again:
        assert again
    assert lease_key("a") == lease_key("a") != lease_key("b")


def test_a_pass_without_the_lease_touches_nothing(app, dovecot):
    user, password = dovecot.add_user()
    fill_mailbox(dovecot, user, password, [realistic_mail(n)[1] for n in range(3)])
    mailbox = Mailbox.parse(dovecot.url(user, password))
    with mailbox_lease(mailbox.label):
        result = poll_once(app, mailbox)
    assert result.leased_elsewhere and result.fetched == 0
    assert all(KEYWORD not in f for f in dovecot.flags(user, password).values())
    assert "skipped" in str(PollOutcome(mailbox.label, result))


def test_two_pollers_on_one_mailbox_never_make_a_duplicate_ticket(app, dovecot):
    user, password = dovecot.add_user()
    fill_mailbox(dovecot, user, password, [realistic_mail(n)[1] for n in range(MAILS)])
    mailbox = Mailbox.parse(dovecot.url(user, password))
    results: list[PollResult] = []
    pollers = [RecordingPoller(app, mailbox, results) for _ in range(2)]
    for poller in pollers:
        poller.start()
    try:
        deadline = time.monotonic() + 240
        while _count(IntakeItem) < MAILS and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for poller in pollers:
            poller.stop()
    db.session.expire_all()
    assert _count(IntakeItem) == MAILS
    assert _count(Ticket) == MAILS
    assert _count(OutboxMail) == MAILS  # one acknowledgement each
    # The lease kept the pollers apart: no message was downloaded twice.
    assert sum(r.fetched for r in results) == MAILS
    flags = dovecot.flags(user, password)
    assert len(flags) == MAILS and all(KEYWORD in f for f in flags.values())


class RecordingPoller(Poller):
    """The production poller, remembering each pass's result for the test."""

    def __init__(self, app, mailbox, results: list[PollResult]):
        super().__init__(app, mailbox, interval=0.2, use_idle=False)
        self.results = results

    def _record_success(self, result: PollResult) -> None:
        self.results.append(result)
        super()._record_success(result)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))
