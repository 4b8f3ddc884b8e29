"""The whole pipeline: parse, dedupe, screen, correlate, classify, open or thread, notify."""

import pytest
from sqlalchemy import func, select

from app import pipeline, reply_address
from app.extensions import db
from app.models import (
    Blob,
    Event,
    IntakeItem,
    Message,
    OutboxMail,
    Ticket,
    UndeliverableAddress,
)
from app.store import store_raw
from tests import scenario
from tests.mailmaker import make_mail
from tests.shared_paths import case


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_new_mail_opens_a_classified_ticket_and_queues_an_acknowledgement(app):
    item = scenario.ingest(make_mail(
        "Outlook down for the whole finance team",
        "Since 9:00 our finance team cannot open Outlook, it crashes at start. We cannot work.",
        cc="Nadia Haddad <nadia.haddad@example.com>"))
    ticket = db.session.get(Ticket, item.ticket_id)
    assert item.state == "ticketed"
    assert ticket.kind == "incident" and ticket.ref == f"INC-{ticket.id:06d}"
    assert ticket.service.name == "Email"
    assert (ticket.impact, ticket.urgency, ticket.priority) == (2, 1, "P2")
    assert ticket.reporter_email == "ravi.menon@example.com"
    assert [w.email for w in ticket.watchers] == ["nadia.haddad@example.com"]
    assert ticket.reasons and ticket.classifier_version
    ack = db.session.scalar(select(OutboxMail).where(OutboxMail.ticket_id == ticket.id))
    assert ack.to == ["ravi.menon@example.com"] and ticket.ref in ack.subject
    assert ack.in_reply_to == ticket.messages[0].message_id
    assert ack.state == "captured"  # no outbound relay configured
    actions = db.session.scalars(select(Event.action).where(Event.intake_id == item.id)).all()
    assert {"received", "ticket_opened", "classified", "prioritised"} <= set(actions)


def test_reply_by_in_reply_to_threads_into_the_ticket(app):
    tickets = scenario.build()
    item = scenario.ingest(case("16-reply-in-reply-to-only.eml"))
    assert item.state == "threaded" and item.ticket_id == tickets["1042"].id
    assert "E-302" in tickets["1042"].messages[-1].body_text
    assert count(Ticket) == 2


def test_inline_reply_keeps_its_answers(app):
    tickets = scenario.build()
    item = scenario.ingest(case("40-inline-reply-interleaved.eml"))
    body = tickets["1042"].messages[-1].body_text
    assert item.ticket_id == tickets["1042"].id
    for answer in ("HP-style 4200, asset P-3-07.", "No, now it is E-310.", "Yes, 15:00 works."):
        assert answer in body


def test_long_references_line_still_threads(app):
    tickets = scenario.build()
    assert scenario.ingest(case("44-long-references.eml")).ticket_id == tickets["1042"].id


def test_reply_to_the_per_ticket_address_threads_without_headers(app):
    tickets = scenario.build()
    t = tickets["1042"]
    address = reply_address.address_for(t.id)
    item = scenario.ingest(make_mail("my printer again", "Still broken.", to=address),
                           envelope_to=[address])
    assert (item.state, item.ticket_id) == ("threaded", t.id)
    forged = address.replace("+", "+9").split("-")[0] + "-aaaaaaaaaaaa@example.org"
    stranger = scenario.ingest(make_mail("guess", "Let me in.", to=forged), envelope_to=[forged])
    assert stranger.state == "ticketed" and stranger.ticket_id != t.id


def test_subject_reference_threads_only_for_participants(app):
    tickets = scenario.build()
    t = tickets["1042"]
    watcher = scenario.ingest(make_mail(f"Re: [{t.ref}] printer", "Same here on floor 3.",
                                        sender="martin.keller@example.com"))
    stranger = scenario.ingest(make_mail(f"About {t.ref}", "I saw this number somewhere.",
                                         sender="mallory@example.com"))
    assert watcher.ticket_id == t.id and watcher.state == "threaded"
    assert stranger.state == "ticketed" and stranger.ticket_id != t.id


def test_forwarded_message_headers_never_thread(app):
    scenario.build()
    item = scenario.ingest(case("23-forward-as-attachment-rfc822.eml"))
    assert item.state == "ticketed"
    names = [a.filename for a in db.session.get(Ticket, item.ticket_id).messages[0].attachments]
    assert any(n.endswith(".eml") for n in names)


@pytest.mark.parametrize("name", ["09-ooo-auto-submitted.eml", "13-from-own-address.eml"])
def test_auto_replies_and_own_mail_are_screened_without_mail(app, name):
    tickets = scenario.build()
    before = (count(Ticket), count(OutboxMail), count(Message), tickets["1042"].status)
    item = scenario.ingest(case(name))
    assert item.state == "screened" and item.outcome
    assert (count(Ticket), count(OutboxMail), count(Message), tickets["1042"].status) == before


