"""Outbound mail: the outbox row becomes a threaded MIME mail on a real SMTP server."""

import time

from sqlalchemy import select

from app.extensions import db
from app.jobs import InProcessRunner
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


def test_a_relay_that_comes_back_gets_the_mail_on_a_later_attempt(app_factory):
    port = free_port()
    # Many short retries: a loaded CI machine may be slow to bring the relay back.
    app = app_factory(OUTBOUND_SMTP=f"127.0.0.1:{port}", MAX_ATTEMPTS=20)
    jobs = InProcessRunner(app, retries=20, retry_delays=(0.5,))
    app.extensions["gateway_jobs"] = jobs
    jobs.start()
    try:
        with app.app_context():
            scenario.ingest(make_mail("Mouse broken", "The mouse does not click."))
            mail = db.session.scalar(select(OutboxMail))
            wait_until(lambda: db.session.get(OutboxMail, mail.id).last_error)
            assert "ConnectionRefused" in mail.last_error and mail.state == "queued"
            with SmtpSink(port) as sink:  # the relay is back before the next attempt
                wait_until(lambda: sink.handler.messages)
            db.session.expire_all()
            assert db.session.get(OutboxMail, mail.id).state == "sent"
            assert len(sink.handler.messages) == 1
    finally:
        jobs.stop()


def wait_until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_startup_sweep_sends_mail_left_queued_by_a_crash(app_factory):
    from app.recovery import requeue_pending

    with SmtpSink() as sink:
        app = app_factory(OUTBOUND_SMTP=sink.address)
        with app.app_context():
            app.extensions["gateway_jobs"].sync = False  # queue, but nobody works it
            scenario.ingest(make_mail("Dock dead", "My docking station is dead."))
            assert db.session.scalar(select(OutboxMail.state)) == "queued"
            app.extensions["gateway_jobs"].sync = True  # the restarted process
            assert requeue_pending() == 1
            assert db.session.scalar(select(OutboxMail.state)) == "sent"
    assert len(sink.handler.messages) == 1


def test_public_reply_html_keeps_the_agents_line_breaks(app):
    from app import mail_templates
    from app.models import Message, Ticket
    from app.outbox_writer import mail_context

    ticket = db.session.get(Ticket, scenario.ingest(make_mail("Printer", "Offline.")).ticket_id)
    message = Message(kind="public_reply", body_text="Step 1\nStep 2\n\nBye <b>")
    rendered, _ = mail_templates.render("public_reply", mail_context(ticket, message=message))
    assert "<p>Step 1<br>Step 2</p>" in rendered.html and "<p>Bye &lt;b&gt;</p>" in rendered.html
