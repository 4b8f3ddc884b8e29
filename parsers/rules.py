"""Keyword rules: the one matching mechanism behind the classifier and field extraction.

A `Rule` is a name, a weight and a regular expression over normalised text
(see `parsers.normalise`). Matches are whole words, and a match right after a
negation ("not", "no", "without", "n't") is ignored when the rule says so, so
"the VPN is not down any more" does not count as "down". Tables of rules live
next to the code that reads them; this module owns no vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A negation directly before the match, at most one word in between and no
# punctuation: "no error", "not really slow"; but not "can't print, error".
_NEGATED = re.compile(
    r"(?:\bno|\bnot|n't|\bnever|\bnothing|\bwithout|\bno longer)\s+(?:[\w']+\s+)?$"
)


def words(pattern: str) -> re.Pattern[str]:
    """Compile an alternation of phrases so it only matches whole words."""
    return re.compile(rf"(?<![\w'])(?:{pattern})(?![\w'])")


@dataclass(frozen=True)
class Rule:
    """A named pattern whose hits add `weight` to a score."""

    name: str
    weight: float
    pattern: str
    negatable: bool = True
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", words(self.pattern))

    def hits(self, text: str) -> tuple[str, ...]:
        """Return the distinct phrases in `text` this rule matches, in order."""
        found: list[str] = []
        for match in self.compiled.finditer(text):
            if self.negatable and _NEGATED.search(text, max(0, match.start() - 40), match.start()):
                continue
            if match.group(0) not in found:
                found.append(match.group(0))
        return tuple(found)


def quoted(phrases: tuple[str, ...]) -> str:
    """Return phrases as "'a', 'b'" for a reason line."""
    return ", ".join(f"'{p}'" for p in phrases)
