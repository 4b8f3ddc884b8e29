"""Self-service and communication pages: KB suggestions, major incidents, templates, people."""

from __future__ import annotations

from sqlalchemy import select

from app import mail_templates, notify
from app.extensions import db
from app.models import KbArticle, MailTemplate, OutboxMail, Service, Subscription
from tests.web_helpers import fresh, outage


def vpn() -> Service:
    return db.session.scalar(select(Service).where(Service.name == "VPN"))


def test_suggestions_match_words_and_prefer_the_service(logged_in):
    for title, keywords, service in (("Reset your VPN client", "anyconnect, disconnects", vpn()),
                                     ("Printer shows offline", "printer, offline", None),
                                     ("Draft about VPN", "vpn", None)):
        logged_in.post("/kb/new", data={"title": title, "keywords": keywords,
                                        "service": str(service.id) if service else "",
                                        "body": f"{title}: step one, step two.",
                                        "published": "y" if "Draft" not in title else ""})
    assert db.session.scalar(select(db.func.count(KbArticle.id))) == 3
    found = logged_in.get("/report/suggest", query_string={
        "q": "my vpn disconnects all the time", "service": "VPN"}).get_json()
    assert [a["title"] for a in found["articles"]] == ["Reset your VPN client"]
    assert found["major"] == [] and found["service"] == "VPN"
    article = logged_in.get(found["articles"][0]["url"])
    assert b"step one" in article.data
    assert logged_in.get("/report/suggest", query_string={"q": "x"}).get_json()["articles"] == []
    draft = db.session.scalar(select(KbArticle).where(KbArticle.published.is_(False)))
    assert logged_in.get(f"/kb/{draft.id}").status_code == 404


def test_open_major_incident_is_offered_and_the_reporter_can_follow_it(app, client):
    ticket = outage()
    ticket.service = vpn()
    notify.major_update(ticket, "We know about the VPN outage.")
    db.session.commit()
    found = client.get("/report/suggest", query_string={"q": "", "service": "VPN"}).get_json()
    assert [m["ref"] for m in found["major"]] == [ticket.ref]
    answer = client.post("/report/subscribe", data={"email": "Kim@Example.com", "name": "Kim",
                                                     "service": "VPN"})
    assert answer.get_json()["ok"] is True
    assert db.session.scalar(select(Subscription.email)) == "kim@example.com"
    again = client.post("/report/subscribe", data={"email": "kim@example.com", "service": "VPN"})
    assert "already" in again.get_json()["message"]
    bad = client.post("/report/subscribe", data={"email": "nope", "service": "VPN"})
    assert bad.status_code == 400 and bad.get_json()["ok"] is False
    ticket = fresh(ticket)
    ticket.status = "resolved"
    db.session.commit()
    assert client.get("/report/suggest?service=VPN").get_json()["major"] == []


def test_admin_overrides_a_template_with_preview_and_resets_it(app, logged_in):
    page = logged_in.get("/admin/mail-templates/resolved")
    assert b"we have resolved" in page.data
    draft = {"subject": "Fixed: {{ ticket.subject }}",
             "body_text": "Done: {{ note }}\n{% include '_footer.txt' %}",
             "body_html": "<p>Done: {{ note }}</p>", "action": "preview"}
    preview = logged_in.post("/admin/mail-templates/resolved", data=draft)
    assert b"Fixed: VPN drops every few minutes" in preview.data
    assert b"Done: The VPN gateway was restarted" in preview.data
    assert db.session.scalar(select(MailTemplate.id)) is None  # a preview saves nothing
    logged_in.post("/admin/mail-templates/resolved", data={**draft, "action": "save"})
    ticket = outage()
    [mail] = notify.resolved(ticket, "Cable replaced.")
    assert mail.subject == f"[{ticket.ref}] Fixed: VPN is down"
    assert mail.body_text.startswith("Done: Cable replaced.") and "/portal/" in mail.body_text
    logged_in.post("/admin/mail-templates/resolved/reset")
    assert "we have resolved" in notify.resolved(ticket)[0].body_text


def test_the_sandbox_refuses_code_and_a_broken_override_falls_back_to_the_file(app, logged_in):
    evil = {"subject": "x", "body_html": "<p>x</p>", "action": "save",
            "body_text": "{{ ticket.__class__.__mro__[1].__subclasses__() }}"}
    page = logged_in.post("/admin/mail-templates/closed", data=evil)
    assert b"SecurityError" in page.data and b"template-error" in page.data
    assert mail_templates.override("closed") is None  # not saved
    db.session.add(MailTemplate(name="closed", subject="x", body_text="{{ nope.missing }}",
                                body_html="x"))
    db.session.commit()
    ticket = outage()
    [mail] = notify.closed(ticket)
    assert "is now closed" in mail.body_text  # the file, and the failure is on record
    assert logged_in.get("/admin/mail-templates/nope").status_code == 404


def test_agents_add_and_remove_watchers_who_then_get_updates(app, logged_in):
    ticket = outage()
    logged_in.post(f"/tickets/{ticket.ref}/watchers", data={"email": "lee@example.com"})
    ticket = fresh(ticket)
    assert [w.email for w in ticket.watchers] == ["lee@example.com"]
    [mail] = notify.status_changed(ticket, "new", "in_progress")
    assert mail.cc == ["lee@example.com"]
    page = logged_in.get(f"/tickets/{ticket.ref}")
    assert b"lee@example.com" in page.data
    logged_in.post(f"/tickets/{ticket.ref}/watchers/{ticket.watchers[0].id}/remove")
    assert fresh(ticket).watchers == []
    assert b"valid email" in logged_in.post(f"/tickets/{ticket.ref}/watchers",
                                            data={"email": "bad"}, follow_redirects=True).data


def test_agents_manage_stakeholders_per_service(app, logged_in):
    service = vpn()
    logged_in.post(f"/stakeholders?service={service.id}", data={"email": "cio@example.com"})
    page = logged_in.get(f"/stakeholders?service={service.id}")
    assert b"cio@example.com" in page.data
    sub = db.session.scalar(select(Subscription))
    logged_in.post(f"/stakeholders/{sub.id}/remove")
    assert db.session.scalar(select(Subscription)) is None
    assert db.session.scalar(select(OutboxMail)) is None
