"""The Intake page: hand actions on items the pipeline did not ticket, and mailbox health."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Event, IntakeItem, MailboxStatus, Ticket
from app.models.base import utcnow
from app.store import store_raw
from tests.web_helpers import fresh, mail, outage, outbox


def quarantined(raw: bytes, source: str = "smtp", error: str = "RuntimeError: a bug") -> int:
    """Store an item and put it in quarantine as the pipeline would after its attempts."""
    stored = store_raw(source, raw)
    item = db.session.get(IntakeItem, stored.item_id)
    item.state, item.error, item.attempts = "quarantined", error, 3
    db.session.commit()
    return stored.item_id


def item(item_id: int) -> IntakeItem:
    db.session.expire_all()
    return db.session.get(IntakeItem, item_id)


def item_events(item_id: int, action: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.intake_id == item_id,
                                                       Event.action == action)))


# --- the list and the detail page -----------------------------------------------------

def test_item_page_shows_headers_first_lines_and_events(logged_in):
    item_id = quarantined(mail("Printer on fire", "Smoke is coming out of printer 4.\nHelp!"))
    listing = logged_in.get("/intake").get_data(as_text=True)
    assert f'href="/intake/{item_id}"' in listing
    assert f'name="ids" value="{item_id}" form="replay-many"' in listing
    html = logged_in.get(f"/intake/{item_id}").get_data(as_text=True)
    assert "Subject: Printer on fire" in html and "Smoke is coming out of printer 4." in html
    assert "RuntimeError: a bug" in html and "received" in html  # the error, the event
    for action in ("ticket", "attach", "discard"):
        assert f'action="/intake/{item_id}/{action}"' in html
    assert logged_in.get("/intake/999").status_code == 404
    assert logged_in.get("/intake/99999999999999999999").status_code == 404


def test_done_items_offer_no_hand_actions(logged_in):
    ticket = outage()
    done = db.session.scalar(select(IntakeItem.id).where(IntakeItem.ticket_id == ticket.id))
    html = logged_in.get(f"/intake/{done}").get_data(as_text=True)
    assert f'action="/intake/{done}/discard"' not in html
    response = logged_in.post(f"/intake/{done}/discard", data={"reason": "spam"},
                              follow_redirects=True)
    assert "is ticketed: nothing to do by hand" in response.get_data(as_text=True)
    assert item(done).state == "ticketed"


# --- replay one or many ---------------------------------------------------------------

def test_replay_many_reports_each_item_and_audits(logged_in, agent):
    first = quarantined(mail("Outlook crashes", "Outlook crashes on start, urgent."))
    second = quarantined(mail("VPN is down", "The VPN is down for everyone, nobody can work."))
    done = outage()
    done_id = db.session.scalar(select(IntakeItem.id).where(IntakeItem.ticket_id == done.id))
    response = logged_in.post("/intake/replay", data={"ids": [str(first), str(second),
                                                             str(done_id), "abc"]},
                              follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"Replayed 2 of 3: #{first} ticketed, #{second} ticketed." in html
    assert f"Intake #{done_id}: intake item {done_id} already made ticketed" in html
    assert item(first).state == item(second).state == "ticketed"
    assert item(first).ticket_id != item(second).ticket_id
    for item_id in (first, second):
        [requested] = item_events(item_id, "reprocess_requested")
        assert requested.actor == agent.email and requested.old == "quarantined"


def test_replay_many_needs_ticked_items(logged_in):
    response = logged_in.post("/intake/replay", data={}, follow_redirects=True)
    assert "Tick the items to replay first." in response.get_data(as_text=True)


# --- make a ticket by hand ------------------------------------------------------------

def test_make_ticket_from_a_readable_item(logged_in, agent):
    item_id = quarantined(mail("Outlook crashes", "Outlook crashes on start, urgent."))
    response = logged_in.post(f"/intake/{item_id}/ticket",
                              data={"subject": "", "reason": "classifier bug, fixed by hand"},
                              follow_redirects=True)
    row = item(item_id)
    ticket = db.session.get(Ticket, row.ticket_id)
    assert f"Intake #{item_id} is now ticket {ticket.ref}." in response.get_data(as_text=True)
    assert (row.state, row.error) == ("ticketed", None)
    assert "classifier bug, fixed by hand" in row.outcome and "RuntimeError" in row.outcome
    assert ticket.subject == "Outlook crashes" and ticket.reporter_email == "pat@example.com"
    assert [m.template for m in outbox(ticket)] == ["acknowledgement"]
    [made] = item_events(item_id, "intake_ticketed_by_hand")
    assert (made.actor, made.ticket_id, made.detail["reason"]) == (
        agent.email, ticket.id, "classifier bug, fixed by hand")


def test_make_ticket_from_an_unreadable_item_attaches_the_raw(logged_in, agent):
    raw = b'{"fields": broken json'
    item_id = quarantined(raw, source="form", error="JSONDecodeError: Expecting value")
    refused = logged_in.post(f"/intake/{item_id}/ticket",
                             data={"subject": "", "reason": "someone wrote in"},
                             follow_redirects=True)
    assert "type a subject" in refused.get_data(as_text=True)
    assert item(item_id).state == "quarantined" and item(item_id).ticket_id is None
    logged_in.post(f"/intake/{item_id}/ticket",
                   data={"subject": "Broken form report", "reason": "someone wrote in"})
    ticket = db.session.get(Ticket, item(item_id).ticket_id)
    assert ticket.subject == "Broken form report" and ticket.needs_review
    [attachment] = ticket.messages[0].attachments
    assert (attachment.filename, attachment.content) == (f"intake-{item_id}.eml", raw)
    assert outbox(ticket) == []  # nobody known to acknowledge
    assert item_events(item_id, "intake_ticketed_by_hand")[0].actor == agent.email


def test_hand_actions_need_a_reason(logged_in):
    item_id = quarantined(mail("Spam", "Buy cheap watches"))
    for action, data in (("ticket", {"subject": "x"}), ("discard", {}),
                         ("attach", {"ref": "INC-000001"})):
        response = logged_in.post(f"/intake/{item_id}/{action}", data={**data, "reason": " "},
                                  follow_redirects=True)
        assert "This field is required" in response.get_data(as_text=True), action
        assert item(item_id).state == "quarantined"


# --- attach to a ticket ---------------------------------------------------------------

def test_attach_item_to_a_ticket(logged_in, agent):
    ticket = outage()
    item_id = quarantined(mail("more about the VPN", "It is also down in Lyon."))
    bad = logged_in.post(f"/intake/{item_id}/attach", data={"ref": "INC-000999",
                                                           "reason": "same outage"},
                         follow_redirects=True)
    assert "no ticket INC-000999" in bad.get_data(as_text=True)
    assert item(item_id).state == "quarantined"
    response = logged_in.post(f"/intake/{item_id}/attach",
                              data={"ref": ticket.ref.lower(), "reason": "same outage"},
                              follow_redirects=True)
    assert f"Intake #{item_id} added to {ticket.ref}." in response.get_data(as_text=True)
    ticket = fresh(ticket)
    added = ticket.messages[-1]
    assert len(ticket.messages) == 2 and "Lyon" in added.body_text
    assert added.intake_id == item_id and "same outage" in added.threaded_by
    assert (item(item_id).state, item(item_id).ticket_id) == ("threaded", ticket.id)
    [event] = item_events(item_id, "intake_attached")
    assert (event.actor, event.ticket_id, event.detail["reason"]) == (
        agent.email, ticket.id, "same outage")
    page = logged_in.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert f"Threaded by attached by {agent.email}: same outage" in page


# --- discard --------------------------------------------------------------------------

def test_discard_keeps_the_reason_and_the_raw(logged_in, agent):
    raw = mail("Spam", "Buy cheap watches")
    item_id = quarantined(raw)
    response = logged_in.post(f"/intake/{item_id}/discard", data={"reason": "spam"},
                              follow_redirects=True)
    assert f"Intake #{item_id} discarded." in response.get_data(as_text=True)
    row = item(item_id)
    assert row.state == "discarded" and row.outcome.startswith(f"discarded by {agent.email}: spam")
    assert row.raw == raw
    [event] = item_events(item_id, "intake_discarded")
    assert (event.actor, event.detail["reason"]) == (agent.email, "spam")
    assert "discarded by" in logged_in.get("/intake?state=discarded").get_data(as_text=True)


def test_unknown_hand_action_is_404(logged_in):
    item_id = quarantined(mail("x", "y"))
    assert logged_in.post(f"/intake/{item_id}/explode", data={"reason": "r"}).status_code == 404


# --- mailbox health -------------------------------------------------------------------

@pytest.fixture
def mailboxes(app):
    """Seed mailbox_status rows (PostgreSQL keeps this table between tests: clean it)."""
    def seed(**rows):
        for name, fields in rows.items():
            db.session.add(MailboxStatus(mailbox=name, **fields))
        db.session.commit()

    db.session.execute(delete(MailboxStatus))
    db.session.commit()
    yield seed
    db.session.rollback()
    db.session.execute(delete(MailboxStatus))
    db.session.commit()


def healthy(**extra) -> dict:
    now = utcnow()
    return {"last_poll_at": now, "last_success_at": now - timedelta(seconds=20),
            "consecutive_failures": 0, "stored_total": 12, "backlog": 0, **extra}


def test_healthz_reads_the_table_and_is_ok_when_all_poll(client, mailboxes):
    mailboxes(**{"imaps://support@imap.example.org/INBOX": healthy()})
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    [box] = body["mailboxes"]
    assert box["mailbox"] == "imaps://support@imap.example.org/INBOX"
    assert (box["status"], box["stored_total"], box["consecutive_failures"]) == ("ok", 12, 0)
    assert box["last_success"].endswith("Z") and box["problem"] is None


@pytest.mark.parametrize(("fields", "problem"), [
    ({"consecutive_failures": 2, "last_error": "LoginError: bad password"},
     "2 failed poll(s) in a row: LoginError: bad password"),
    ({"last_success_at": timedelta(minutes=11)}, "no successful poll for 11"),
    ({"last_success_at": None}, "never polled successfully"),
])
def test_healthz_is_degraded_when_a_mailbox_fails_or_goes_quiet(client, mailboxes, fields,
                                                                  problem):
    if isinstance(fields.get("last_success_at"), timedelta):  # how long ago, from now
        fields = {"last_success_at": utcnow() - fields["last_success_at"]}
    mailboxes(**{"imap://a/INBOX": healthy(), "imap://b/INBOX": healthy(**fields)})
    response = client.get("/healthz")
    assert response.status_code == 200  # the web process itself is fine
    body = response.get_json()
    assert body["status"] == "degraded"
    ok, bad = body["mailboxes"]
    assert ok["status"] == "ok" and bad["status"] == "degraded"
    assert bad["problem"].startswith(problem)


def test_intake_page_shows_mailbox_health(logged_in, mailboxes):
    waiting = utcnow() - timedelta(minutes=7)
    mailboxes(**{"imap://good/INBOX": healthy(backlog=3, oldest_waiting_at=waiting),
                 "imap://bad/INBOX": healthy(consecutive_failures=4,
                                             last_error="OSError: connection refused",
                                             last_error_at=utcnow())})
    html = logged_in.get("/intake").get_data(as_text=True)
    assert "imap://good/INBOX" in html and "imap://bad/INBOX" in html
    assert 'class="card mailbox ok"' in html and 'class="card mailbox degraded"' in html
    assert "3, oldest waiting 7 min" in html
    assert "4 failed poll(s) in a row: OSError: connection refused" in html
