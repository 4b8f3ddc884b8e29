"""The SMTP edge over a real socket: 250 only once stored, 550/552/451 otherwise."""

import smtplib

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.jobs import runner
from app.models import IntakeItem, Ticket
from intake.smtp_listener import is_intake_address, start_smtp
from tests.mailmaker import make_mail
from tests.netutil import free_port


@pytest.fixture
def listener(app_factory):
    port = free_port()
    app = app_factory(sync_jobs=False, SMTP_PORT=port, MAX_MESSAGE_BYTES=50_000)
    controller = start_smtp(app)
    with app.app_context():
        runner().start()
        yield app, port
        runner().stop()
    controller.stop()


def send(port: int, raw: bytes, rcpt=("support@example.org",)):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("ravi.menon@example.com")
        codes = [smtp.rcpt(r) for r in rcpt]
        if not any(code == 250 for code, _ in codes):
            return codes, None
        return codes, smtp.data(raw)


def test_mail_is_stored_acknowledged_and_becomes_a_ticket(listener):
    app, port = listener
    raw = make_mail("VPN down", "The VPN is down for the whole office, nobody can connect.")
    codes, (code, reply) = send(port, raw)
    assert codes == [(250, b"2.1.5 OK")]
    assert code == 250 and b"stored as intake #" in reply
    item = db.session.scalar(select(IntakeItem))
    assert item.raw == raw and item.source == "smtp"
    assert item.envelope_from == "ravi.menon@example.com"
    runner().drain()
    db.session.expire_all()
    assert db.session.get(IntakeItem, item.id).state == "ticketed"
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_unknown_recipients_get_550_and_plus_addresses_are_ours(listener):
    _, port = listener
    codes, result = send(port, b"x", rcpt=("someone@elsewhere.example",))
    assert codes[0][0] == 550 and result is None
    codes, (code, _) = send(port, make_mail("Hi", "more info"),
                            rcpt=("support+abc123@example.org", "nobody@example.org"))
    assert [c for c, _ in codes] == [250, 550] and code == 250


def test_over_the_size_limit_is_552_and_nothing_is_stored(listener):
    _, port = listener
    raw = make_mail("Big", "x" * 60_000)
    _, (code, reply) = send(port, raw)
    assert code == 552, reply
    assert db.session.scalar(select(func.count(IntakeItem.id))) == 0


def test_storage_failure_answers_451_and_a_retry_is_accepted(listener):
    _, port = listener
    raw = make_mail("Printer", "The printer is offline.")
    db.session.execute(text("ALTER TABLE intake_item RENAME TO intake_item_away"))
    db.session.commit()
    try:
        _, (code, reply) = send(port, raw)
        assert code == 451 and b"try again" in reply
    finally:
        db.session.execute(text("ALTER TABLE intake_item_away RENAME TO intake_item"))
        db.session.commit()
    _, (code, _) = send(port, raw)
    assert code == 250
    assert db.session.scalar(select(func.count(IntakeItem.id))) == 1


def test_intake_address_matching():
    ours = ["support@example.org", "help@example.org"]
    assert is_intake_address("Support@Example.org", ours)
    assert is_intake_address("<help+t0k3n@example.org>", ours)
    assert not is_intake_address("support@example.org.evil.example", ours)
    assert not is_intake_address("support@other.example", ours)


def test_lines_longer_than_rfc_5321_allows_are_still_accepted(listener):
    _, port = listener
    refs = " ".join(f"<old{n:02d}.x9k2m4@list.example.com>" for n in range(40))
    raw = make_mail("Re: printer", "Still broken.", references=refs)
    raw = raw.replace(b"\r\n ", b" ")  # unfold: one 1,300-character header line
    assert max(len(line) for line in raw.split(b"\r\n")) > 1000
    _, (code, reply) = send(port, raw)
    assert code == 250, reply
    assert db.session.scalar(select(IntakeItem.raw)) == raw


def test_over_long_envelope_addresses_are_refused_at_the_edge(listener):
    _, port = listener
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.mail("a" * 300 + "@example.com")[0] == 553  # ours: over RFC 5321's 256
        assert smtp.mail("a" * 990 + "@example.com")[0] == 500  # aiosmtpd: command too long
        smtp.rset()
        assert smtp.mail("ravi.menon@example.com")[0] == 250
        assert smtp.rcpt("support+" + "x" * 300 + "@example.org")[0] == 553
    assert db.session.scalar(select(func.count(IntakeItem.id))) == 0


def test_bare_lf_mail_larger_than_64_kib_is_accepted(app_factory):
    # Bare-LF clients make the whole message one "line" to aiosmtpd: only the size
    # limit may bound it.
    port = free_port()
    app = app_factory(SMTP_PORT=port, MAX_MESSAGE_BYTES=500_000)
    controller = start_smtp(app)
    raw = make_mail("Log", "\n".join(f"line {n} of the log" for n in range(6000)))
    raw = raw.replace(b"\r\n", b"\n")
    assert len(raw) > 100_000 and b"\r\n" not in raw
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail("ravi.menon@example.com", ["support@example.org"], raw)
    finally:
        controller.stop()
    with app.app_context():
        assert db.session.scalar(select(func.count(IntakeItem.id))) == 1
