"""What a reply says about the conversation: is it only a thank-you?

A "thanks, that fixed it" must not reopen a resolved ticket (peer pain point:
glpi#5020, glpi#11398); anything with substance, a question or a problem word must.
"""

from __future__ import annotations

import re

_THANKS = re.compile(
    r"\b(?:thanks?|thank you|thx|ty|cheers|many thanks|much appreciated|appreciate it|"
    r"great|perfect|awesome|works now|working now|all good|solved|fixed|merci|danke|gracias)\b",
    re.IGNORECASE,
)
_SUBSTANCE = re.compile(
    r"\?|\b(?:but|still|again|not|n't|no longer|error|fail\w*|broken|down|issue|problem|"
    r"wrong|however|except|doesn't|didn't|won't|can't|cannot)\b",
    re.IGNORECASE,
)
MAX_THANKS_CHARS = 160


def is_only_thanks(new_text: str) -> bool:
    """True when a reply is a short thank-you with nothing else to act on."""
    text = " ".join(new_text.split())
    if not text or len(text) > MAX_THANKS_CHARS:
        return False
    return bool(_THANKS.search(text)) and not _SUBSTANCE.search(text)
