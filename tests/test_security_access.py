"""Who may do what: a walk over every route in app.url_map for the public, an agent,
an auditor and an admin (and the API's read and write tokens), plus CSRF on every form.

A route missing from ACCESS fails the walk: classify it when you add it.
"""

from __future__ import annotations

import re

import pytest
from flask import g
from werkzeug.routing import Rule

from app.accounts import create_agent, create_token, revoke_token
from app.store import store_raw
from tests.web_helpers import PASSWORD, login, mail, outage

PUBLIC, AGENT, ADMIN, API = "public", "agent", "admin", "api"
ACCESS = {
    "static": PUBLIC, "auth.login": PUBLIC, "auth.logout": AGENT, "api.healthz": PUBLIC,
    "report.report": PUBLIC, "report.done": PUBLIC,
    "selfservice.article": PUBLIC, "selfservice.subscribe": PUBLIC,
    "selfservice.suggestions": PUBLIC, "stakeholders.unsubscribe_link": PUBLIC,
    "portal.page": PUBLIC, "portal.reply": PUBLIC, "portal.confirm": PUBLIC,
    "portal.reopen": PUBLIC,
    **{f"dashboard.{e}": AGENT for e in (
        "attachment", "declare_candidate", "handover", "inline_image", "intake",
        "intake_action", "intake_item", "intake_raw", "major_board", "outbox", "outbox_mail",
        "outbox_retry", "queue", "replay_many", "reprocess", "review", "review_decide",
        "ticket", "ticket_action", "workflow_action", "reports", "reports_csv",
        "reports_json")},
    **{f"comms.{e}": AGENT for e in (
        "add_watcher", "kb", "kb_edit", "remove_watcher", "stakeholder_list",
        "stakeholder_remove")},
    **{f"comms.{e}": ADMIN for e in (
        "mail_template_edit", "mail_template_reset", "mail_templates_list")},
    **{f"admin.{e}": ADMIN for e in ("agents", "services", "teams", "workflow_settings_page")},
    "tokens.tokens": ADMIN, "tokens.revoke": ADMIN,
    "dashboard.evidence_zip": ADMIN,  # admins and auditors (the evidence export)
    **{f"api.{e}": API for e in (
        "classifier_stats", "intake", "outbox", "patch_ticket", "post_message",
        "post_transition", "ticket", "tickets")},
}
CSRF_EXEMPT = {"stakeholders.unsubscribe_link"}  # RFC 8058 one-click unsubscribe: no form
SAFE = {"GET", "HEAD", "OPTIONS"}


def _url(rule: Rule, ref: str) -> str:
    values = dict(rule.defaults or {})
    for arg in rule.arguments - values.keys():
        converter = rule._converters[arg].__class__.__name__
        values[arg] = (1 if converter in ("IdConverter", "IntegerConverter") else
                       ref if arg == "ref" else "style.css" if arg == "filename" else
                       "acknowledgement" if arg == "name" else "x")
    return rule.build(values, append_unknown=False)[1]


def _calls(app, ref: str):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, _url(rule, ref)


def _fresh_user() -> None:
    """Forget the loaded user: the fixture's app context (and its `g`) spans all requests."""
    g.pop("_login_user", None)


def _client(app, email: str | None):
    client = app.test_client()
    _fresh_user()
    if email:
        assert login(client, email).status_code == 302
    return client


@pytest.fixture
def people(app, agent):
    create_agent("bo@example.org", PASSWORD, role="agent")
    create_agent("audrey@example.org", PASSWORD, role="auditor")
    ticket = outage()
    store_raw("smtp", mail("second", "another"))
    return ticket


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def test_every_route_is_classified(app):
    missing = sorted({r.endpoint for r in app.url_map.iter_rules()} - ACCESS.keys())
    assert not missing, f"classify these routes in ACCESS ({__file__}): {missing}"


def test_walk_every_route_as_public_agent_auditor_and_admin(app, people):
    emails = {"agent": "bo@example.org", "auditor": "audrey@example.org",
              "admin": "agent@example.org"}
    clients = {"public": _client(app, None),
               **{role: _client(app, email) for role, email in emails.items()}}
    problems = []
    for endpoint, method, url in _calls(app, people.ref):
        kind = ACCESS.get(endpoint)
        if kind is None or kind == API:
            continue
        for role, client in clients.items():
            _fresh_user()
            response = client.open(url, method=method, data={})
            response.close()
            code = response.status_code
            denied = code in (401, 403) or (
                _is_login_redirect(response) and (endpoint != "auth.logout" or role == "public"))
            should_deny = (
                (kind != PUBLIC and role == "public")
                or (kind == ADMIN and role == "agent")
                or (kind != PUBLIC and role == "auditor" and method not in SAFE
                    and endpoint != "auth.logout"))
            # A public route may still refuse a bogus token (the portal): judge only 5xx there.
            if (kind != PUBLIC and denied != should_deny) or code >= 500:
                problems.append(f"{role} {method} {url} ({endpoint}, {kind}) -> {code}")
            if endpoint == "auth.logout" and role in emails:
                _fresh_user()
                assert login(client, emails[role]).status_code == 302
    assert not problems, "\n".join(problems)


def test_walk_every_api_route_with_and_without_tokens(app, people):
    tokens = {"none": "", "read": create_token("agent@example.org", "read"),
              "write": create_token("agent@example.org", "write"),
              "auditor": create_token("audrey@example.org", "read")}
    client, problems = app.test_client(), []
    for endpoint, method, url in _calls(app, people.ref):
        if ACCESS.get(endpoint) != API:
            continue
        for name, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            code = client.open(url, method=method, headers=headers, json={}).status_code
            expected_denial = (401 if name == "none" else
                               403 if method not in SAFE and name != "write" else None)
            if (code == expected_denial) if expected_denial else (code in (401, 403)):
                continue
            if expected_denial or code >= 500:
                problems.append(f"{name} {method} {url} -> {code}")
    assert not problems, "\n".join(problems)


def test_an_auditor_cannot_get_a_write_token_and_revoked_tokens_stop(app, people):
    from app.accounts import AccountError

    with pytest.raises(AccountError):
        create_token("audrey@example.org", "write")
    token = create_token("agent@example.org", "read")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    from sqlalchemy import select

    from app.extensions import db
    from app.models import ApiToken

    row = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    revoke_token(row.id, actor="test")
    assert client.get("/api/v1/tickets", headers=headers).status_code == 401


def test_every_state_changing_form_needs_a_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        create_agent("agent@example.org", PASSWORD, role="admin")
        ticket = outage()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post("/login", data={"email": "agent@example.org", "password": PASSWORD,
                                           "csrf_token": token}).status_code == 302
        unprotected = []
        for endpoint, method, url in _calls(app, ticket.ref):
            if method in SAFE or ACCESS.get(endpoint) == API or endpoint in CSRF_EXEMPT:
                continue
            code = client.open(url, method=method, data={"x": "1"}).status_code
            if code != 400:
                unprotected.append(f"{method} {url} ({endpoint}) -> {code}")
        assert not unprotected, "\n".join(unprotected)
