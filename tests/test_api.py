"""JSON API v1: bearer tokens, list shape and paging, ticket detail, outbox, intake, health."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.accounts import create_token
from app.extensions import db
from app.models import Agent, ApiToken, IntakeItem
from app.models.base import utcnow
from app.store import store_raw
from tests.shared_paths import case
from tests.web_helpers import fresh, ingest, laptop_request, mail, outage, vague
from tests.workflow_helpers import close


@pytest.fixture
def api(client, agent):
    """A test client that sends a valid bearer token."""
    token = create_token(agent.email)

    def get(path, **params):
        return client.get(path, query_string=params,
                          headers={"Authorization": f"Bearer {token}"})

    return get


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer nope", "Basic Zm9vOmJhcg==",
                                    "Token abc"])
def test_no_or_invalid_token_is_401(client, agent, header):
    headers = {"Authorization": header} if header is not None else {}
    for path in ("/api/v1/tickets", "/api/v1/tickets/INC-000001", "/api/v1/outbox",
                 "/api/v1/intake"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401, (path, header)
        assert response.is_json and response.headers["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_401(client, agent):
    token = create_token(agent.email)
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tickets", headers=auth).status_code == 200
    for row in db.session.scalars(db.select(ApiToken)):
        row.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/tickets", headers=auth).status_code == 401


def test_a_session_login_is_not_an_api_token(logged_in):
    assert logged_in.get("/api/v1/tickets").status_code == 401


def test_list_shape_and_ticket_fields(api):
    ticket = outage()
    body = api("/api/v1/tickets").get_json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert (body["total"], body["limit"], body["offset"]) == (1, 100, 0)
    item = body["items"][0]
    assert item["ref"] == ticket.ref == "INC-000001" and item["number"] == 1
    assert (item["kind"], item["status"], item["priority"]) == ("incident", "new", "P1")
    assert (item["impact"], item["impact_label"]) == (1, "high")
    assert (item["urgency"], item["urgency_label"]) == (1, "high")
    assert item["service"] == "VPN" and item["category"] == "Network"
    assert item["subject"] == "VPN is down"
    assert item["reporter"] == {"name": "Pat Reporter", "email": "pat@example.com"}
    assert item["needs_review"] is False and 0 < item["confidence"] <= 1
    assert item["reasons"] and all(isinstance(r, str) for r in item["reasons"])
    created = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
    assert item["created_at"].endswith("Z") and created.utcoffset().total_seconds() == 0


def test_limit_offset_and_cap(api):
    for n in range(5):
        ingest(mail(f"Printer {n} jammed", f"Printer number {n} on floor two is jammed again."))
    page = api("/api/v1/tickets", limit=2, offset=1).get_json()
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)
    assert [t["number"] for t in page["items"]] == [2, 3]
    assert api("/api/v1/tickets", limit=5000).get_json()["limit"] == 1000
    assert api("/api/v1/tickets", limit=0).get_json()["items"] == []
    assert api("/api/v1/tickets", offset=10).get_json()["items"] == []
    bad = api("/api/v1/tickets", limit="lots")
    assert bad.status_code == 400 and bad.is_json and "error" in bad.get_json()


def test_filters_kind_and_status(api, agent, logged_in):
    inc, req, unsure = outage(), laptop_request(), vague()

    def numbers(**filters):
        return [t["number"] for t in api("/api/v1/tickets", **filters).get_json()["items"]]

    assert numbers(kind="incident") == [inc.id]
    assert numbers(kind="service_request") == [req.id, unsure.id]
    logged_in.post(f"/tickets/{inc.ref}/status", data={"status": "in_progress"})
    assert numbers(status="in_progress") == [inc.id]
    assert numbers(status="new") == [req.id, unsure.id]
    assert numbers(kind="incident", status="new") == []
    assert api("/api/v1/tickets", kind="incident").get_json()["total"] == 1
    assert numbers(view="mine") == []
    logged_in.post(f"/tickets/{req.ref}/assign", data={"assignee": str(agent.id)})
    assert numbers(view="mine") == [req.id]  # the token's agent
    assert numbers(view="review") == [unsure.id]


def test_ticket_detail(api, logged_in):
    ticket = outage(cc="Boss <boss@example.com>")
    logged_in.post(f"/tickets/{ticket.ref}/reply",
                   data={"visibility": "public", "body": "Looking into it."})
    body = api(f"/api/v1/tickets/{ticket.ref}").get_json()
    assert body["ref"] == ticket.ref and "nobody can work" in body["description"]
    kinds = [m["kind"] for m in body["messages"]]
    assert kinds == ["inbound", "public_reply"]
    first = body["messages"][0]
    assert first["from"] == {"name": "Pat Reporter", "email": "pat@example.com"}
    assert first["message_id"] and first["created_at"].endswith("Z")
    assert body["watchers"] == [{"name": "Boss", "email": "boss@example.com"}]
    actions = [e["action"] for e in body["events"]]
    for action in ("ticket_opened", "classified", "prioritised", "mail_queued",
                   "public_reply"):
        assert action in actions
    assert all({"at", "actor", "action", "field", "old", "new", "detail"} <= set(e)
               for e in body["events"])


def test_ticket_detail_attachments(api):
    ticket = ingest(case("25-no-body-attachment-only.eml"))
    body = api(f"/api/v1/tickets/{ticket.ref}").get_json()
    attachments = body["messages"][0]["attachments"]
    assert attachments and {"filename", "size", "content_type"} <= set(attachments[0])


def test_ref_keeps_resolving_after_kind_change(api, logged_in):
    ticket = outage()
    assert ticket.ref == "INC-000001"
    logged_in.post(f"/tickets/{ticket.ref}/cls", data={
        "kind": "service_request", "impact": "3", "urgency": "3", "service": ""})
    assert fresh(ticket).ref == "REQ-000001"
    for ref in ("INC-000001", "REQ-000001", "inc-1", "1"):
        response = api(f"/api/v1/tickets/{ref}")
        assert response.status_code == 200, ref
        assert response.get_json()["ref"] == "REQ-000001"
        assert response.get_json()["kind"] == "service_request"


@pytest.mark.parametrize("ref", ["INC-000002", "XYZ-1", "99999999999999", "REQ-"])
def test_unknown_ref_is_json_404(api, ref):
    outage()
    response = api(f"/api/v1/tickets/{ref}")
    assert response.status_code == 404 and response.is_json


def test_outbox_items(api, logged_in):
    ticket = outage()
    logged_in.post(f"/tickets/{ticket.ref}/reply",
                   data={"visibility": "public", "body": "On it."})
    body = api("/api/v1/outbox").get_json()
    assert set(body) == {"items", "total", "limit", "offset"} and body["total"] == 2
    ack, reply = body["items"]
    for item in (ack, reply):
        assert isinstance(item["to"], list) and item["to"] == ["pat@example.com"]
        assert item["subject"].startswith(f"[{ticket.ref}]")
        assert item["message_id"].endswith("@helpdesk.example.org")
        assert item["state"] == "captured"
    assert ack["in_reply_to"] == ticket.messages[0].message_id
    assert reply["in_reply_to"] in {ack["message_id"], ticket.messages[0].message_id}
    assert api("/api/v1/outbox", limit=1, offset=1).get_json()["items"] == [reply]


def test_intake_items(api):
    ticket = outage()
    ingest(case("09-ooo-auto-submitted.eml"))
    broken = store_raw("smtp", b"\x00\x01 not mail")
    item = db.session.get(IntakeItem, broken.item_id)
    item.state, item.error = "quarantined", "ValueError: unreadable"
    db.session.commit()
    body = api("/api/v1/intake").get_json()
    assert body["total"] == 3
    first, ooo, bad = body["items"]
    for entry in body["items"]:
        assert {"id", "source", "state", "error", "ticket"} <= set(entry)
    assert (first["source"], first["state"], first["ticket"], first["error"]) == (
        "smtp", "ticketed", ticket.ref, None)
    assert ooo["state"] == "screened" and ooo["ticket"] is None
    assert (bad["state"], bad["error"]) == ("quarantined", "ValueError: unreadable")
    only = api("/api/v1/intake", state="quarantined").get_json()
    assert [i["id"] for i in only["items"]] == [bad["id"]]


def test_healthz_needs_no_token(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert isinstance(body["mailboxes"], list)


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/outbox", "/api/v1/intake"])
def test_paging_parameters_are_checked_not_crashed_on(api, path):
    outage()
    far = api(path, offset="99999999999999999999")
    assert far.status_code == 200 and far.get_json()["items"] == []
    assert api(path, offset="9" * 5000).status_code == 200  # past int()'s digit limit
    for params in ({"limit": "-1"}, {"limit": "abc"}, {"offset": "-5"}, {"limit": "1.5"},
                   {"limit": "\u0663"}):
        bad = api(path, **params)
        assert bad.status_code == 400 and bad.is_json, params
        assert "whole number" in bad.get_json()["error"], params


def test_non_ascii_digits_do_not_name_a_ticket(api):
    for _ in range(3):
        outage()
    assert api("/api/v1/tickets/INC-3").status_code == 200
    for ref in ("INC-\u0663", "\u0663", "REQ-\u0967"):
        response = api(f"/api/v1/tickets/{ref}")
        assert response.status_code == 404 and response.is_json, ref


def test_unknown_api_path_is_json_404(api):
    response = api("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json


def test_api_lists_closed_tickets_by_default(api, logged_in):
    done, other = outage(), laptop_request()
    close(done, db.session.scalar(select(Agent)))
    assert [t["number"] for t in api("/api/v1/tickets").get_json()["items"]] == [done.id,
                                                                                 other.id]
