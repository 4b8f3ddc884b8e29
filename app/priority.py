"""Priority from impact x urgency through the ITIL matrix (default 3x3, P1..P5).

Levels are integers, 1 = highest. The matrix is data so an admin can change it
later; this module only looks values up.
"""

from __future__ import annotations

IMPACT_LABELS = {1: "high", 2: "medium", 3: "low"}
URGENCY_LABELS = {1: "high", 2: "medium", 3: "low"}
PRIORITY_LABELS = {"P1": "Critical", "P2": "High", "P3": "Medium", "P4": "Low", "P5": "Planning"}

# ITIL default: rows = impact (high..low), columns = urgency (high..low).
DEFAULT_MATRIX: dict[tuple[int, int], str] = {
    (1, 1): "P1", (1, 2): "P2", (1, 3): "P3",
    (2, 1): "P2", (2, 2): "P3", (2, 3): "P4",
    (3, 1): "P3", (3, 2): "P4", (3, 3): "P5",
}
MATRIX_VERSION = "itil-3x3-v1"


def priority_for(impact: int, urgency: int, matrix=DEFAULT_MATRIX) -> str:
    """Return the priority for an impact and urgency pair."""
    return matrix[(impact, urgency)]


def priority_label(priority: str) -> str:
    return f"{priority} {PRIORITY_LABELS.get(priority, '')}".strip()
