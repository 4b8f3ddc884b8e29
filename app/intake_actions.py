"""What agents do by hand with intake items the pipeline did not ticket.

Quarantined, screened and duplicate items can be replayed (one or many), made
into a ticket, attached to a ticket, or discarded with a reason. Each function
takes ids and the acting agent (never the request), records an audited event,
and leaves the commit to the caller, so a failed action changes nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import update

from app import audit, outcomes, pipeline, stages, tickets
from app.extensions import db
from app.models import Agent, IntakeItem, IntakeState, Ticket
from app.models.base import utcnow
from app.models.ticket import parse_ref
from parsers.rawinfo import split_raw
from parsers.submission import Address, Attachment, Submission

ACTIONABLE = (IntakeState.QUARANTINED, IntakeState.SCREENED, IntakeState.DUPLICATE)
MAX_ID = 2**31 - 1


class ActionError(ValueError):
    """The action cannot be done on this item (wrong state, unknown ticket, no reason)."""


@dataclass(frozen=True)
class Replayed:
    item_id: int
    state: str | None
    error: str | None = None


def replay_many(item_ids: list[int]) -> list[Replayed]:
    """Run items through today's pipeline, one by one; one failure never stops the rest.

    `pipeline.reprocess` commits and audits each replay with the acting agent.
    """
    results = []
    for item_id in dict.fromkeys(item_ids):
        try:
            results.append(Replayed(item_id, pipeline.reprocess(item_id)))
        except (LookupError, ValueError) as exc:
            db.session.rollback()
            results.append(Replayed(item_id, None, str(exc)))
        except Exception as exc:  # the item keeps its error for the next look
            db.session.rollback()
            results.append(Replayed(item_id, None, f"{type(exc).__name__}: {exc}"))
    return results


def make_ticket(item_id: int, agent: Agent, subject: str, reason: str) -> Ticket:
    """Open a ticket for an item: parsed like any report, or around its raw bytes."""
    item = _take(item_id, reason)
    sub = _parsed(item)
    ticket = _open_parsed(item, sub, subject.strip()) if sub is not None else None
    if ticket is None:
        if not subject.strip():
            raise ActionError("this item cannot be read: type a subject for its ticket")
        ticket = _ticket_around_raw(item, subject.strip())
    _finish(item, IntakeState.TICKETED, f"ticket made by {agent.email}: {reason.strip()}")
    audit.record("intake_ticketed_by_hand", ticket=ticket, intake_id=item.id, actor=agent.email,
                 new=ticket.ref, reason=reason.strip(), parsed=sub is not None)
    return ticket


def attach(item_id: int, agent: Agent, ref: str, reason: str) -> Ticket:
    """Add an item's message (or its raw bytes) to the ticket `ref` names."""
    number = parse_ref(ref or "")
    ticket = db.session.get(Ticket, number) if number and number <= MAX_ID else None
    if ticket is None:
        raise ActionError(f"no ticket {ref.strip() or '(empty)'}")
    item = _take(item_id, reason)
    sub = _parsed(item) or _raw_submission(item, f"Intake #{item.id}")
    why = f"attached by {agent.email}: {reason.strip()}"
    tickets.add_inbound(ticket, sub, item.id, threaded_by=why)
    item.ticket_id = ticket.id
    _finish(item, IntakeState.THREADED, why)
    audit.record("intake_attached", ticket=ticket, intake_id=item.id, actor=agent.email,
                 new=ticket.ref, reason=reason.strip())
    return ticket


def discard(item_id: int, agent: Agent, reason: str) -> IntakeItem:
    """Set an item aside for good; the raw bytes and the reason stay."""
    item = _take(item_id, reason)
    _finish(item, IntakeState.DISCARDED, f"discarded by {agent.email}: {reason.strip()}")
    audit.record("intake_discarded", intake_id=item.id, actor=agent.email,
                 reason=reason.strip())
    return item


def _take(item_id: int, reason: str) -> IntakeItem:
    """Claim an actionable item in this transaction (a conditional update locks the row)."""
    if not (reason or "").strip():
        raise ActionError("give a reason: it is kept with the item")
    taken = db.session.execute(
        update(IntakeItem).where(IntakeItem.id == item_id, IntakeItem.state.in_(ACTIONABLE))
        .values(state=IntakeState.PROCESSING)
    ).rowcount
    item = db.session.get(IntakeItem, item_id)
    if item is None:
        raise ActionError(f"no intake item {item_id}")
    if not taken:
        raise ActionError(f"intake item {item_id} is {item.state}: nothing to do by hand")
    return item


def _finish(item: IntakeItem, state: str, outcome: str) -> None:
    """Record the item's new state; its old error or outcome stays readable in `outcome`."""
    old = item.error or item.outcome
    item.state, item.processed_at, item.error = state, utcnow(), None
    item.outcome = (f"{outcome} (was: {old})" if old else outcome)[:4000]


def _parsed(item: IntakeItem) -> Submission | None:
    """Parse the item like the pipeline does; None when it cannot be read at all."""
    try:
        return stages.parse(item)
    except Exception:  # any parser failure: the agent falls back to the raw bytes
        return None


def _open_parsed(item: IntakeItem, sub: Submission, subject: str) -> Ticket | None:
    """Open a ticket the pipeline's way; None (nothing written) when that fails again."""
    if subject:
        sub = dataclasses.replace(sub, subject=subject)
    try:
        with db.session.begin_nested():
            outcomes.open_new(item, sub)
    except Exception:  # the bug that quarantined it: keep the raw route open
        item.ticket_id = None
        return None
    return db.session.get(Ticket, item.ticket_id)


def _raw_submission(item: IntakeItem, subject: str) -> Submission:
    """A submission that carries the unreadable raw item as an .eml attachment."""
    sender = Address("", (item.envelope_from or "").strip().lower())
    text = (f"Intake #{item.id} could not be read automatically; the original is "
            f"attached as intake-{item.id}.eml.")
    raw = Attachment(filename=f"intake-{item.id}.eml", content_type="message/rfc822",
                     content=item.raw)
    return Submission(source=item.source, subject=subject, sender=sender if sender.email
                      else None, text=text, new_text=text, attachments=(raw,))


def _ticket_around_raw(item: IntakeItem, subject: str) -> Ticket:
    """Open a ticket for review (no acknowledgement: we do not know who sent it)."""
    sub = _raw_submission(item, subject)
    _, cls = stages.classify(sub)
    ticket = tickets.open_ticket(sub, cls, sub.sender, item.id)
    item.ticket_id = ticket.id
    tickets.flag_for_review(ticket, "made by hand from an item that could not be read")
    return ticket


def preview(raw: bytes, lines: int = 40) -> tuple[str, str]:
    """Return an item's header block and the first lines of its body, as text."""
    head, body = split_raw(raw[:256 * 1024])
    first = b"\n".join(body.splitlines()[:lines])
    return (head.decode("utf-8", "replace")[:20_000], first.decode("utf-8", "replace"))