def test_a_bounce_marks_the_recipient_undeliverable_and_notes_it_internally(app):
    tickets = scenario.build()
    before = (count(Ticket), count(OutboxMail))
    item = scenario.ingest(case("11-bounce-dsn.eml"))
    assert item.state == "screened" and item.outcome.startswith("bounce")
    assert (count(Ticket), count(OutboxMail)) == before
    note = tickets["1077"].messages[-1]
    assert note.kind == "internal_note" and "old.mailbox@example.net" in note.body_text
    bad = db.session.scalar(select(UndeliverableAddress))
    assert bad.email == "old.mailbox@example.net" and "5.1.1" in bad.reason
    # We no longer write to it: a new report from that address gets no acknowledgement.
    later = scenario.ingest(make_mail("Still there?", "Is my mailbox quota raised?",
                                      sender="old.mailbox@example.net"))
    assert later.state == "ticketed" and count(OutboxMail) == before[1]


def test_redelivery_is_a_duplicate_but_a_reused_message_id_is_not(app):
    first = scenario.ingest(case("18-redelivery-a.eml"))
    again = scenario.ingest(case("19-redelivery-b.eml"))
    reused = scenario.ingest(case("20-same-msgid-different-body.eml"))
    assert first.state == "ticketed"
    assert again.state == "duplicate" and again.duplicate_of_id == first.id
    assert reused.state == "ticketed" and reused.ticket_id != first.ticket_id
    assert count(OutboxMail) == 2


def test_mails_without_message_id_are_two_tickets_and_replay_makes_none(app):
    a = scenario.ingest(case("14-no-message-id.eml"))
    b = scenario.ingest(case("15-no-message-id-second.eml"))
    assert a.ticket_id != b.ticket_id and {a.state, b.state} == {"ticketed"}
    stored = store_raw("imap", case("14-no-message-id.eml"))
    assert not stored.created and count(Ticket) == 2


def test_relay_sender_reporter_comes_from_reply_to(app):
    item = scenario.ingest(case("37-reply-to-relay.eml"))
    ticket = db.session.get(Ticket, item.ticket_id)
    assert ticket.reporter_email == "tomasz.wrona@example.com"
    ack = db.session.scalar(select(OutboxMail).where(OutboxMail.ticket_id == ticket.id))
    assert ack.to == ["tomasz.wrona@example.com"]


def test_both_gateway_addresses_give_one_ticket_with_the_others_as_watchers(app):
    item = scenario.ingest(case("38-cc-stakeholders.eml"))
    ticket = db.session.get(Ticket, item.ticket_id)
    assert count(Ticket) == 1
    assert {w.email for w in ticket.watchers} == {"facilities@example.com",
                                                  "martin.keller@example.com"}


def test_a_failing_item_is_retried_then_quarantined_and_the_next_goes_on(app):
    bad = store_raw("form", b"{not json")
    for _ in range(int(app.config["MAX_ATTEMPTS"]) - 1):
        with pytest.raises(ValueError):
            pipeline.process_intake(bad.item_id)
        assert db.session.get(IntakeItem, bad.item_id).state == "received"
    assert pipeline.process_intake(bad.item_id) == "quarantined"
    item = db.session.get(IntakeItem, bad.item_id)
    assert "JSONDecodeError" in item.error and item.raw == b"{not json"
    after = scenario.ingest(make_mail("VPN down", "The VPN is down for everyone."))
    assert after.state == "ticketed"


def test_reprocess_runs_a_screened_item_again(app):
    item = scenario.ingest(case("09-ooo-auto-submitted.eml"))
    assert item.state == "screened"
    assert pipeline.reprocess(item.id) == "screened"
    assert db.session.scalar(select(func.count(Event.id)).where(
        Event.intake_id == item.id, Event.action == "reprocess_requested")) == 1


def test_a_claimed_item_is_not_processed_twice(app):
    stored = store_raw("smtp", make_mail("Laptop broken", "My laptop screen is broken."))
    assert pipeline.process_intake(stored.item_id) == "ticketed"
    assert pipeline.process_intake(stored.item_id) is None
    assert count(Ticket) == 1


def test_list_mail_becomes_a_ticket_but_is_never_answered(app):
    post = make_mail("Shared drive K: is read-only", "Since 8:00 nobody can save to K:.",
                     sender="Ops list <ops@lists.example.com>",
                     headers={"List-Id": "<ops.lists.example.com>"})
    item = scenario.ingest(post)
    assert item.state == "ticketed"
    assert count(OutboxMail) == 0
    assert db.session.scalar(select(Event.detail).where(
        Event.action == "acknowledgement_suppressed"))["reason"] == "list-id header present"


