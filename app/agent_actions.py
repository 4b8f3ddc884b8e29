"""What an agent's form posts do to a ticket: one small handler per action.

Handlers take validated forms and the acting agent, change the ticket through
`app.tickets`, and return a message for the agent. The caller commits.
"""

from __future__ import annotations

from app import audit, notify, tickets
from app.extensions import db
from app.models import Agent, Message, MessageKind, Service, Ticket


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
    message = Message(ticket=ticket, kind=MessageKind.PUBLIC_REPLY if public
                      else MessageKind.INTERNAL_NOTE, author=agent, from_name=agent.label,
                      from_email=agent.email, body_text=form.body.data.strip(),
                      subject=ticket.subject)
    db.session.add(message)
    db.session.flush()
    audit.record("public_reply" if public else "internal_note", ticket=ticket,
                 actor=agent.email, message=message.id)
    if not public:
        return "Internal note added."
    mail = notify.public_reply(ticket, message)
    if mail is not None:
        message.message_id = mail.message_id
    return "Reply queued to " + ", ".join(mail.to + mail.cc) if mail else "Reply saved."


HANDLERS = {"cls": classify, "assign": assign, "status": status, "reply": reply}

