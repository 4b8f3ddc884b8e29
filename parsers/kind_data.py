"""Training examples for the learned kind model, and the text form the model reads.

The Endava tickets (see `app/data/CREDITS.md`) were published lower-cased, with
punctuation, digits, names and English stop-words removed. `model_text` puts live
mail into that same shape (on top of `parsers.normalise`), so the model never
sees a word form it was not trained on. `STOP_WORDS` is exactly the set of
scikit-learn's English stop-words that never occur in the Endava bodies: what
the publisher removed. It drops "not" and "no" too, so negation is left to the
rules (`parsers.rules` ignores negated matches). No Flask, no DB, no network.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from parsers.classification import INCIDENT, SERVICE_REQUEST
from parsers.normalise import normalise

LABELS = (INCIDENT, SERVICE_REQUEST)
# Our own prose and agents' corrections count many times an Endava row: the model is
# judged on natural mail, which the stop-word-stripped Endava text does not look like.
PROSE_WEIGHT = 20.0
AGENT_WEIGHT = 20.0
STOP_WORDS = frozenset(
    "a all am amoungst an and anyhow are as at been bill co couldnt cry de describe do eg "
    "eleven else elsewhere fifteen fifty fire first forty from hasnt hereafter hereupon hers "
    "herself i in inc is it its latterly ltd many may me mill my no noone not now of on see "
    "seeming sincere six sixty so system that the thence thereafter thereby therein "
    "thereupon they thick this three to twelve twenty un us whence whereafter whereas "
    "wherein whereupon whither who will".split()
)
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Example:
    """One labelled text; `weight` says how much it counts, `source` where it came from."""

    text: str
    label: str
    weight: float = 1.0
    source: str = ""


def model_text(text: str) -> str:
    """Fold text the way the Endava data was published: lower-case words, no stop-words."""
    folded = normalise(text).replace("'", "")  # "can't" -> "cant", as one word
    return " ".join(w for w in _WORD.findall(folded) if len(w) > 1 and w not in STOP_WORDS)


def subject_and_body(subject: str, body: str) -> str:
    """Join a subject and a body the way `parsers.normalise.submission_text` does."""
    return f"{subject}\n{body}"


def read_labelled_csv(path: Path, weight: float = 1.0, source: str = "") -> list[Example]:
    """Read a CSV with `title` or `subject`, `body` and `label` (or `kind`) columns."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    examples = []
    for number, row in enumerate(rows, start=2):
        label = (row.get("label") or row.get("kind") or "").strip()
        if label not in LABELS:
            raise ValueError(f"{path}: line {number}: label must be one of {LABELS}")
        head = row.get("title") or row.get("subject") or ""
        examples.append(Example(subject_and_body(head, row.get("body") or ""), label,
                                weight, source or Path(path).stem))
    return examples


def shipped_examples(data_dir: Path, prose_weight: float = PROSE_WEIGHT) -> list[Example]:
    """Return the default training set: the Endava tickets plus our own prose seed."""
    data_dir = Path(data_dir)
    return [*read_labelled_csv(data_dir / "endava_train.csv", 1.0, "endava"),
            *read_labelled_csv(data_dir / "prose_seed.csv", prose_weight, "prose")]


def texts_and_labels(examples: Iterable[Example]) -> tuple[list[str], list[str]]:
    """Split examples into parallel lists of texts and labels."""
    pairs = [(e.text, e.label) for e in examples]
    return [t for t, _ in pairs], [label for _, label in pairs]
