"""The public report form: same pipeline as mail, reference shown, answers feed priority."""

from __future__ import annotations

import io
import json
import re
import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import IntakeItem, OutboxMail, Ticket

FIELDS = ("name", "email", "service", "summary", "description", "affected", "can_work",
          "attachment")


def answers(**extra) -> dict:
    data = {"nonce": uuid.uuid4().hex,
            "name": "Robin Reporter", "email": "Robin@Example.com", "service": "VPN",
            "summary": "Cannot connect", "description": "The client says the tunnel failed.",
            "affected": "just_me", "can_work": "yes"}
    data.update(extra)
    return data


def submit(client, **extra):
    return client.post("/report", data=answers(**extra), content_type="multipart/form-data",
                       follow_redirects=True)


def only_ticket() -> Ticket:
    return db.session.scalars(select(Ticket)).one()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_form_has_the_named_fields(client):
    html = client.get("/report").get_data(as_text=True)
    for name in FIELDS:
        assert f'name="{name}"' in html, name
    assert 'enctype="multipart/form-data"' in html
    for value in ("just_me", "my_team", "whole_site", "everyone", "yes", "degraded", "no"):
        assert f'value="{value}"' in html
    assert '<option value="VPN">VPN</option>' in html  # the seeded catalogue


def test_submit_shows_the_reference(client):
    response = submit(client)
    assert response.status_code == 200
    ticket = only_ticket()
    assert ticket.ref.startswith(("INC-", "REQ-"))
    html = response.get_data(as_text=True)
    assert f'id="ticket-ref">{ticket.ref}<' in html
    assert ticket.subject == "Cannot connect"
    assert (ticket.reporter_name, ticket.reporter_email) == ("Robin Reporter",
                                                             "robin@example.com")
    assert ticket.service.name == "VPN"
    item = db.session.scalars(select(IntakeItem)).one()
    assert (item.source, item.state, item.ticket_id) == ("form", "ticketed", ticket.id)


@pytest.mark.parametrize(("affected", "can_work", "impact", "urgency", "priority"), [
    ("everyone", "no", 1, 1, "P1"),
    ("whole_site", "degraded", 1, 2, "P2"),
    ("my_team", "no", 2, 1, "P2"),
    ("just_me", "yes", 3, 3, "P5"),
])
def test_answers_feed_impact_and_urgency(client, affected, can_work, impact, urgency,
                                         priority):
    submit(client, affected=affected, can_work=can_work)
    ticket = only_ticket()
    assert (ticket.impact, ticket.urgency, ticket.priority) == (impact, urgency, priority)


def test_attachment_is_stored_on_the_first_message(client):
    content = b"%PDF-1.4 screenshot of the error"
    data = answers(attachment=(io.BytesIO(content), "error.pdf", "application/pdf"))
    response = client.post("/report", data=data, content_type="multipart/form-data",
                           follow_redirects=True)
    assert response.status_code == 200
    first = only_ticket().messages[0]
    assert [(a.filename, a.content, a.size) for a in first.attachments] == [
        ("error.pdf", content, len(content))]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "This field is required"),
    ("email", "", "This field is required"),
    ("email", "not-an-address", "email address"),
    ("email", "a@b", "email address"),
    ("email", "a b@example.com", "email address"),
    ("summary", "", "This field is required"),
    ("summary", "x" * 201, "200 characters"),
    ("description", "  ", "This field is required"),
    ("affected", "the_universe", "Not a valid choice"),
    ("can_work", "maybe", "Not a valid choice"),
    ("service", "Not in the catalogue", "Not a valid choice"),
])
def test_validation_errors_are_field_errors_and_store_nothing(client, field, value, message):
    response = submit(client, **{field: value})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    block = re.search(rf'<div class="field[^"]*has-error">(?:(?!</div>).)*name="{field}"',
                      html, re.S)
    assert block, f"{field} is not marked as an error"
    assert message in html
    assert count(IntakeItem) == 0 and count(Ticket) == 0
    assert 'value="Robin Reporter"' in html or field == "name"  # answers are kept


def test_acknowledgement_in_the_outbox(client):
    submit(client)
    ticket = only_ticket()
    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.template == "acknowledgement" and mail.ticket_id == ticket.id
    assert mail.to == ["robin@example.com"]
    assert ticket.ref in mail.subject and ticket.ref in mail.body_text


def test_done_page_without_a_report(client):
    html = client.get("/report/done").get_data(as_text=True)
    assert "Nothing submitted yet" in html


def test_service_unknown_is_allowed(client):
    response = submit(client, service="")
    assert response.status_code == 200
    assert only_ticket().ref in response.get_data(as_text=True)


def test_too_large_upload_gets_a_readable_page(app_factory):
    app = app_factory(MAX_MESSAGE_BYTES=1000)
    with app.app_context():
        # Announce a body over the limit; the server must refuse it before reading it.
        too_big = str(app.config["MAX_CONTENT_LENGTH"] + 1)
        response = app.test_client().post(
            "/report", data=b"--x--\r\n", content_type="multipart/form-data; boundary=x",
            environ_overrides={"CONTENT_LENGTH": too_big})
        assert response.status_code == 413
        assert "too large" in response.get_data(as_text=True)
        assert count(IntakeItem) == 0


def nonce_in(html: str) -> str:
    return re.search(r'name="nonce" type="hidden" value="([0-9a-f]{32})"', html).group(1)


def test_each_page_load_carries_a_fresh_nonce(client):
    first, second = (nonce_in(client.get("/report").get_data(as_text=True)) for _ in "ab")
    assert first != second


def test_sending_the_same_page_twice_makes_one_ticket(client):
    nonce = nonce_in(client.get("/report").get_data(as_text=True))
    pages = [submit(client, nonce=nonce).get_data(as_text=True) for _ in range(2)]
    ticket = only_ticket()
    assert all(f'id="ticket-ref">{ticket.ref}<' in html for html in pages)
    assert count(IntakeItem) == 1 and count(OutboxMail) == 1
    raw = db.session.scalars(select(IntakeItem.raw)).one()
    assert nonce in raw.decode()
    submit(client)  # another page load is another report
    assert count(Ticket) == 2


@pytest.mark.parametrize("nonce", [None, "", "x" * 32, "A" * 32, "0" * 31, "0" * 33])
def test_missing_or_forged_nonce_stores_nothing(client, nonce):
    data = answers()
    if nonce is None:
        del data["nonce"]
    else:
        data["nonce"] = nonce
    response = client.post("/report", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "too old to send" in html
    assert nonce_in(html) != nonce  # a fresh one to send again with
    assert count(IntakeItem) == 0


@pytest.mark.parametrize(("sent", "kept"), [("../../etc/cron.d/x", "x"),
                                            ("..\\..\\win.ini", "win.ini")])
def test_upload_names_lose_their_path(client, sent, kept):
    data = answers(attachment=(io.BytesIO(b"content"), sent, "application/octet-stream"))
    client.post("/report", data=data, content_type="multipart/form-data")
    [attachment] = only_ticket().messages[0].attachments
    assert attachment.filename == kept
    stored = json.loads(db.session.scalars(select(IntakeItem.raw)).one())
    assert stored["attachment"]["filename"] == kept  # the raw item never had the path
