"""Mail templates per event: files in templates/email/, optionally overridden by an admin.

Everything is rendered in Jinja's immutable sandbox from plain dictionaries (never
ORM objects), so an admin editing a template can neither run code nor reach the
database or other tickets. An override that fails to render falls back to the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape
from sqlalchemy import select

from app.extensions import db
from app.models import MailTemplate

FILES = Path(__file__).resolve().parent.parent / "templates" / "email"

# name -> (label for admins, default subject after the "[REF] " prefix)
EVENTS: dict[str, tuple[str, str]] = {
    "acknowledgement": ("Acknowledgement", "{{ ticket.subject }}"),
    "public_reply": ("Public reply", "{{ ticket.subject }}"),
    "status_change": ("Status change", "{{ ticket.subject }} is now {{ new_status }}"),
    "request_info": ("Request for information (on hold)",
                     "Information needed: {{ ticket.subject }}"),
    "resolved": ("Resolved", "Resolved: {{ ticket.subject }}"),
    "closed": ("Closed", "Closed: {{ ticket.subject }}"),
    "major_update": ("Major-incident update", "Major incident update: {{ ticket.subject }}"),
    "fulfilled": ("Request fulfilled", "Fulfilled: {{ ticket.subject }}"),
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def paragraphs(text: str) -> Markup:
    """Render plain text as HTML paragraphs, keeping the writer's line breaks."""
    paras = [p for p in str(text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("\n").join(
        Markup("<p>%s</p>") % Markup("<br>").join(escape(line) for line in p.split("\n"))
        for p in paras)


@cache
def environments() -> tuple[ImmutableSandboxedEnvironment, ImmutableSandboxedEnvironment]:
    """Return the (text, HTML) sandboxes; the HTML one escapes every value."""
    made = []
    for autoescape in (False, True):
        env = ImmutableSandboxedEnvironment(loader=FileSystemLoader(str(FILES)),
                                            autoescape=autoescape, undefined=StrictUndefined,
                                            keep_trailing_newline=True)
        env.filters["paragraphs"] = paragraphs
        made.append(env)
    return made[0], made[1]


def source(name: str) -> tuple[str, str, str]:
    """Return the file version (subject, text, HTML) of an event's template."""
    return (EVENTS[name][1], (FILES / f"{name}.txt").read_text(encoding="utf-8"),
            (FILES / f"{name}.html").read_text(encoding="utf-8"))


def override(name: str) -> MailTemplate | None:
    return db.session.scalar(select(MailTemplate).where(MailTemplate.name == name))


def render_source(subject: str, text: str, html: str, context: dict) -> Rendered:
    """Render given template sources in the sandbox (raises TemplateError on bad ones)."""
    text_env, html_env = environments()
    return Rendered(
        subject=" ".join(text_env.from_string(subject).render(context).split()),
        text=text_env.from_string(text).render(context),
        html=html_env.from_string(html).render(context),
    )


def render(name: str, context: dict) -> tuple[Rendered, str | None]:
    """Render an event's mail: the admin's override, or the file when there is none or it fails.

    Returns the result and, when an override failed, why.
    """
    row = override(name)
    if row is not None:
        try:
            return render_source(row.subject, row.body_text, row.body_html, context), None
        except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
            problem = f"override of {name} failed, file used: {type(exc).__name__}: {exc}"
            return render_source(*source(name), context), problem[:500]
    return render_source(*source(name), context), None


def sample_context() -> dict:
    """A made-up ticket for the preview, with every variable any template may use."""
    ticket = {"ref": "INC-000042", "subject": "VPN drops every few minutes",
              "kind": "incident", "kind_label": "Incident", "status": "in_progress",
              "status_label": "in progress", "priority": "P2 High", "service": "VPN",
              "reporter_name": "Robin Reporter", "reporter_email": "robin@example.com"}
    return {"ticket": ticket, "old_status": "assigned", "new_status": "in progress",
            "message": {"body_text": "We have restarted the VPN gateway.\nPlease try again.",
                        "author": "Alex Agent"},
            "note": "The VPN gateway was restarted; connections are stable again.",
            "portal_url": "https://helpdesk.example.org/portal/SAMPLE",
            "unsubscribe_url": "", "role": "reporter"}
