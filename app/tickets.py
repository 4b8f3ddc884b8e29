"""The ticket domain: open a ticket from a submission, add messages, and agents' changes.

Every change writes an event in the same transaction; callers commit. Nothing
here reads the request: the acting agent is passed in.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import select

from app import audit, learning, lifecycle, matrix, sla, workflow
from app.extensions import db
from app.models import (
    Agent,
    Attachment,
    Blob,
    Message,
    MessageKind,
    MessageRef,
    Service,
    Ticket,
    Watcher,
)
from parsers.classification import Classification
from parsers.submission import Address, Submission
from parsers.submission import Attachment as FileAttachment

CLASSIFIER_VERSION = "rules-1"


def open_ticket(sub: Submission, cls: Classification, reporter: Address | None,
                intake_id: int | None) -> Ticket:
    """Create a ticket from a classified submission, with its first message."""
    service = _service_named(cls.service)
    grid = matrix.current()
    impact, urgency = matrix.scale(cls.impact, len(grid.impact)), matrix.scale(
        cls.urgency, len(grid.urgency))
    ticket = Ticket(
        kind=cls.kind, status="new", subject=(sub.subject or "(no subject)")[:998],
        description=sub.new_text or sub.text, impact=impact, urgency=urgency,
        priority=grid.lookup(impact, urgency), service=service, category=cls.category,
        reporter_name=reporter.name[:200] if reporter else "",
        reporter_email=reporter.email[:320] if reporter else "",
        needs_review=cls.needs_review, confidence=round(cls.confidence, 3),
        reasons=list(cls.reasons), classifier_version=cls.version or CLASSIFIER_VERSION,
    )
    db.session.add(ticket)
    db.session.flush()
    audit.record("ticket_opened", ticket=ticket, intake_id=intake_id, new=ticket.ref,
                 source=sub.source)
    audit.record("classified", ticket=ticket, intake_id=intake_id, kind=cls.kind,
                 confidence=cls.confidence, service=cls.service, impact=cls.impact,
                 urgency=cls.urgency, category=cls.category, reasons=list(cls.reasons),
                 version=ticket.classifier_version)
    matrix.decide(ticket, intake_id=intake_id, first=True)
    sla.refresh(ticket)
    add_inbound(ticket, sub, intake_id)
    return ticket


def add_inbound(ticket: Ticket, sub: Submission, intake_id: int | None,
                threaded_by: str | None = None) -> Message:
    """Attach an inbound report (first mail, reply or form) to a ticket."""
    sender = sub.sender or Address("", "")
    # Bounded to the columns for every source alike (mail, form, portal).
    message = Message(
        ticket=ticket, intake_id=intake_id, kind=MessageKind.INBOUND,
        from_name=sender.name[:200], from_email=sender.email[:320], subject=sub.subject[:998],
        body_text=sub.new_text or sub.text, full_text=sub.text,
        message_id=sub.message_id[:998] if sub.message_id else None,
        threaded_by=threaded_by[:500] if threaded_by else None,
    )
    db.session.add(message)
    for ref in dict.fromkeys([*sub.in_reply_to, *sub.references]):
        db.session.add(MessageRef(message=message, ref_id=ref[:998]))
    for att in sub.attachments:
        add_attachment(message, att)
    return message


def add_attachment(message: Message, att: FileAttachment) -> Attachment:
    """Keep a file once by its hash; over the size limit keep only its description."""
    sha = hashlib.sha256(att.content).hexdigest()
    limit = int(current_app.config["MAX_ATTACHMENT_BYTES"])
    blob, omitted = None, None
    if att.size > limit:
        omitted = f"larger than {limit} bytes: kept only in the raw message"
    else:
        blob = db.session.get(Blob, sha) or Blob(sha256=sha, size=att.size, content=att.content)
    row = Attachment(message=message, filename=att.filename[:255],
                     content_type=att.content_type[:255], size=att.size, sha256=sha,
                     content_id=att.content_id, inline=att.inline, blob=blob, omitted=omitted)
    db.session.add(row)
    return row


def add_watchers(ticket: Ticket, people: list[Address], actor: str = "system") -> None:
    """Add addresses to a ticket's watchers, skipping ones already there."""
    known = {w.email for w in ticket.watchers} | {ticket.reporter_email}
    for person in people:
        if person.email and person.email not in known:
            known.add(person.email)
            db.session.add(Watcher(ticket=ticket, email=person.email, name=person.name))
            audit.record("watcher_added", ticket=ticket, new=person.email, actor=actor)


