"""Text normalisation shared by the rule classifier and the later learned model.

Both read text through `normalise` so a rule and a model see the same words:
NFKC-folded, typographic quotes made ASCII, lower-cased, quoted-history
leftovers dropped, whitespace collapsed. Quote stripping proper lives in
`parsers.quotes`; this only mops up what survives it ("> " lines, "On ... wrote:",
"-----Original Message-----" tails).

Note for the model work: the Endava training set (`datasets/endava/train.csv`)
is already lower-cased and stop-word stripped, so a model trained on it must be
fed this normalised text (and its own stop-word step), never raw prose.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from parsers.submission import Address, Submission

_ORIGINAL = re.compile(r"^-{2,}\s*original message\s*-{2,}.*", re.I | re.M | re.S)
_QUOTED = re.compile(r"^[ \t]*>.*$", re.M)
_ATTRIBUTION = re.compile(r"^[ \t]*on\b[^\n]{0,300}\bwrote:[ \t]*$", re.I | re.M)
_TYPOGRAPHIC = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def normalise(text: str) -> str:
    """Return `text` folded for matching: NFKC, lower case, no quoted leftovers."""
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHIC)
    text = _ORIGINAL.sub(" ", text)
    text = _ATTRIBUTION.sub(" ", text)
    text = _QUOTED.sub(" ", text)
    return " ".join(text.lower().split())


def submission_text(sub: Submission) -> str:
    """Return the normalised subject plus what the sender wrote this time."""
    body = sub.new_text.strip() or sub.text
    return normalise(f"{sub.subject}\n{body}")


def one_line(text: str) -> str:
    """Collapse all whitespace, CR and LF included: header-like fields are one line."""
    return " ".join(text.split())


def _person(address: Address | None) -> Address | None:
    if address is None:
        return None
    return Address(one_line(unicodedata.normalize("NFC", address.name)), address.email.strip())


def tidy_submission(sub: Submission) -> Submission:
    """Return `sub` as it is stored: NFC text, one-line subject and names.

    Every source goes through this, so a CR/LF smuggled into a form's summary or an
    encoded-word display name never reaches a header we write, and equal text
    compares equal whatever normalisation form the sender's client used.
    """
    nfc = lambda text: unicodedata.normalize("NFC", text)  # noqa: E731
    return replace(
        sub, subject=one_line(nfc(sub.subject)), text=nfc(sub.text), new_text=nfc(sub.new_text),
        sender=_person(sub.sender), reply_to=tuple(map(_person, sub.reply_to)),
        to=tuple(map(_person, sub.to)), cc=tuple(map(_person, sub.cc)),
    )
