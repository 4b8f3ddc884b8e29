"""Jobs on the real Redis with RQ workers: processing, outbound sending, no double work."""

import uuid

import pytest
from redis import Redis
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import enqueue_intake, enqueue_maintenance, runner
from app.models import IntakeItem, OutboxMail, Ticket
from app.store import store_raw
from tests.mailmaker import make_mail
from tests.smtp_sink import SmtpSink
from worker import make_worker, parse_roles

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def rq_app(app_factory):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    with SmtpSink() as sink:
        app = app_factory(sync_jobs=False, REDIS_URL=REDIS, RQ_QUEUE=queue,
                          OUTBOUND_SMTP=sink.address)
        with app.app_context():
            yield app, sink
            runner().delete_queues()
    Redis.from_url(REDIS).close()


def test_stored_mail_is_processed_and_acknowledged_by_a_burst_worker(rq_app):
    app, sink = rq_app
    stored = store_raw("smtp", make_mail("Server room too hot", "The server room is at 35C, "
                                         "the air conditioning has stopped."))
    enqueue_intake(stored.item_id)
    assert runner().queue.count == 1
    make_worker(app, name=f"w-{uuid.uuid4().hex[:6]}").work(burst=True)
    db.session.expire_all()
    item = db.session.get(IntakeItem, stored.item_id)
    assert item.state == "ticketed"
    # The acknowledgement was queued by the first job and sent by the same burst.
    assert db.session.scalar(select(OutboxMail.state)) == "sent"
    assert [rcpts for rcpts, _ in sink.handler.messages] == [["ravi.menon@example.com"]]


def test_two_workers_never_process_one_item_twice(rq_app):
    app, sink = rq_app
    stored = store_raw("smtp", make_mail("Keyboard", "Keys are missing on my keyboard."))
    for _ in range(3):  # e.g. the SMTP edge and a recovery sweep both queue it
        runner().queue.enqueue("app.pipeline.process_intake", stored.item_id)
    for n in range(2):
        make_worker(app, name=f"w{n}-{uuid.uuid4().hex[:6]}").work(burst=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    assert len(sink.handler.messages) == 1


def test_jobs_go_to_their_role_queue_and_workers_choose_queues(rq_app):
    app, sink = rq_app
    stored = store_raw("smtp", make_mail("Projector", "The projector in room 4 shows no image."))
    enqueue_intake(stored.item_id)
    queues = runner().queues
    assert [queues[r].count for r in ("intake", "outbound", "maintenance")] == [1, 0, 0]
    make_worker(app, name=f"i-{uuid.uuid4().hex[:6]}", roles=["intake"]).work(burst=True)
    # The pipeline queued the acknowledgement on the outbound queue; nobody sent it yet.
    assert [queues[r].count for r in ("intake", "outbound")] == [0, 1]
    assert sink.handler.messages == []
    make_worker(app, name=f"o-{uuid.uuid4().hex[:6]}", roles=["outbound"]).work(burst=True)
    assert len(sink.handler.messages) == 1


def test_maintenance_queue_takes_the_recovery_sweep(rq_app):
    app, _ = rq_app
    stored = store_raw("smtp", make_mail("Mouse", "My mouse stopped working this morning."))
    enqueue_maintenance("app.recovery.requeue_pending", job_id="maintenance-requeue")
    assert runner().queues["maintenance"].job_ids == ["maintenance-requeue"]
    make_worker(app, name=f"w-{uuid.uuid4().hex[:6]}").work(burst=True)
    db.session.expire_all()
    assert db.session.get(IntakeItem, stored.item_id).state == "ticketed"


def test_worker_queue_roles_are_checked():
    assert parse_roles("") == ["intake", "outbound", "maintenance"]
    assert parse_roles(" outbound ") == ["outbound"]
    with pytest.raises(ValueError, match="unknown queue"):
        parse_roles("intake,mail")
