"""The outbox under pressure: two RQ workers on the real Redis, a refusing relay, replies back."""

from __future__ import annotations

import smtplib
import threading
import uuid

import pytest
from aiosmtpd.controller import Controller
from redis import Redis
from sqlalchemy import select

from app import notify
from app.extensions import db
from app.jobs import runner
from app.mailer import send_outbox
from app.models import Event, OutboxMail, Ticket
from tests import scenario
from tests.mailmaker import make_mail
from tests.netutil import free_port
from tests.smtp_sink import SmtpSink
from tests.test_end_to_end import reporter_reply_to
from worker import make_worker

REDIS = "redis://127.0.0.1:6379/0"


class Refusing:
    """A relay that answers every recipient with `reply` (e.g. 550 or 451)."""

    def __init__(self, reply: str):
        self.reply, self.port = reply, free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return self.reply

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def test_two_rq_workers_send_one_outbox_row_once(app_factory):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    with SmtpSink() as sink:
        app = app_factory(sync_jobs=False, REDIS_URL=REDIS, RQ_QUEUE=queue,
                          OUTBOUND_SMTP=sink.address)
        with app.app_context():
            try:
                scenario.ingest(make_mail("Badge reader", "The badge reader at door 2 is dead."))
                mail = db.session.scalar(select(OutboxMail))
                outbound = runner().queues["outbound"]
                assert outbound.job_ids == [f"outbox-{mail.id}"]  # the explicit job id
                for n in range(3):  # a sweep and an agent's retry queue it again
                    outbound.enqueue("app.mailer.send_outbox", mail.id,
                                           job_id=f"again-{n}-{mail.id}")
                for n in range(2):
                    make_worker(app, name=f"w{n}-{uuid.uuid4().hex[:6]}").work(burst=True)
                db.session.expire_all()
                assert db.session.get(OutboxMail, mail.id).state == "sent"
                assert len(sink.handler.messages) == 1
            finally:
                runner().delete_queues()
                Redis.from_url(REDIS).close()


def test_racing_senders_claim_a_row_once(app_factory):
    with SmtpSink() as sink:
        app = app_factory(OUTBOUND_SMTP=sink.address)
        with app.app_context():
            app.extensions["gateway_jobs"].sync = False  # queued, nobody sends yet
            scenario.ingest(make_mail("Scanner", "The scanner on floor 1 jams."))
            mail_id = db.session.scalar(select(OutboxMail.id))
        start = threading.Barrier(4)

        def race():
            with app.app_context():
                start.wait()
                send_outbox(mail_id)
                db.session.remove()

        threads = [threading.Thread(target=race) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    assert len(sink.handler.messages) == 1


def test_a_permanent_refusal_is_a_dead_letter_at_once_shown_in_the_outbox(app_factory):
    with Refusing("550 5.1.1 no such mailbox") as relay:
        app = app_factory(OUTBOUND_SMTP=f"127.0.0.1:{relay.port}", MAX_ATTEMPTS=3)
        with app.app_context():
            scenario.ingest(make_mail("Monitor flickers", "My monitor flickers all day."))
            mail = db.session.scalar(select(OutboxMail))
            assert mail.state == "dead" and mail.attempts == 1
            assert "550" in mail.last_error
            assert db.session.scalar(select(Event.id).where(Event.action == "mail_dead"))
            page = _outbox_page(app)
            assert "dead" in page and "no such mailbox" in page and "Retry" in page


def test_a_temporary_refusal_is_retried_then_dead_lettered(app_factory):
    with Refusing("451 4.3.0 try again later") as relay:
        app = app_factory(OUTBOUND_SMTP=f"127.0.0.1:{relay.port}", MAX_ATTEMPTS=3)
        with app.app_context():
            scenario.ingest(make_mail("Headset", "My headset has no sound."))
            mail = db.session.scalar(select(OutboxMail))
            assert mail.state == "queued" and mail.attempts == 1 and "451" in mail.last_error
            with pytest.raises(smtplib.SMTPRecipientsRefused):  # re-raised: RQ retries it
                send_outbox(mail.id)
            send_outbox(mail.id)  # the last attempt: a dead letter, nothing to retry
            db.session.refresh(mail)
            assert mail.state == "dead" and mail.attempts == 3


def _outbox_page(app) -> str:
    from app.accounts import create_agent

    create_agent("ops@example.org", "correct horse battery", role="agent")
    client = app.test_client()
    client.post("/login", data={"email": "ops@example.org", "password": "correct horse battery"})
    return client.get("/outbox").get_data(as_text=True)


def test_the_reporter_answering_our_resolved_mail_reopens_the_same_ticket(app_factory):
    with SmtpSink() as sink:
        app = app_factory(OUTBOUND_SMTP=sink.address)
        with app.app_context():
            item = scenario.ingest(make_mail("Wifi gone", "The wifi is gone on floor 4."))
            ticket = db.session.get(Ticket, item.ticket_id)
            ticket.kind, ticket.status = "incident", "resolved"
            notify.resolved(ticket, "Access point replaced.")
            db.session.commit()
            notify.dispatch_queued(ticket.id)
            _, resolved = sink.parsed()[-1]
            assert "Resolved:" in resolved["Subject"]
            answer = scenario.ingest(reporter_reply_to(resolved, "Still no wifi here."),
                                     envelope_to=(resolved["Reply-To"],))
            db.session.expire_all()
            assert answer.ticket_id == ticket.id and answer.state == "threaded"
            assert db.session.scalar(select(db.func.count(Ticket.id))) == 1
            assert db.session.get(Ticket, ticket.id).status == "in_progress"