def test_null_envelope_sender_is_a_bounce_even_without_headers(app):
    raw = make_mail("Delivery trouble", "Your message could not be delivered.")
    stored = store_raw("smtp", raw, envelope_from="", envelope_to=["support@example.org"])
    assert pipeline.process_intake(stored.item_id) == "screened"
    assert db.session.get(IntakeItem, stored.item_id).outcome.startswith("bounce: null envelope")
    assert count(OutboxMail) == 0


def test_without_a_from_header_the_envelope_sender_is_the_reporter(app):
    raw = b"Subject: Printer jammed\r\n\r\nThe printer on floor 2 is jammed.\r\n"
    stored = store_raw("smtp", raw, envelope_from="kai@example.com")
    pipeline.process_intake(stored.item_id)
    ticket = db.session.get(Ticket, db.session.get(IntakeItem, stored.item_id).ticket_id)
    assert ticket.reporter_email == "kai@example.com"


def test_line_breaks_never_reach_subjects_or_names_and_text_is_nfc(app):
    from parsers.form import form_payload

    fields = {"name": "Eve\r\nBcc: all@example.com", "email": "eve@example.com",
              "summary": "Laptop\r\nBcc: all@example.com", "description": "Cafe\u0301 screen",
              "affected": "just_me", "can_work": "yes", "service": ""}
    stored = store_raw("form", form_payload(fields, None, "a" * 32))
    pipeline.process_intake(stored.item_id)
    ticket = db.session.get(Ticket, db.session.get(IntakeItem, stored.item_id).ticket_id)
    assert ticket.subject == "Laptop Bcc: all@example.com"
    assert ticket.reporter_name == "Eve Bcc: all@example.com"
    assert ticket.description == "Caf\u00e9 screen"
    ack = db.session.scalar(select(OutboxMail))
    assert "\n" not in ack.subject and "\r" not in ack.subject


def test_malformed_or_missing_reporter_addresses_get_no_mail(app):
    odd = scenario.ingest(make_mail("Power quadrant", "The power quadrant reads zero.",
                                    sender='"Power" <power quadrant system@example.com>'))
    assert odd.state == "ticketed" and count(OutboxMail) == 0
    reason = db.session.scalar(select(Event.detail).where(Event.action == "mail_not_sent"))
    assert reason == {"template": "acknowledgement", "reason": "no deliverable recipient"}


def test_outbound_recipients_skip_our_own_malformed_and_undeliverable_addresses(app):
    from app.notify import recipients

    db.session.add(UndeliverableAddress(email="gone@example.net"))
    db.session.commit()
    to, cc = recipients(["gone@example.net"], ["Help@Example.org", "a b@example.com",
                                               "ok@example.com", "ok@example.com"])
    assert (to, cc) == (["ok@example.com"], [])


def mail_with_file(subject: str, content: bytes) -> bytes:
    from email.message import EmailMessage
    from email.policy import SMTP

    msg = EmailMessage()
    msg["From"], msg["To"] = "ravi.menon@example.com", "support@example.org"
    msg["Subject"] = subject
    msg.set_content("Log attached.")
    msg.add_attachment(content, maintype="application", subtype="octet-stream",
                       filename="trace.log")
    return msg.as_bytes(policy=SMTP)


def test_a_file_sent_twice_is_stored_once(app):
    first = scenario.ingest(mail_with_file("Crash one", b"stack trace " * 100))
    second = scenario.ingest(mail_with_file("Crash two", b"stack trace " * 100))
    atts = [db.session.get(Ticket, i.ticket_id).messages[0].attachments[0]
            for i in (first, second)]
    assert atts[0].content == atts[1].content == b"stack trace " * 100
    assert count(Blob) == 1 and atts[0].blob_sha256 == atts[1].blob_sha256


def test_an_attachment_over_the_limit_is_described_not_kept(app_factory):
    app = app_factory(MAX_ATTACHMENT_BYTES=100)
    with app.app_context():
        item = scenario.ingest(mail_with_file("Big log", b"x" * 500))
        att = db.session.get(Ticket, item.ticket_id).messages[0].attachments[0]
        assert (att.size, att.content, count(Blob)) == (500, b"", 0)
        assert "raw message" in att.omitted
        assert b"eHh4" in item.raw  # the bytes are still in the stored raw mail


def test_over_long_form_names_are_bounded_for_every_database(app):
    from parsers.form import form_payload

    fields = {"name": "N" * 600, "email": "long@example.com", "summary": "Printer jam",
              "description": "The printer on floor 2 jams.", "affected": "just_me",
              "can_work": "yes", "service": ""}
    stored = store_raw("form", form_payload(fields, None, "b" * 32))
    assert pipeline.process_intake(stored.item_id) == "ticketed"
    ticket = db.session.get(Ticket, db.session.get(IntakeItem, stored.item_id).ticket_id)
    assert ticket.reporter_name == "N" * 200 and ticket.messages[0].from_name == "N" * 200