def confirm_classification(ticket: Ticket, agent: Agent, kind: str, impact: int,
                           urgency: int) -> None:
    """Record an agent's confirmation or correction; recompute the priority."""
    actor = agent.email
    grid = matrix.current()
    if kind not in lifecycle.KINDS or not (1 <= impact <= len(grid.impact)
                                           and 1 <= urgency <= len(grid.urgency)):
        raise ValueError("kind, impact or urgency out of range")
    corrected = (kind, impact, urgency) != (ticket.kind, ticket.impact, ticket.urgency)
    learning.record_decision(ticket, kind, actor)  # before the change: it keeps the old kind
    new_status = lifecycle.status_after_kind_change(ticket.kind, kind, ticket.status)
    for field, value in (("kind", kind), ("impact", impact), ("urgency", urgency)):
        audit.record_change(ticket, field, getattr(ticket, field), value, actor)
        setattr(ticket, field, value)
    workflow.set_status(ticket, new_status, actor)
    _set_priority(ticket, actor)
    ticket.needs_review = False
    audit.record("classification_corrected" if corrected else "classification_confirmed",
                 ticket=ticket, actor=actor, kind=kind, impact=impact, urgency=urgency)


def _set_priority(ticket: Ticket, actor: str) -> None:
    """Record the matrix's decision for the confirmed impact and urgency; move the clocks."""
    matrix.decide(ticket, actor)
    sla.refresh(ticket)


def assign(ticket: Ticket, assignee: Agent | None, agent: Agent) -> None:
    """Assign a ticket, keeping its team when the agent is in it (`workflow.assign` rules)."""
    team = ticket.team
    if team is not None and assignee is not None and assignee not in team.agents:
        team = None
    workflow.assign(ticket, team, assignee, agent)


def change_status(ticket: Ticket, status: str, agent: Agent) -> None:
    """Move a ticket along an allowed transition (raises TransitionError otherwise)."""
    workflow.transition(ticket, status, agent)


def _set_status(ticket: Ticket, status: str, actor: str) -> None:
    workflow.set_status(ticket, status, actor)


def reopen(ticket: Ticket, status: str, why: str) -> None:
    """Reopen a resolved ticket because its reporter wrote again."""
    lifecycle.check_transition(ticket.kind, ticket.status, status)
    _set_status(ticket, status, "system")
    ticket.resolved_at = None
    audit.record("reopened", ticket=ticket, new=status, reason=why)


def flag_for_review(ticket: Ticket, reason: str) -> None:
    """Send a ticket to the review queue with the reason shown to the agent."""
    ticket.needs_review = True
    ticket.reasons = [*ticket.reasons, reason]
    audit.record("flagged_for_review", ticket=ticket, reason=reason)


def link_follow_up(ticket: Ticket, earlier: Ticket) -> None:
    """Link a new ticket to the finished one its reporter wrote back to."""
    ticket.follow_up_of = earlier
    ticket.reasons = [*ticket.reasons, f"follow-up of {earlier.ref}, which is {earlier.status}"]
    audit.record("follow_up_opened", ticket=ticket, new=earlier.ref)


def set_service(ticket: Ticket, service: Service | None, agent: Agent) -> None:
    audit.record_change(ticket, "service", ticket.service.name if ticket.service else None,
                        service.name if service else None, agent.email)
    ticket.service = service


def _service_named(name: str | None) -> Service | None:
    if not name:
        return None
    return db.session.scalar(select(Service).where(Service.name == name))
