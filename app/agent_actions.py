"""What an agent's form posts do to a ticket: one small handler per action.

Handlers take validated forms and the acting agent, change the ticket through
`app.tickets`, and return a message for the agent. The caller commits.
"""

from __future__ import annotations

from app import tickets, workflow
from app.extensions import db
from app.models import Agent, Service, Ticket


def classify(ticket: Ticket, form, agent: Agent) -> str:
    service = db.session.get(Service, int(form.service.data)) if form.service.data else None
    tickets.set_service(ticket, service, agent)
    tickets.confirm_classification(ticket, agent, form.kind.data, int(form.impact.data),
                                   int(form.urgency.data))
    return f"Classification saved: {ticket.ref}, priority {ticket.priority}."


def assign(ticket: Ticket, form, agent: Agent) -> str:
    assignee = db.session.get(Agent, int(form.assignee.data)) if form.assignee.data else None
    tickets.assign(ticket, assignee, agent)
    return f"Assigned to {assignee.label}." if assignee else "Unassigned."


def status(ticket: Ticket, form, agent: Agent) -> str:
    tickets.change_status(ticket, form.status.data, agent)
    return f"Status is now {ticket.status.replace('_', ' ')}."


def reply(ticket: Ticket, form, agent: Agent) -> str:
    public = form.visibility.data == "public"
    _, mails = workflow.post_message(ticket, agent, form.body.data, public)
    if not public:
        return "Internal note added."
    people = [a for mail in mails for a in mail.to + mail.cc]
    return "Reply queued to " + ", ".join(dict.fromkeys(people)) if people else "Reply saved."


HANDLERS = {"cls": classify, "assign": assign, "status": status, "reply": reply}

