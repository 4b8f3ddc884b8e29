"""Outbound mail: the outbox row becomes a threaded MIME mail on a real SMTP server."""

from sqlalchemy import select

from app.extensions import db
from app.mailer import send_outbox
from app.models import OutboxMail
from tests import scenario
from tests.mailmaker import make_mail
from tests.netutil import free_port
from tests.smtp_sink import SmtpSink


def test_acknowledgement_is_sent_with_threading_and_loop_headers(app_factory):
    with SmtpSink() as sink:
        app = app_factory(OUTBOUND_SMTP=sink.address)
        with app.app_context():
            item = scenario.ingest(make_mail("Laptop will not boot", "My laptop shows a black "
                                             "screen and will not boot.",
                                             message_id="<boot.1@mail.example.com>"))
            mail = db.session.scalar(select(OutboxMail))
            assert mail.state == "sent" and mail.attempts == 1
            ref = f"-{item.ticket_id:06d}"
    [(rcpts, msg)] = sink.parsed()
    assert rcpts == ["ravi.menon@example.com"]
    assert ref in msg["Subject"]
    assert msg["In-Reply-To"] == "<boot.1@mail.example.com>"
    assert msg["Message-ID"].endswith("@helpdesk.example.org>")
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Reply-To"].startswith("support+")
    assert msg.get_body(("plain",)).get_content().startswith("Hello Ravi Menon")
    assert msg.get_body(("html",)) is not None


def test_unreachable_relay_retries_then_dead_letters(app_factory):
    app = app_factory(OUTBOUND_SMTP=f"127.0.0.1:{free_port()}", MAX_ATTEMPTS=2)
    with app.app_context():
        scenario.ingest(make_mail("Phone broken", "My desk phone has no dial tone."))
        mail = db.session.scalar(select(OutboxMail))
        assert mail.state == "queued" and mail.attempts == 1 and mail.last_error
        send_outbox(mail.id)
        db.session.refresh(mail)
        assert mail.state == "dead" and mail.attempts == 2
        assert "ConnectionRefusedError" in mail.last_error


def test_a_sent_mail_is_never_sent_twice(app_factory):
    with SmtpSink() as sink:
        app = app_factory(OUTBOUND_SMTP=sink.address)
        with app.app_context():
            scenario.ingest(make_mail("Wifi slow", "The wifi is very slow on floor 2."))
            mail = db.session.scalar(select(OutboxMail))
            send_outbox(mail.id)
            send_outbox(mail.id)
    assert len(sink.handler.messages) == 1
