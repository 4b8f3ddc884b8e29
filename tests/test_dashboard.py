"""The agents' dashboard through Flask's test client, on the real app and database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.models import Agent, IntakeItem, Service
from app.store import store_raw
from tests.web_helpers import (
    PASSWORD,
    events,
    fresh,
    ingest,
    laptop_request,
    login,
    mail,
    outage,
    outbox,
    plain_agent,
    vague,
)
from tests.workflow_helpers import RESOLUTION, close

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PAGES = ["/", "/?view=review", "/intake", "/outbox", "/admin/services", "/admin/agents"]


def refs(response) -> set[str]:
    """The ticket references linked from a queue page."""
    return set(re.findall(r'href="/tickets/((?:INC|REQ)-\d+)"', response.get_data(as_text=True)))


# --- log-in ---------------------------------------------------------------------------

def test_login_and_logout(client, agent):
    page = client.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)
    response = login(client, agent.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client, agent):
    response = login(client, agent.email, "not the password")
    assert response.status_code == 200
    assert "Unknown email or wrong password" in response.get_data(as_text=True)
    assert client.get("/").headers["Location"].startswith("/login")


def test_login_returns_to_the_page_asked_for_but_never_off_site(client, agent):
    asked = client.get("/outbox")
    assert asked.status_code == 302 and "next=" in asked.headers["Location"]
    back = client.post(asked.headers["Location"],
                       data={"email": agent.email, "password": PASSWORD})
    assert back.headers["Location"] == "/outbox"
    client.post("/logout")
    for target in ("https://evil.example", "//evil.example", "/\\evil.example", "/\t/evil"):
        response = client.post("/login", query_string={"next": target},
                               data={"email": agent.email, "password": PASSWORD})
        assert response.headers["Location"] == "/", target
        client.post("/logout")


@pytest.mark.parametrize("path", PAGES + ["/tickets/INC-000001", "/attachments/1",
                                          "/outbox/1", "/intake/1/raw"])
def test_every_page_needs_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_posts_need_login_too(client, agent):
    ticket = outage()
    for action in ("cls", "assign", "status", "reply"):
        response = client.post(f"/tickets/{ticket.ref}/{action}", data={"body": "x"})
        assert response.headers["Location"].startswith("/login")
    assert client.post("/intake/1/reprocess").headers["Location"].startswith("/login")
    assert len(events(ticket, "public_reply")) == 0


# --- queue ----------------------------------------------------------------------------

def test_queue_filters(logged_in, agent):
    inc, req, unsure = outage(), laptop_request(), vague()
    assert not inc.needs_review and not req.needs_review and unsure.needs_review
    all_refs = {inc.ref, req.ref, unsure.ref}
    assert refs(logged_in.get("/")) == all_refs
    assert refs(logged_in.get("/?view=review")) == {unsure.ref}
    assert refs(logged_in.get("/?kind=incident")) == {inc.ref}
    assert refs(logged_in.get("/?kind=service_request")) == {req.ref, unsure.ref}
    assert refs(logged_in.get("/?priority=P1")) == {inc.ref}
    assert refs(logged_in.get("/?priority=P5")) == {req.ref, unsure.ref}
    assert refs(logged_in.get("/?view=mine")) == set()

    logged_in.post(f"/tickets/{inc.ref}/assign", data={"assignee": str(agent.id)})
    assert refs(logged_in.get("/?view=mine")) == {inc.ref}
    assert refs(logged_in.get("/?view=unassigned")) == {req.ref, unsure.ref}
    assert refs(logged_in.get("/?status=assigned")) == {inc.ref}
    assert refs(logged_in.get("/?status=new")) == {req.ref, unsure.ref}
    assert refs(logged_in.get("/?view=mine&kind=service_request")) == set()


def test_queue_survives_odd_parameters(logged_in):
    outage()
    for query in ("page=abc", "page=-3", "page=99999999999", "kind=nonsense", "view=?"):
        assert logged_in.get(f"/?{query}").status_code == 200, query


# --- ticket page ----------------------------------------------------------------------

def test_ticket_page_shows_thread_fields_and_reasons(logged_in):
    ticket = outage(cc="Boss <boss@example.com>")
    html = logged_in.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert ticket.ref in html and "VPN is down" in html
    assert "nobody can work" in html  # the thread
    assert "pat@example.com" in html and "boss@example.com" in html  # reporter, watcher
    assert "P1 Critical" in html and "VPN" in html and "Network" in html
    for reason in ticket.reasons:  # every classifier reason, escaped like the page does
        assert reason.replace("'", "&#39;") in html
    assert "ticket opened" in html  # the audit trail


def test_unknown_ticket_is_404(logged_in):
    for ref in ("INC-000099", "nonsense", "99999999999999", "REQ-999999999"):
        assert logged_in.get(f"/tickets/{ref}").status_code == 404, ref


ITIL_MATRIX = {
    (1, 1): "P1", (1, 2): "P2", (2, 1): "P2", (1, 3): "P3", (2, 2): "P3", (3, 1): "P3",
    (2, 3): "P4", (3, 2): "P4", (3, 3): "P5",
}


def test_override_recomputes_priority_itil_matrix(logged_in, agent):
    ticket = vague()
    assert ticket.needs_review
    for (impact, urgency), priority in ITIL_MATRIX.items():
        response = logged_in.post(f"/tickets/{ticket.ref}/cls", data={
            "kind": "incident", "impact": str(impact), "urgency": str(urgency),
            "service": ""})
        assert response.status_code == 302
        ticket = fresh(ticket)
        assert (ticket.kind, ticket.impact, ticket.urgency) == ("incident", impact, urgency)
        assert ticket.priority == priority, (impact, urgency)
        assert not ticket.needs_review and ticket.ref.startswith("INC-")
        shown = logged_in.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
        assert f'class="badge pri-{priority}"' in shown


def test_override_records_who_old_and_new(logged_in, agent):
    ticket = vague()
    vpn = db.session.scalar(select(Service).where(Service.name == "VPN"))
    old_ref = ticket.ref
    logged_in.post(f"/tickets/{ticket.ref}/cls", data={
        "kind": "incident", "impact": "1", "urgency": "2", "service": str(vpn.id)})
    ticket = fresh(ticket)
    changes = {e.field: (e.old, e.new, e.actor) for e in events(ticket, "field_changed")}
    assert changes["kind"] == ("service_request", "incident", agent.email)
    assert changes["impact"] == ("3", "1", agent.email)
    assert changes["urgency"] == ("3", "2", agent.email)
    assert changes["service"] == (None, "VPN", agent.email)
    prioritised = events(ticket, "prioritised")[-1]
    assert (prioritised.old, prioritised.new, prioritised.actor) == ("P5", "P2", agent.email)
    assert events(ticket, "classification_corrected")
    # The old reference keeps working after the kind changed.
    assert logged_in.get(f"/tickets/{old_ref}").status_code == 200


def test_confirm_without_change_clears_review(logged_in, agent):
    ticket = vague()
    logged_in.post(f"/tickets/{ticket.ref}/cls", data={
        "kind": ticket.kind, "impact": "3", "urgency": "3", "service": ""})
    ticket = fresh(ticket)
    assert not ticket.needs_review and ticket.priority == "P5"
    assert events(ticket, "classification_confirmed")[0].actor == agent.email
    assert not events(ticket, "field_changed")


def test_classification_out_of_range_is_refused(logged_in):
    ticket = vague()
    response = logged_in.post(f"/tickets/{ticket.ref}/cls", data={
        "kind": "problem", "impact": "0", "urgency": "9", "service": ""},
        follow_redirects=True)
    assert "Not a valid choice" in response.get_data(as_text=True)
    ticket = fresh(ticket)
    assert ticket.needs_review and ticket.priority == "P5"


def test_assign_and_unassign(logged_in, agent):
    ticket = outage()
    response = logged_in.post(f"/tickets/{ticket.ref}/assign",
                              data={"assignee": str(agent.id)}, follow_redirects=True)
    assert "Assigned to" in response.get_data(as_text=True)
    ticket = fresh(ticket)
    assert ticket.assignee_id == agent.id and ticket.status == "assigned"
    change = [e for e in events(ticket, "field_changed") if e.field == "assignee"][0]
    assert (change.old, change.new, change.actor) == (None, agent.email, agent.email)
    # An open P1 changes hands only with a handover note (see test_workflow_assignment).
    logged_in.post(f"/tickets/{ticket.ref}/workflow/assignment",
                   data={"assignee": "", "note": "Off shift; nobody on it yet."})
    assert fresh(ticket).assignee_id is None


def test_allowed_status_transitions(logged_in, agent):
    ticket = outage()
    logged_in.post(f"/tickets/{ticket.ref}/workflow/follow_up", data={
        "area": "control", "description": "Monitor the VPN gateway", "owner": str(agent.id)})
    fields = {"on_hold": {"hold_reason": "awaiting_vendor"}, "resolved": RESOLUTION}
    for status in ("in_progress", "on_hold", "resolved", "closed"):
        logged_in.post(f"/tickets/{ticket.ref}/workflow/transition",
                       data={"status": status, **fields.get(status, {})})
        assert fresh(ticket).status == status
    moves = [(e.old, e.new) for e in events(ticket, "field_changed") if e.field == "status"]
    assert moves == [("new", "in_progress"), ("in_progress", "on_hold"),
                     ("on_hold", "resolved"), ("resolved", "closed")]
    # A closed ticket offers no further move.
    assert 'action="/tickets/INC-000001/workflow/transition"' not in logged_in.get(
        f"/tickets/{ticket.ref}").get_data(as_text=True)


def test_disallowed_status_transitions_are_refused_server_side(logged_in):
    inc, req = outage(), laptop_request()
    for ticket, bad in ((inc, "closed"), (inc, "fulfilled"), (inc, "nonsense"),
                        (req, "resolved"), (req, "fulfilled"), (req, "closed")):
        response = logged_in.post(f"/tickets/{ticket.ref}/status", data={"status": bad},
                                  follow_redirects=True)
        assert response.status_code == 200
        assert "Not a valid choice" in response.get_data(as_text=True), bad
        assert fresh(ticket).status == "new"
        assert not [e for e in events(ticket, "field_changed") if e.field == "status"]


def test_unknown_action_is_404(logged_in):
    ticket = outage()
    assert logged_in.post(f"/tickets/{ticket.ref}/delete").status_code == 404


def test_public_reply_mails_reporter_and_watchers_threaded(logged_in, agent):
    ticket = outage(cc="Boss <boss@example.com>, Ops <ops@example.com>")
    ack = outbox(ticket)
    assert [m.template for m in ack] == ["acknowledgement"]
    response = logged_in.post(f"/tickets/{ticket.ref}/reply", data={
        "visibility": "public", "body": "We are on it."}, follow_redirects=True)
    assert "Reply queued to pat@example.com" in response.get_data(as_text=True)
    mails = outbox(ticket)
    assert len(mails) == 2
    reply = mails[1]
    assert reply.template == "public_reply" and reply.to == ["pat@example.com"]
    assert sorted(reply.cc) == ["boss@example.com", "ops@example.com"]
    assert reply.in_reply_to and reply.in_reply_to in {ack[0].message_id,
                                                       ticket.messages[0].message_id}
    assert ack[0].message_id in reply.references
    assert reply.subject.startswith(f"[{ticket.ref}]")
    assert "We are on it." in reply.body_text
    assert reply.state == "captured"
    msg = fresh(ticket).messages[-1]
    assert msg.kind == "public_reply" and msg.message_id == reply.message_id
    assert events(ticket, "public_reply")[0].actor == agent.email


def test_internal_note_sends_nothing(logged_in, agent):
    ticket = outage(cc="boss@example.com")
    before = len(outbox())
    logged_in.post(f"/tickets/{ticket.ref}/reply",
                   data={"visibility": "internal", "body": "Checking the firewall."})
    assert len(outbox()) == before
    ticket = fresh(ticket)
    assert ticket.messages[-1].kind == "internal_note"
    assert "Checking the firewall." in logged_in.get(f"/tickets/{ticket.ref}").get_data(
        as_text=True)


def test_empty_reply_is_refused(logged_in):
    ticket = outage()
    before = len(outbox())
    response = logged_in.post(f"/tickets/{ticket.ref}/reply",
                              data={"visibility": "public", "body": ""}, follow_redirects=True)
    assert "This field is required" in response.get_data(as_text=True)
    assert len(outbox()) == before and len(fresh(ticket).messages) == 1


def test_attachment_downloads_never_render(logged_in):
    html = b"<script>alert(1)</script>"
    ticket = ingest(mail("Printer broken", "See attached page.",
                         attachment=("page.html", "text/html", html)))
    att = ticket.messages[0].attachments[0]
    page = logged_in.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert f'/attachments/{att.id}"' in page
    response = logged_in.get(f"/attachments/{att.id}")
    assert response.status_code == 200 and response.data == html
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert 'filename="page.html"' in response.headers["Content-Disposition"]
    assert response.mimetype == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert logged_in.get("/attachments/999").status_code == 404


def test_attachment_names_are_safe_in_the_header(logged_in):
    ticket = ingest(mail("Scan", "Scanned form attached.",
                         attachment=('Über "quoted" name.pdf', "application/pdf", b"%PDF")))
    att = ticket.messages[0].attachments[0]
    header = logged_in.get(f"/attachments/{att.id}").headers["Content-Disposition"]
    fallback = re.search(r'filename="([^"]*)"', header).group(1)
    assert fallback.isascii() and fallback.endswith("quoted_ name.pdf")
    assert "filename*=UTF-8''%C3%9Cber" in header


# --- intake and outbox ----------------------------------------------------------------

def test_intake_page_lists_items_with_state_and_error(logged_in, app):
    ticket = outage()
    bad = store_raw("smtp", b"not a mail at all")
    item = db.session.get(IntakeItem, bad.item_id)
    item.state, item.error = "quarantined", "ValueError: broken on purpose"
    db.session.commit()
    html = logged_in.get("/intake").get_data(as_text=True)
    assert "ticketed" in html and "quarantined" in html
    assert "ValueError: broken on purpose" in html
    assert f">{ticket.ref}</a>" in html
    only = logged_in.get("/intake?state=quarantined").get_data(as_text=True)
    assert "broken on purpose" in only and f">{ticket.ref}</a>" not in only
    raw = logged_in.get(f"/intake/{bad.item_id}/raw")
    assert raw.data == b"not a mail at all"
    assert raw.headers["Content-Disposition"].startswith("attachment;")


def test_reprocess_button(logged_in):
    stored = store_raw("smtp", mail("Outlook crashes", "Outlook crashes on start, urgent."))
    item = db.session.get(IntakeItem, stored.item_id)
    item.state, item.error = "quarantined", "RuntimeError: a bug since fixed"
    db.session.commit()
    page = logged_in.get("/intake").get_data(as_text=True)
    assert f'action="/intake/{stored.item_id}/reprocess"' in page
    response = logged_in.post(f"/intake/{stored.item_id}/reprocess", follow_redirects=True)
    assert f"Intake #{stored.item_id} reprocessed: ticketed" in response.get_data(as_text=True)
    db.session.expire_all()
    item = db.session.get(IntakeItem, stored.item_id)
    assert item.state == "ticketed" and item.error is None and item.ticket_id
    again = logged_in.post(f"/intake/{stored.item_id}/reprocess", follow_redirects=True)
    assert "nothing to redo" in again.get_data(as_text=True)
    missing = logged_in.post("/intake/999/reprocess", follow_redirects=True)
    assert "no intake item 999" in missing.get_data(as_text=True)


def test_outbox_pages(logged_in):
    ticket = outage()
    mail_row = outbox(ticket)[0]
    html = logged_in.get("/outbox").get_data(as_text=True)
    assert f"[{ticket.ref}] VPN is down" in html and "pat@example.com" in html
    detail = logged_in.get(f"/outbox/{mail_row.id}").get_data(as_text=True)
    assert mail_row.message_id in detail and ticket.ref in detail
    assert logged_in.get("/outbox/999").status_code == 404


# --- admin ----------------------------------------------------------------------------

def test_admin_adds_and_edits_service_aliases(logged_in, agent):
    logged_in.post("/admin/services", data={"name": "Payroll", "aliases": "salary, payslip",
                                            "active": "y"})
    service = db.session.scalar(select(Service).where(Service.name == "Payroll"))
    assert service.aliases == "salary, payslip" and service.active
    logged_in.post("/admin/services", data={"name": "Payroll", "aliases": "salary, wages",
                                            "active": "y"})
    db.session.expire_all()
    assert db.session.scalar(select(Service).where(Service.name == "Payroll")).aliases == (
        "salary, wages")
    page = logged_in.get("/admin/services").get_data(as_text=True)
    assert "salary, wages" in page and 'href="/admin/services?edit=Payroll' in page
    prefilled = logged_in.get("/admin/services?edit=Payroll").get_data(as_text=True)
    assert 'value="salary, wages"' in prefilled and 'value="Payroll"' in prefilled
    # The new service is offered on the public form and on the ticket page.
    assert ">Payroll</option>" in logged_in.get("/report").get_data(as_text=True)


def test_admin_creates_agent_who_can_log_in(logged_in, client):
    response = logged_in.post("/admin/agents", data={
        "email": "New.Agent@example.org", "name": "New Agent", "password": "long enough pw",
        "role": "agent"}, follow_redirects=True)
    assert "created" in response.get_data(as_text=True)
    created = db.session.scalar(select(Agent).where(Agent.email == "new.agent@example.org"))
    assert created is not None and created.role == "agent"
    duplicate = logged_in.post("/admin/agents", data={
        "email": "new.agent@example.org", "password": "long enough pw", "role": "agent"})
    assert "already exists" in duplicate.get_data(as_text=True)
    short = logged_in.post("/admin/agents", data={
        "email": "x@example.org", "password": "short", "role": "agent"})
    assert "at least 8" in short.get_data(as_text=True)
    logged_in.post("/logout")
    assert login(client, "new.agent@example.org", "long enough pw").status_code == 302


def test_non_admin_gets_403_on_admin_pages(client, app):
    plain_agent()
    login(client, "bo@example.org")
    assert client.get("/").status_code == 200
    for path in ("/admin/services", "/admin/agents"):
        assert client.get(path).status_code == 403
        assert client.post(path, data={"name": "X", "email": "x@example.org",
                                       "password": "long enough pw"}).status_code == 403
    assert db.session.scalar(select(Service).where(Service.name == "X")) is None
    nav = client.get("/").get_data(as_text=True)
    assert "/admin/agents" not in nav


# --- CSRF and CSP ---------------------------------------------------------------------

def test_csrf_refuses_posts_without_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from app.accounts import create_agent

        create_agent("agent@example.org", PASSWORD, role="admin")
        client = app.test_client()
        refused = client.post("/login", data={"email": "agent@example.org",
                                              "password": PASSWORD})
        assert refused.status_code == 400
        assert "could not be accepted" in refused.get_data(as_text=True)
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        ok = client.post("/login", data={"email": "agent@example.org", "password": PASSWORD,
                                         "csrf_token": token})
        assert ok.status_code == 302
        # Logged in, a ticket change without the token is still refused.
        ticket = outage()
        response = client.post(f"/tickets/{ticket.ref}/reply",
                               data={"visibility": "internal", "body": "no token"})
        assert response.status_code == 400
        assert len(fresh(ticket).messages) == 1
        assert client.post("/report", data={"name": "x"}).status_code == 400
        assert client.post("/logout").status_code == 400


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on*= handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_have_no_inline_script_or_style(template):
    text = (TEMPLATES / template).read_text()
    for pattern, what in INLINE:
        assert not pattern.search(text), f"{template} has an {what}"


def test_responses_carry_the_csp(logged_in):
    ticket = outage()
    for path in [*PAGES, f"/tickets/{ticket.ref}", "/report", "/login", "/healthz",
                 "/static/style.css"]:
        response = logged_in.get(path)
        response.close()  # the static file is streamed from an open file
        csp = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- error pages and odd ids ----------------------------------------------------------

HUGE = "99999999999999999999"


@pytest.mark.parametrize("path", [f"/outbox/{HUGE}", f"/intake/{HUGE}/raw", f"/intake/{HUGE}",
                                  f"/attachments/{HUGE}", f"/attachments/{HUGE}/image",
                                  f"/tickets/{HUGE}", "/outbox/0", "/no/such/page"])
def test_huge_or_unknown_ids_are_a_readable_404(logged_in, path):
    response = logged_in.get(path)
    assert response.status_code == 404, path
    html = response.get_data(as_text=True)
    assert "There is nothing here" in html and 'class="narrow card error-page"' in html
    assert "Back to the queue" in html


def test_huge_ids_in_posts_are_404(logged_in):
    for path in (f"/intake/{HUGE}/reprocess", f"/outbox/{HUGE}/retry", f"/intake/{HUGE}/discard"):
        assert logged_in.post(path, data={"reason": "x"}).status_code == 404, path


def test_403_is_the_error_page(client, app):
    plain_agent()
    login(client, "bo@example.org")
    response = client.get("/admin/agents")
    assert response.status_code == 403
    assert "You may not open this page" in response.get_data(as_text=True)


def test_500_is_the_error_page_and_json_under_api(app_factory):
    app = app_factory()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom():
        raise RuntimeError("deliberate")

    app.add_url_rule("/boom", view_func=boom)
    app.add_url_rule("/api/v1/boom", view_func=boom)
    with app.app_context():
        client = app.test_client()
        page = client.get("/boom")
        assert page.status_code == 500 and page.mimetype == "text/html"
        assert "Something went wrong on our side" in page.get_data(as_text=True)
        assert "deliberate" not in page.get_data(as_text=True)
        api = client.get("/api/v1/boom")
        assert api.status_code == 500 and api.is_json and "error" in api.get_json()
        missing = client.get("/api/v1/no-such-thing")
        assert missing.status_code == 404 and missing.is_json


def test_non_ascii_digits_are_not_a_ticket_number(logged_in):
    for _ in range(3):
        outage()
    assert logged_in.get("/tickets/INC-3").status_code == 200
    for ref in ("INC-\u0663", "\u0663", "INC-\uff13", "\u00b3"):
        assert logged_in.get(f"/tickets/{ref}").status_code == 404, ref


def test_csrf_refusals_are_readable_everywhere(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from app.accounts import create_agent

        create_agent("agent@example.org", PASSWORD, role="admin")
        client = app.test_client()
        for path in ("/report", "/login"):
            refused = client.post(path, data={"name": "x"})
            assert refused.status_code == 400, path
            assert "could not be accepted" in refused.get_data(as_text=True), path
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login", data={"email": "agent@example.org", "password": PASSWORD,
                                    "csrf_token": token})
        ticket = outage()
        stored = store_raw("smtp", mail("x", "y"))
        for path in (f"/tickets/{ticket.ref}/cls", f"/intake/{stored.item_id}/reprocess",
                     "/intake/replay", f"/intake/{stored.item_id}/discard", "/outbox/1/retry",
                     "/admin/services"):
            refused = client.post(path, data={"reason": "no token"})
            assert refused.status_code == 400, path
            assert "could not be accepted" in refused.get_data(as_text=True), path
        assert db.session.get(IntakeItem, stored.item_id).state == "received"


# --- queue: open by default, layout ---------------------------------------------------

def test_queue_shows_open_tickets_unless_asked(logged_in):
    done, still_open = outage(), laptop_request()
    close(done, db.session.scalar(select(Agent)))
    assert refs(logged_in.get("/")) == {still_open.ref}
    assert refs(logged_in.get("/?view=all")) == {done.ref, still_open.ref}
    assert refs(logged_in.get("/?status=closed")) == {done.ref}
    assert 'value="all"' in logged_in.get("/").get_data(as_text=True)


def test_queue_ref_does_not_wrap_and_bare_addresses_show_once(logged_in):
    ingest(mail("VPN is down", "The VPN is down for everyone, nobody can work.",
                sender="nobody@example.com"))
    html = logged_in.get("/").get_data(as_text=True)
    assert re.search(r'<td class="nowrap"><a href="/tickets/INC-000001">', html)
    assert "nobody@example.com &lt;" not in html and ">nobody@example.com</td>" in html
    css = (Path(__file__).resolve().parents[1] / "app/static/style.css").read_text()
    assert re.search(r"\.nowrap[^{]*\{[^}]*white-space: nowrap", css)
    page = logged_in.get("/tickets/INC-000001").get_data(as_text=True)
    assert "nobody@example.com &lt;nobody@example.com&gt;" not in page
    assert "<dd>nobody@example.com</dd>" in page


def test_phone_header_wraps_the_logout_form(logged_in):
    css = (Path(__file__).resolve().parents[1] / "app/static/style.css").read_text()
    phone = css[css.rindex("@media (max-width: 700px)"):]
    assert "header.top .logout" in phone and "flex-wrap: wrap" in phone


# --- ticket page: why threaded, folded quotes, inline images, follow-ups ---------------

def test_reply_shows_why_threaded_and_folds_quoted_text(logged_in):
    ticket = outage()
    ack = outbox(ticket)[0]
    ingest(mail("Re: VPN is down", "Still broken.\n\nOn Mon, 1 Jan 2024, Support wrote:\n"
                "> We are on it.\n> Regards\n", in_reply_to=ack.message_id))
    ticket = fresh(ticket)
    reply = ticket.messages[-1]
    assert reply.threaded_by and reply.full_text != reply.body_text
    html = logged_in.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert f'<p class="threaded-by">Threaded by {escape(reply.threaded_by)}</p>' in html
    assert "<pre class=\"body\">Still broken.</pre>" in html
    assert "<summary>Show quoted text</summary>" in html and "&gt; We are on it." in html
    assert html.count("<summary>Show quoted text</summary>") == 1  # not for the first message


def inline_image_mail(image_type: str = "png") -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"] = "Pat Reporter <pat@example.com>", "support@example.org"
    msg["Subject"], msg["Message-ID"] = "Error screen", f"<inline-{image_type}@example.com>"
    msg.set_content("The screen shows this error.")
    msg.add_alternative('<p>The screen shows <img src="cid:shot@example.com"></p>',
                        subtype="html")
    msg.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\nfake", maintype="image",
                                     subtype=image_type, cid="<shot@example.com>",
                                     filename=f"shot.{image_type}")
    return bytes(msg)


def test_inline_images_show_in_the_message_and_are_served_safely(logged_in):
    ticket = ingest(inline_image_mail("png"))
    att = ticket.messages[0].attachments[0]
    assert att.inline and att.content_id
    html = logged_in.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert f'<img src="/attachments/{att.id}/image"' in html
    assert '<ul class="attachments">' not in html  # not listed as a file as well
    image = logged_in.get(f"/attachments/{att.id}/image")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in image.headers["Content-Security-Policy"]


def test_inline_svg_stays_a_download(logged_in):
    ticket = ingest(inline_image_mail("svg+xml"))
    att = ticket.messages[0].attachments[0]
    html = logged_in.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "<img" not in html and f'href="/attachments/{att.id}"' in html
    assert logged_in.get(f"/attachments/{att.id}/image").status_code == 404
    plain = ingest(mail("Log", "attached", attachment=("a.png", "image/png", b"\x89PNG")))
    listed = plain.messages[0].attachments[0]
    assert not listed.inline
    assert logged_in.get(f"/attachments/{listed.id}/image").status_code == 404


def test_follow_up_link_and_confirmed_classification_label(logged_in):
    first, second = outage(), vague()
    second.follow_up_of_id = first.id
    db.session.commit()
    html = logged_in.get(f"/tickets/{second.ref}").get_data(as_text=True)
    assert f'Follow-up of <a href="/tickets/{first.ref}">{first.ref}</a>' in html
    assert "At intake the classifier said:" not in html
    logged_in.post(f"/tickets/{second.ref}/cls", data={
        "kind": "incident", "impact": "2", "urgency": "2", "service": ""})
    html = logged_in.get(f"/tickets/{fresh(second).ref}").get_data(as_text=True)
    assert "At intake the classifier said:" in html


# --- outbox: monospace body, retry ----------------------------------------------------

def test_outbox_body_is_monospace(logged_in):
    mail_row = outbox(outage())[0]
    html = logged_in.get(f"/outbox/{mail_row.id}").get_data(as_text=True)
    assert '<pre class="body mono">' in html
    css = (Path(__file__).resolve().parents[1] / "app/static/style.css").read_text()
    assert re.search(r"pre\.mono \{[^}]*font-family: ui-monospace", css)


def test_retry_dead_mail_queues_and_sends_it_again(logged_in, app, agent):
    from tests.smtp_sink import SmtpSink

    ticket = outage()
    mail_row = outbox(ticket)[0]
    captured = logged_in.post(f"/outbox/{mail_row.id}/retry", follow_redirects=True)
    assert "only dead or failed mail can be retried" in captured.get_data(as_text=True)
    mail_row.state, mail_row.attempts, mail_row.last_error = "dead", 3, "OSError: refused"
    db.session.commit()
    assert f'action="/outbox/{mail_row.id}/retry"' in logged_in.get("/outbox").get_data(
        as_text=True)
    with SmtpSink() as sink:
        app.config["OUTBOUND_SMTP"] = sink.address
        response = logged_in.post(f"/outbox/{mail_row.id}/retry", follow_redirects=True)
    assert f"Mail #{mail_row.id} queued again." in response.get_data(as_text=True)
    db.session.expire_all()
    mail_row = outbox(ticket)[0]
    assert (mail_row.state, mail_row.attempts, mail_row.last_error) == ("sent", 1, None)
    assert [rcpts for rcpts, _ in sink.handler.messages] == [["pat@example.com"]]
    [retry] = events(ticket, "mail_retry")
    assert (retry.actor, retry.old, retry.new) == (agent.email, "dead", "queued")
