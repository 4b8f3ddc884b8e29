"""The classifier's vocabulary: the verdict on a report and the shapes that feed it.

`Classification` is what `parsers.classifier.classify` returns; every field can
be explained from `reasons`. `ServiceEntry` is one line of the service
catalogue. `Vote` is what one voter (today the rule table, later a learned
model) says about the kind, so voters can be added without touching the rest.
No matching logic lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

INCIDENT = "incident"
SERVICE_REQUEST = "service_request"


@dataclass(frozen=True)
class ServiceEntry:
    """A catalogue service: its display name and the words people use for it."""

    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vote:
    """One voter's opinion on the kind of a report.

    `score` is in log-odds units: positive leans incident, negative leans
    service request, 0 means no opinion. `reasons` say which evidence fired.
    """

    voter: str
    score: float
    reasons: tuple[str, ...] = ()


# A voter reads normalised text (see `parsers.normalise`) and returns a Vote.
Voter = Callable[[str], Vote]


@dataclass(frozen=True)
class Classification:
    """The decision on one report, with the reasons an agent can read."""

    kind: str  # INCIDENT or SERVICE_REQUEST
    confidence: float  # 0..1, from the voters' combined margin
    service: str | None  # catalogue name
    impact: int  # 1 high, 2 medium, 3 low
    urgency: int  # 1 high, 2 medium, 3 low
    category: str
    reasons: tuple[str, ...]
    needs_review: bool
    missing: tuple[str, ...] = ()  # required fields that could not be determined
    version: str = ""  # which classifier decided (rules, model version), set by the caller
