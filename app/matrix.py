"""The admin-configurable priority matrix and every priority decision made with it.

A matrix has 3 to 5 levels on each axis (1 = highest) and maps each pair to
P1..P5. Each decision is an event with its inputs, the matrix version and the
computed value; an override also carries its mandatory reason and its author.
"""

from __future__ import annotations

from dataclasses import dataclass

from app import audit, workflow_settings
from app.priority import MATRIX_VERSION, PRIORITY_LABELS

KEY = "priority_matrix"


class MatrixError(ValueError):
    """A matrix an admin tried to save that is not usable."""


@dataclass(frozen=True)
class Matrix:
    impact: list[str]
    urgency: list[str]
    cells: list[list[str]]
    version: str

    def lookup(self, impact: int, urgency: int) -> str:
        if not (1 <= impact <= len(self.impact) and 1 <= urgency <= len(self.urgency)):
            raise ValueError(f"impact must be 1-{len(self.impact)}, "
                             f"urgency 1-{len(self.urgency)}")
        return self.cells[impact - 1][urgency - 1]


def current() -> Matrix:
    """Return the matrix in force, with its version label."""
    value, number = workflow_settings.get(KEY), workflow_settings.version(KEY)
    label = MATRIX_VERSION if number == 0 else f"matrix-v{number}"
    return Matrix(value["impact"], value["urgency"], value["cells"], label)


def validate(value: dict) -> dict:
    """Check a matrix from the admin page; raise MatrixError with a readable reason."""
    impact, urgency, cells = value.get("impact", []), value.get("urgency", []), value.get("cells")
    for axis, labels in (("impact", impact), ("urgency", urgency)):
        if not 3 <= len(labels) <= 5 or not all(str(x).strip() for x in labels):
            raise MatrixError(f"{axis} needs 3 to 5 named levels")
    if not isinstance(cells, list) or len(cells) != len(impact) or any(
            len(row) != len(urgency) for row in cells):
        raise MatrixError("the matrix needs one cell per impact and urgency pair")
    if any(cell not in PRIORITY_LABELS for row in cells for cell in row):
        raise MatrixError("every cell must be one of " + ", ".join(PRIORITY_LABELS))
    return {"impact": impact, "urgency": urgency, "cells": cells}


def scale(level: int, levels: int) -> int:
    """Map the classifier's 3-level scale onto a matrix axis of `levels` levels."""
    return round((level - 1) * (levels - 1) / 2) + 1


def decide(ticket, actor: str = "system", intake_id: int | None = None,
           first: bool = False) -> str:
    """Compute the ticket's priority from its impact and urgency, and record the decision."""
    matrix = current()
    new = matrix.lookup(ticket.impact, ticket.urgency)
    audit.record("prioritised", ticket=ticket, intake_id=intake_id,
                 old=None if first else ticket.priority,
                 new=new, actor=actor, impact=ticket.impact, urgency=ticket.urgency,
                 matrix=matrix.version, computed=new)
    ticket.priority = new
    return new


def override(ticket, priority: str, reason: str, actor: str) -> None:
    """Set a priority other than the matrix's; the reason and author are required."""
    if priority not in PRIORITY_LABELS:
        raise ValueError(f"priority must be one of {', '.join(PRIORITY_LABELS)}")
    if not reason.strip() or not actor or actor == "system":
        raise ValueError("a priority override needs a reason and an author")
    matrix = current()
    audit.record("priority_overridden", ticket=ticket, field="priority", old=ticket.priority,
                 new=priority, actor=actor, reason=reason.strip(), impact=ticket.impact,
                 urgency=ticket.urgency, matrix=matrix.version,
                 computed=matrix.lookup(ticket.impact, ticket.urgency))
    ticket.priority = priority
