"""The IMAP edge against a real Dovecot on loopback: store raw first, then mark or move.

No mocks of IMAP or the database: mail is APPENDed to a private Dovecot, faults
are real (a renamed table makes `store_raw` fail, a wrong password fails login).
Only the job runner is swapped for a recorder, through the app's own runner slot.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from app import create_app
from app.database import upgrade
from app.extensions import db
from app.models import IntakeItem
from intake.imap_poller import (
    Mailbox,
    Poller,
    poll_all_once,
    poll_once,
    start_pollers,
    stop_pollers,
)
from tests.imap_server import DovecotServer, running_dovecot
from tests.shared_paths import case

SMALL = ("14-no-message-id.eml", "15-no-message-id-second.eml", "27-html-only.eml")


class RecordingJobs:
    """Stands in for the job runner: remembers what was queued, runs nothing."""

    def __init__(self) -> None:
        self.submitted: list[tuple[str, tuple]] = []

    def submit(self, path: str, *args, job_id: str | None = None) -> None:
        self.submitted.append((path, args))


@pytest.fixture(scope="module")
def dovecot():
    with running_dovecot() as server:
        yield server


@pytest.fixture
def make_app(tmp_path):
    apps = []

    def make(**config):
        settings = {"INSTANCE": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                    "IMAP_DONE_FOLDER": "", "IMAP_POLL_SECONDS": 1, **config}
        app = create_app(settings)
        with app.app_context():
            upgrade()
        app.extensions["gateway_jobs"] = RecordingJobs()
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def account(dovecot: DovecotServer):
    user, password = dovecot.add_user()
    return Account(dovecot, user, password)


class Account:
    """One fresh mailbox on the test server."""

    def __init__(self, server: DovecotServer, user: str, password: str):
        self.server, self.user, self.password = server, user, password
        self.url = server.url(user, password)
        self.mailbox = Mailbox.parse(self.url)

    def append(self, raw: bytes, flags: tuple[bytes, ...] = ()) -> int:
        return self.server.append(self.user, self.password, raw, flags=flags)

    def flags(self, folder: str = "INBOX") -> dict[int, set[bytes]]:
        return self.server.flags(self.user, self.password, folder)


def items(app) -> list[IntakeItem]:
    with app.app_context():
        rows = db.session.scalars(select(IntakeItem).order_by(IntakeItem.id)).all()
        for row in rows:
            _ = row.raw  # load the deferred column before the session closes
        return list(rows)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_mailbox_url_is_percent_decoded_and_password_stays_private():
    box = Mailbox.parse("imap://help%40example.org:p%40ss%3Aw%2Fd@mail.example.org/Support%20Queue")
    assert (box.user, box.password, box.port, box.folder) == (
        "help@example.org", "p@ss:w/d", 143, "Support Queue")
    assert Mailbox.parse("imaps://u:p@h").port == 993
    assert Mailbox.parse("imaps://u:p@h:1993/").folder == "INBOX"
    assert "p@ss" not in repr(box) and "p@ss" not in box.source_ref(7, 3)
    assert box.source_ref(7, 3) == (
        "imap://help@example.org@mail.example.org:143/Support Queue;UIDVALIDITY=7;UID=3")
    with pytest.raises(ValueError):
        Mailbox.parse("pop3://u:p@h")


def test_poll_stores_raw_bytes_exactly_then_flags_them(make_app, account):
    app = make_app()
    raws = [case(name) for name in SMALL]
    uids = [account.append(raw) for raw in raws]

    result = poll_once(app, account.mailbox)

    assert (result.fetched, result.stored, result.duplicates, result.errors) == (3, 3, 0, 0)
    stored = items(app)
    assert [item.raw for item in stored] == raws
    assert {item.source for item in stored} == {"imap"}
    assert [item.source_ref for item in stored] == [
        account.mailbox.source_ref(result.uidvalidity, uid) for uid in uids]
    assert account.password not in stored[0].source_ref
    jobs = app.extensions["gateway_jobs"].submitted
    assert jobs == [("app.pipeline.process_intake", (item.id,)) for item in stored]
    assert all({b"\\Seen", b"$Gateway"} <= flags for flags in account.flags().values())

    again = poll_once(app, account.mailbox)
    assert (again.fetched, again.stored) == (0, 0)
    assert len(items(app)) == 3


def test_same_bytes_twice_is_one_item_one_job_and_both_are_marked(make_app, account):
    app = make_app()
    account.append(case(SMALL[0]))
    account.append(case(SMALL[0]))

    result = poll_once(app, account.mailbox)

    assert (result.stored, result.duplicates) == (1, 1)
    assert len(app.extensions["gateway_jobs"].submitted) == 1
    assert all(b"$Gateway" in flags for flags in account.flags().values())


def test_mail_a_person_already_read_is_still_fetched(make_app, account):
    app = make_app()
    account.append(case(SMALL[0]), flags=(b"\\Seen",))

    assert poll_once(app, account.mailbox).stored == 1


def test_done_folder_mode_moves_stored_mail(make_app, account):
    app = make_app(IMAP_DONE_FOLDER="Processed")
    raws = [case(name) for name in SMALL[:2]]
    for raw in raws:
        account.append(raw)

    result = poll_once(app, account.mailbox)

    assert result.stored == 2
    assert account.flags("INBOX") == {}
    assert len(account.flags("Processed")) == 2
    assert [item.raw for item in items(app)] == raws
    assert poll_once(app, account.mailbox).fetched == 0


@pytest.mark.parametrize("done_folder", ["", "Processed"])
def test_storage_failure_leaves_mail_untouched_until_a_later_poll(make_app, account,
                                                                  done_folder):
    app = make_app(IMAP_DONE_FOLDER=done_folder)
    for name in SMALL:
        account.append(case(name))
    with app.app_context():  # a real fault: the table store_raw writes to is gone
        db.session.execute(text("ALTER TABLE intake_item RENAME TO intake_item_away"))
        db.session.commit()

    failed = poll_once(app, account.mailbox)

    assert failed.storage_error and failed.stored == 0
    assert all(not flags & {b"\\Seen", b"$Gateway"} for flags in account.flags().values())
    assert len(account.flags()) == 3
    with app.app_context():
        db.session.execute(text("ALTER TABLE intake_item_away RENAME TO intake_item"))
        db.session.commit()

    recovered = poll_once(app, account.mailbox)

    assert (recovered.stored, recovered.storage_error) == (3, None)
    assert [item.raw for item in items(app)] == [case(name) for name in SMALL]


def test_oversized_mail_is_skipped_once_and_does_not_block_the_rest(make_app, account):
    app = make_app(MAX_MESSAGE_BYTES=1000)
    big = case("11-bounce-dsn.eml")
    assert len(big) > 1000
    account.append(case(SMALL[0]))
    big_uid = account.append(big)
    account.append(case(SMALL[1]))

    result = poll_once(app, account.mailbox)

    assert (result.stored, result.too_large, result.errors) == (2, 1, 1)
    assert [item.raw for item in items(app)] == [case(SMALL[0]), case(SMALL[1])]
    assert account.flags()[big_uid] == {b"$GatewayTooLarge"}  # not \Seen: left for a person
    assert poll_once(app, account.mailbox).too_large == 0


def test_wrong_password_shows_in_health_and_the_poller_survives(make_app, account):
    app = make_app()
    bad = Mailbox.parse(account.server.url(account.user, "wrong"))
    poller = Poller(app, bad, interval=0.1, backoff_base=0.05, backoff_max=0.2)
    poller.start()
    try:
        wait_for(lambda: poller.health().consecutive_failures >= 2)
        health = poller.health()
        assert poller.is_alive()
        assert "AUTHENTICATIONFAILED" in health.last_error and health.last_error_at
        assert health.last_success is None and "wrong" not in health.mailbox
    finally:
        poller.stop()
    assert not poller.is_alive()
    from app.models import MailboxStatus

    with app.app_context():
        status = db.session.scalar(select(MailboxStatus))
        assert status.consecutive_failures >= 2 and status.last_success_at is None
        assert "AUTHENTICATIONFAILED" in status.last_error


def test_poll_all_once_reports_each_mailbox_separately(make_app, account):
    account.append(case(SMALL[0]))
    bad_url = account.server.url("someone-else@example.org", "wrong")
    app = make_app(IMAP_MAILBOXES=[bad_url, account.url])

    bad, good = poll_all_once(app)

    assert bad.mailbox == Mailbox.parse(bad_url).label and bad.result is None
    assert bad.error.startswith("LoginError: [AUTHENTICATIONFAILED]") and "FAILED" in str(bad)
    assert good.error is None and good.result.stored == 1
    assert str(good).endswith("fetched=1 stored=1 duplicates=0 errors=0")


@pytest.mark.parametrize("use_idle", [True, False])
def test_poller_thread_picks_up_new_mail_and_stops_promptly(make_app, account, use_idle):
    app = make_app()
    # With IDLE a long interval proves that new mail wakes the poller, not the timer.
    poller = Poller(app, account.mailbox, interval=30 if use_idle else 0.2, use_idle=use_idle)
    poller.start()
    try:
        wait_for(lambda: poller.health().last_success is not None)
        account.append(case(SMALL[0]))
        wait_for(lambda: poller.health().stored_total == 1)
    finally:
        started = time.monotonic()
        poller.stop()
    assert not poller.is_alive() and time.monotonic() - started < 3
    assert poller.health().consecutive_failures == 0


def test_start_and_stop_pollers_from_configuration(make_app, account):
    account.append(case(SMALL[0]))
    app = make_app(IMAP_MAILBOXES=[account.url])

    pollers = start_pollers(app)
    wait_for(lambda: pollers[0].health().stored_total == 1)
    started = time.monotonic()
    stop_pollers(pollers)

    assert time.monotonic() - started < 3 and not any(p.is_alive() for p in pollers)


def test_poller_reconnects_after_the_server_goes_away(make_app):
    app = make_app()
    with running_dovecot() as first:
        user, password = first.add_user()
        port, mailbox = first.port, Mailbox.parse(first.url(user, password))
        poller = Poller(app, mailbox, interval=30, backoff_base=0.1, backoff_max=0.5)
        poller.start()
        wait_for(lambda: poller.health().last_success is not None)
    try:  # the server stopped while the poller was in IDLE
        wait_for(lambda: poller.health().consecutive_failures >= 2)
        assert poller.is_alive()
        with running_dovecot(port=port, password=password) as second:
            second.append(user, password, case(SMALL[0]))
            wait_for(lambda: poller.health().stored_total == 1)
            assert poller.health().consecutive_failures == 0
            poller.stop()
    finally:
        poller.stop()
    assert not poller.is_alive()


def test_imap_mail_becomes_a_ticket_and_health_shows_in_healthz(make_app, account):
    from app.jobs import InProcessRunner
    from app.models import MailboxStatus, Ticket
    from intake.services import _start_pollers

    account.append(case(SMALL[0]))
    app = make_app(IMAP_MAILBOXES=[account.url])
    app.extensions["gateway_jobs"] = InProcessRunner(app, sync=True)
    stop = _start_pollers(app)
    try:
        wait_for(lambda: app.extensions["gateway_health"]["mailboxes"][0]().stored_total == 1)

        def recorded() -> bool:  # the poller writes its health row just after the pass
            with app.app_context():
                return db.session.scalar(select(MailboxStatus.stored_total)) == 1

        wait_for(recorded)
        with app.app_context():
            assert db.session.scalar(select(IntakeItem.state)) == "ticketed"
            assert db.session.scalar(select(Ticket.subject))
            status = db.session.scalar(select(MailboxStatus))
            assert (status.mailbox, status.stored_total, status.backlog) == (
                account.mailbox.label, 1, 0)
            assert status.last_success_at and status.consecutive_failures == 0
        body = app.test_client().get("/healthz").get_json()
    finally:
        stop()
    [mailbox] = body["mailboxes"]
    assert mailbox["mailbox"] == account.mailbox.label and mailbox["stored_total"] == 1
    assert mailbox["last_success"].endswith("Z") and mailbox["consecutive_failures"] == 0
