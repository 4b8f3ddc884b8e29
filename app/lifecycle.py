"""Statuses per kind and the transitions the server allows between them."""

from __future__ import annotations

INCIDENT_FLOW: dict[str, tuple[str, ...]] = {
    "new": ("assigned", "in_progress", "on_hold", "resolved", "cancelled"),
    "assigned": ("in_progress", "on_hold", "resolved", "cancelled"),
    "in_progress": ("assigned", "on_hold", "resolved", "cancelled"),
    "on_hold": ("in_progress", "resolved", "cancelled"),
    "resolved": ("closed", "in_progress"),
    "closed": (),
    "cancelled": (),
}
REQUEST_FLOW: dict[str, tuple[str, ...]] = {
    "new": ("pending_approval", "approved", "in_fulfilment", "rejected"),
    "pending_approval": ("approved", "rejected"),
    "approved": ("in_fulfilment",),
    "in_fulfilment": ("fulfilled",),
    "fulfilled": ("closed", "in_fulfilment"),
    "rejected": ("closed",),
    "closed": (),
}
FLOWS = {"incident": INCIDENT_FLOW, "service_request": REQUEST_FLOW}
KINDS = tuple(FLOWS)
CLOSED = {"closed", "cancelled", "rejected"}
RESOLVED = {"resolved", "fulfilled"}

# When an agent corrects the kind, the status moves to its counterpart.
KIND_CHANGE_STATUS = {
    ("incident", "service_request"): {
        "new": "new", "assigned": "new", "in_progress": "in_fulfilment",
        "on_hold": "in_fulfilment", "resolved": "fulfilled", "closed": "closed",
        "cancelled": "closed",
    },
    ("service_request", "incident"): {
        "new": "new", "pending_approval": "new", "approved": "assigned",
        "in_fulfilment": "in_progress", "fulfilled": "resolved", "rejected": "cancelled",
        "closed": "closed",
    },
}


class TransitionError(ValueError):
    """A status change the workflow does not allow."""


def allowed_next(kind: str, status: str) -> tuple[str, ...]:
    """Return the statuses a ticket of this kind may move to from `status`."""
    return FLOWS[kind].get(status, ())


def check_transition(kind: str, old: str, new: str) -> None:
    """Raise TransitionError unless `old -> new` is allowed for `kind`."""
    if new not in allowed_next(kind, old):
        raise TransitionError(f"a {kind.replace('_', ' ')} cannot go from {old} to {new}")


def status_after_kind_change(old_kind: str, new_kind: str, status: str) -> str:
    if old_kind == new_kind:
        return status
    return KIND_CHANGE_STATUS[(old_kind, new_kind)].get(status, "new")
