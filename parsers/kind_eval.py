"""Scoring a kind classifier on labelled texts: the figures `gateway classifier eval` prints.

Pure: texts and labels in, a `Report` out (accuracy, per-class precision / recall /
F1, macro-F1, confusion matrix, milliseconds per message). No Flask, no DB.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.metrics import precision_recall_fscore_support as prfs

from parsers.kind_data import LABELS


@dataclass(frozen=True)
class Report:
    """How a classifier did on a labelled set."""

    count: int
    accuracy: float
    per_class: dict[str, tuple[float, float, float, int]]  # precision, recall, F1, support
    macro_f1: float
    confusion: list[list[int]]  # rows: true label, columns: predicted, in LABELS order
    ms_per_message: float

    def lines(self) -> list[str]:
        """Return the report as readable lines."""
        out = [f"messages: {self.count}", f"accuracy: {self.accuracy:.3f}",
               f"{'class':<16} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}"]
        for label, (p, r, f, n) in self.per_class.items():
            out.append(f"{label:<16} {p:>9.3f} {r:>7.3f} {f:>6.3f} {n:>8}")
        out += [f"macro-F1: {self.macro_f1:.3f}",
                "confusion (rows true, columns predicted): " + " / ".join(LABELS)]
        out += [f"  {label:<16} " + " ".join(f"{n:>6}" for n in row)
                for label, row in zip(LABELS, self.confusion, strict=True)]
        out.append(f"ms per message: {self.ms_per_message:.3f}")
        return out


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Return the macro-averaged F1 over both kinds."""
    return float(f1_score(gold, predicted, labels=list(LABELS), average="macro",
                          zero_division=0))


def evaluate(texts: Sequence[str], gold: Sequence[str],
             decide: Callable[[str], str]) -> Report:
    """Run `decide` on each text (timed) and score it against `gold`."""
    started = time.perf_counter()
    predicted = [decide(text) for text in texts]
    elapsed = time.perf_counter() - started
    p, r, f, n = prfs(gold, predicted, labels=list(LABELS), zero_division=0)
    return Report(
        count=len(texts), accuracy=float(accuracy_score(gold, predicted)),
        per_class={label: (float(p[i]), float(r[i]), float(f[i]), int(n[i]))
                   for i, label in enumerate(LABELS)},
        macro_f1=macro_f1(gold, predicted),
        confusion=confusion_matrix(gold, predicted, labels=list(LABELS)).tolist(),
        ms_per_message=elapsed * 1000 / max(len(texts), 1),
    )
