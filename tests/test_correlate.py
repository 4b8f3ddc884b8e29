"""Correlation: which ticket a report belongs to, on what evidence, and what that does."""

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts import create_agent
from app.extensions import db
from app.models import Event, OutboxMail, Ticket
from app.models.base import utcnow
from tests import scenario
from tests.mailmaker import make_mail


def tickets_count() -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


def test_strong_evidence_threads_and_a_new_sender_becomes_a_watcher(app):
    t = scenario.build()["1042"]
    item = scenario.ingest(make_mail("Re: printer", "Our floor has the same problem.",
                                     sender="Ines Duarte <ines.duarte@example.com>",
                                     in_reply_to="<t1042.n2@helpdesk.example.org>"))
    assert item.ticket_id == t.id
    assert "ines.duarte@example.com" in {w.email for w in t.watchers}
    assert t.messages[-1].threaded_by == (
        "message_id: In-Reply-To names <t1042.n2@helpdesk.example.org>")


def test_legacy_subject_tag_threads_a_participant(app):
    t = scenario.build()["1042"]
    item = scenario.ingest(make_mail(f"Re: [#{t.id}] Printer on floor 3 offline",
                                     "Toner replaced, still offline."))
    assert item.state == "threaded" and item.ticket_id == t.id
    assert t.messages[-1].threaded_by.startswith("subject_reference")


def test_weak_evidence_from_a_stranger_goes_to_review_not_into_the_ticket(app):
    t = scenario.build()["1042"]
    item = scenario.ingest(make_mail(f"[#{t.id}] my printer too", "Mine is broken as well.",
                                     sender="zoe@example.com"))
    new = db.session.get(Ticket, item.ticket_id)
    assert item.state == "ticketed" and new.id != t.id
    assert new.needs_review and any(t.ref in reason for reason in new.reasons)
    assert all(m.from_email != "zoe@example.com" for m in t.messages)


def test_weak_evidence_from_an_agent_threads(app):
    t = scenario.build()["1042"]
    create_agent("sam@example.org", "correct horse battery")
    item = scenario.ingest(make_mail(f"{t.ref} update", "Vendor visit booked for Monday.",
                                     sender="sam@example.org"))
    assert item.ticket_id == t.id


def test_a_parent_arriving_after_its_reply_joins_the_replys_ticket(app):
    reply = scenario.ingest(make_mail("Re: Scanner jams", "It jams on every page now.",
                                      in_reply_to="<parent.1@mail.example.com>",
                                      references="<parent.1@mail.example.com>"))
    sibling = scenario.ingest(make_mail("Re: Scanner jams", "Same on floor 2.",
                                        sender="lea@example.com",
                                        references="<parent.1@mail.example.com>"))
    parent = scenario.ingest(make_mail("Scanner jams", "The scanner jams on page two.",
                                       message_id="<parent.1@mail.example.com>"))
    assert reply.state == "ticketed"
    assert sibling.ticket_id == reply.ticket_id and parent.ticket_id == reply.ticket_id
    assert parent.state == "threaded" and tickets_count() == 1


def resolve(ticket: Ticket, days_ago: float = 0) -> None:
    ticket.status, ticket.resolved_at = "resolved", utcnow() - timedelta(days=days_ago)
    db.session.commit()


def reply_to(ticket_mail_id: str, text: str) -> bytes:
    return make_mail("Re: printer", text, in_reply_to=f"<{ticket_mail_id}>")


def test_a_reply_within_the_window_reopens_but_thanks_does_not(app):
    t = scenario.build()["1042"]
    t.kind = "incident"
    resolve(t)
    scenario.ingest(reply_to("t1042.n2@helpdesk.example.org", "Thanks, works now!"))
    assert t.status == "resolved" and t.messages[-1].body_text.startswith("Thanks")
    scenario.ingest(reply_to("t1042.n2@helpdesk.example.org", "It is offline again."))
    assert t.status == "in_progress" and t.resolved_at is None
    assert db.session.scalar(select(Event.action).where(Event.action == "reopened"))


def test_after_the_window_a_reply_opens_a_linked_follow_up(app):
    t = scenario.build()["1042"]
    t.kind = "incident"
    resolve(t, days_ago=30)
    item = scenario.ingest(reply_to("t1042.n2@helpdesk.example.org", "Offline again today."))
    follow = db.session.get(Ticket, item.ticket_id)
    assert follow.id != t.id and follow.follow_up_of_id == t.id and t.status == "resolved"
    again = scenario.ingest(make_mail(f"Re: {follow.ref}", "And now?"))
    assert again.ticket_id == follow.id


def test_acknowledgements_are_rate_limited_per_sender(app_factory):
    app = app_factory(ACK_LIMIT_PER_HOUR=2)
    with app.app_context():
        for n in range(4):
            scenario.ingest(make_mail(f"Problem {n}", f"Problem number {n} is broken."))
        acks = db.session.scalar(select(func.count(OutboxMail.id)))
        suppressed = db.session.scalar(select(func.count(Event.id)).where(
            Event.action == "acknowledgement_suppressed"))
    assert (acks, suppressed) == (2, 2)
