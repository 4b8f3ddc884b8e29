"""Retrain the kind model on the shipped data plus agents' decisions; keep it only if not worse.

The held-out slice is every fifth agent example and every fifth row of our prose
seed, never trained on by the candidate. Both the active model and the candidate
are scored on it as they are used live (rules + model); the candidate becomes the
active model (`INSTANCE/kind-model.joblib`) only when its macro-F1 is not lower.
The active model may have seen the prose rows of the slice, so the comparison
leans towards keeping it: a conservative bias, on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app import classifier_model, learning
from parsers.classifier import decide_kind
from parsers.kind_data import Example, shipped_examples
from parsers.kind_eval import evaluate
from parsers.kind_model import KindModel, build, save
from parsers.normalise import normalise

HOLD_EVERY = 5


@dataclass(frozen=True)
class TrainResult:
    before: float
    after: float
    held_out: int
    trained_on: int
    replaced: bool
    version: str


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """Split into (train, held out): Endava always trains; every fifth other row is held out."""
    train, held, seen = [], [], {}
    for example in examples:
        n = seen[example.source] = seen.get(example.source, -1) + 1
        (held if example.source != "endava" and n % HOLD_EVERY == 0 else train).append(example)
    return train, held


def score(model: KindModel, held: list[Example]) -> float:
    """Return the live decision's macro-F1 (rules + this model) on held-out examples."""
    voters = classifier_model.voters(model)
    report = evaluate([normalise(e.text) for e in held], [e.label for e in held],
                      lambda text: decide_kind(text, voters)[0])
    return report.macro_f1


def train(step: Callable[[str], None] = lambda name: None) -> TrainResult:
    """Train a candidate, compare it with the active model, and keep the better one."""
    step("reading examples")
    train_set, held = split([*shipped_examples(classifier_model.DATA),
                             *learning.agent_examples()])
    step("scoring the active model")
    before = score(classifier_model.current_model(), held)
    step("training the candidate")
    candidate = build(train_set)
    step("scoring the candidate")
    after = score(candidate, held)
    replaced = after >= before
    step("saving" if replaced else "keeping the active model")
    if replaced:
        save(candidate, classifier_model.active_path())
    return TrainResult(before, after, len(held), len(train_set), replaced, candidate.version)


STEPS = 5
