"""What the pipeline does once it has decided: each outcome of a report in one place.

`app.pipeline` decides the order; these functions carry out one decision each
(duplicate, screened, thread into a ticket, open a ticket) and record it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app import audit, delivery, major_incidents, notify, stages, tickets, workflow
from app.correlate import Match, is_participant
from app.models import IntakeItem, IntakeState, Ticket
from app.models.base import utcnow
from parsers.replies import is_only_thanks
from parsers.screening import Screened, machine_sent
from parsers.submission import Submission

REOPEN_FROM = {"resolved": "in_progress", "fulfilled": "in_fulfilment"}
FINAL = {"closed", "cancelled", "rejected"}


def duplicate(item: IntakeItem, original: IntakeItem) -> str:
    item.duplicate_of_id, item.ticket_id = original.id, original.ticket_id
    audit.record("duplicate", intake_id=item.id, new=str(original.id))
    return IntakeState.DUPLICATE


def screened(item: IntakeItem, sub: Submission, verdict: Screened) -> str:
    item.outcome = f"{verdict.rule}: {verdict.reason}"
    audit.record("screened", intake_id=item.id, rule=verdict.rule, reason=verdict.reason,
                 related=list(verdict.related_message_ids))
    if verdict.rule == "bounce":
        delivery.record_bounce(item, sub, verdict.related_message_ids)
    return IntakeState.SCREENED


def thread(item: IntakeItem, sub: Submission, match: Match) -> str:
    """Add a reply to its ticket; reopen, or open a follow-up, as the ticket's state asks."""
    ticket, thanks = match.ticket, is_only_thanks(sub.new_text)
    if _needs_follow_up(ticket) and not thanks:
        return open_new(item, sub, follow_up_of=ticket)
    tickets.add_inbound(ticket, sub, item.id, threaded_by=f"{match.rule}: {match.detail}")
    item.ticket_id = ticket.id
    audit.record("threaded", ticket=ticket, intake_id=item.id, rule=match.rule,
                 reason=match.detail)
    sender = sub.sender.email if sub.sender else ""
    resumes = _resumes_hold(ticket, sender)  # before the sender may become a watcher
    if match.strong and sender and not is_participant(ticket, sender):
        tickets.add_watchers(ticket, [sub.sender])
    if ticket.status in REOPEN_FROM and not thanks:
        tickets.reopen(ticket, REOPEN_FROM[ticket.status], f"reply from {sender or 'unknown'}")
    elif resumes:
        workflow.set_status(ticket, "in_progress", "system", reason=f"reply from {sender}")
    return IntakeState.THREADED


def _resumes_hold(ticket: Ticket, sender: str) -> bool:
    """A reply from the reporter (or a watcher) ends a hold that was waiting for them."""
    people = {ticket.reporter_email.lower(), *(w.email.lower() for w in ticket.watchers)}
    return (ticket.status == "on_hold" and ticket.hold_reason == "awaiting_reporter"
            and bool(sender) and sender.lower() in people)


def _needs_follow_up(ticket: Ticket) -> bool:
    """A finished ticket, or a resolved one past the reopen window, is not reopened."""
    if ticket.status in FINAL:
        return True
    if ticket.status in REOPEN_FROM and ticket.resolved_at is not None:
        window = timedelta(days=int(current_app.config["REOPEN_DAYS"]))
        return utcnow() - ticket.resolved_at > window
    return False


def open_new(item: IntakeItem, sub: Submission, *, weak: Match | None = None,
             follow_up_of: Ticket | None = None) -> str:
    """Classify the report and open a ticket for it, then acknowledge it."""
    reporter, cls = stages.classify(sub)
    ticket = tickets.open_ticket(sub, cls, reporter, item.id)
    tickets.add_watchers(ticket, stages.watchers(sub, reporter))
    item.ticket_id = ticket.id
    major_incidents.note_candidate(ticket)
    if weak is not None:
        tickets.flag_for_review(ticket, f"{weak.detail}, but the sender is not on "
                                        f"{weak.ticket.ref}: check before merging")
    if follow_up_of is not None:
        tickets.link_follow_up(ticket, follow_up_of)
    why_not = (("imported mail is not acknowledged" if item.source == "import" else None)
               or machine_sent(sub) or delivery.why_not_acknowledge(ticket.reporter_email))
    if why_not:
        audit.record("acknowledgement_suppressed", ticket=ticket, reason=why_not)
    else:
        notify.acknowledge(ticket, ticket.messages[0])
    return IntakeState.TICKETED
