"""Field extraction for a report: service, impact, urgency, category and reporter.

Each function returns `(value, reason)`, the reason being a sentence an agent
can read ("impact medium: 'my team'"). Structured form answers always win over
words in the text; words are read through `parsers.normalise` and matched by
the ordered keyword tables below (`parsers.rules.Rule`, first level that fires
decides). No Flask, no DB, no network.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import lru_cache

from parsers.classification import INCIDENT, ServiceEntry
from parsers.normalise import normalise, submission_text
from parsers.rules import Rule, quoted, words
from parsers.submission import Address, Submission

DEFAULT_CATEGORIES = (
    "Hardware", "Software", "Network", "Access", "Email", "Security", "Facilities", "Other",
)
LEVELS = {1: "high", 2: "medium", 3: "low"}
AFFECTED = {"just_me": 3, "my_team": 2, "whole_site": 1, "everyone": 1}
CAN_WORK = {"no": 1, "degraded": 2, "yes": 3}
FUZZY_CUTOFF = 0.85

SCOPE_RULES: tuple[tuple[int, Rule], ...] = (
    (3, Rule("one person only", 0, r"just me|only me|only (?:i|my)|only affects me|"
             r"everyone else (?:is|seems) (?:fine|ok)", negatable=False)),
    (1, Rule("whole site", 0, r"everyone|everybody|all (?:users|staff|employees)|all of us(?! in)|"
             r"all (?:[\w-]+ ){1,3}in the (?:[\w-]+ )?(?:office|building|site)|"
             r"(?:nobody|no one)(?: [\w']+){0,3} (?:can|is able)|"
             r"(?:whole|entire) (?:site|building|floor|office|company)|"
             r"company-?wide|site-?wide|all (?:sites|offices|branches)")),
    (2, Rule("a group", 0, r"(?:my|our|the|whole|entire) (?:team|department|dept)|"
             r"team|department|several (?:users|people|colleagues)|multiple (?:users|people)|"
             r"a few (?:of us|people|users)|colleagues|we|us", negatable=False)),
    (3, Rule("one person", 0, r"i|i'm|my|me|mine", negatable=False)),
)
URGENCY_RULES: tuple[tuple[int, Rule], ...] = (
    (3, Rule("no rush", 0, r"no rush|no hurry|not urgent|whenever|when you (?:have|get) "
             r"(?:time|a chance)|low priority", negatable=False)),
    (1, Rule("blocked now", 0, r"(?:can't|cannot|unable to|not able to) (?:work|do (?:my|any) "
             r"work)|(?:nobody|no one|none of us) (?:can|is able to|are able to) \w+|"
             r"blocked|urgent(?:ly)?|asap|as soon as possible|immediately|right now|"
             r"critical|emergency|(?:production|prod|live site) (?:is )?down|"
             r"(?:by|due|needed|before|deadline|starts?|starting) today|"
             r"(?:with)?in (?:the next |an |one |two |\d+ )?(?:hours?|minutes)|"
             r"by (?:noon|lunch|end of (?:the )?day|eod|cob)|(?:customers?|clients?) "
             r"(?:are )?waiting|(?:customers?|clients?) (?:can't|cannot|are unable to) \w+|"
             r"(?:closes?|closing|due|deadline|ends?) today|need(?:ed)? (?:[\w']+ ){0,4}now|"
             r"(?:presentation|meeting|call|demo|deadline) (?:at|in) \d[\w:]*|"
             r"(?:can't|cannot|unable to) (?:[\w']+ ){0,3}anything")),
    (2, Rule("degraded or soon", 0, r"degraded|slow(?:ly|ness)?|sluggish|stutter\w*|workaround|"
             r"tomorrow|this week|"
             r"by (?:monday|tuesday|wednesday|thursday|friday)|intermittent(?:ly)?|soon|"
             r"annoying|partially")),
)
# Ordered: on equal hits the earlier category wins. Login words in an incident
# are a symptom of the broken service, so Access counts half for incidents.
CATEGORY_RULES: tuple[tuple[str, float, Rule], ...] = (
    ("Security", 1.0, Rule("", 0, r"phishing|virus|malware|ransomware|hacked|compromised|"
                           r"suspicious|spam|certificates?|firewall|encrypt\w*|mfa|2fa")),
    ("Email", 1.0, Rule("", 0, r"e-?mails?|mail|outlook|mailbox|inbox|exchange|calendar|"
                        r"distribution list|mailing list|bounced?|undeliverable")),
    ("Network", 1.0, Rule("", 0, r"network|wi-?fi|wireless|vpn|internet|lan|ethernet|dns|"
                          r"proxy|connection|connectivity|router|switch|ip address")),
    ("Facilities", 1.0, Rule("", 0, r"leak\w*|water|heating|air ?con\w*|temperature|lights?|"
                             r"lighting|desk|chair|door|badge|meeting room|toilet|kitchen|"
                             r"power cut|blackout|ceiling")),
    ("Hardware", 1.0, Rule("", 0, r"laptop|desktop|pc|computer|monitor|screen|keyboard|mouse|"
                           r"printer|scanner|toner|dock(?:ing station)?|headset|phone|mobile|"
                           r"battery|charger|hardware|usb|projector|no signal|paper jam")),
    ("Software", 1.0, Rule("", 0, r"software|install\w*|application|app|licen[cs]es?|update|"
                           r"upgrade|excel|word|teams|sap|oracle|version|browser|crash\w*")),
    ("Access", 0.5, Rule("", 0, r"access|permissions?|rights|password|log ?in|sign ?in|logon|"
                         r"account|locked out|unlock|sso|active directory|ad group")),
)
_FIELD_LINE = r"^[ \t]*(?:your )?{}[ \t]*:[ \t]*(.+?)[ \t]*$"
_NAME_LINE = re.compile(_FIELD_LINE.format("(?:full )?name"), re.I | re.M)
_EMAIL_LINE = re.compile(_FIELD_LINE.format("e-?mail(?: address)?"), re.I | re.M)
_ANY_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@lru_cache(maxsize=1024)
def _term(term: str) -> re.Pattern[str]:
    return words(re.escape(normalise(term)) + "(?:s|es)?")


@lru_cache(maxsize=1024)
def _needle(term: str) -> str:
    return normalise(term)


def _exact(text: str, catalogue: Sequence[ServiceEntry]) -> tuple[str, str] | None:
    best: tuple[int, int, str, str] | None = None
    for entry in catalogue:
        for term in (entry.name, *entry.aliases):
            if _needle(term) not in text:  # `_term` matches only where this substring is
                continue
            match = _term(term).search(text)
            if match and (best is None or (match.start(), -len(term)) < best[:2]):
                how = "its name" if term == entry.name else "alias"
                best = (match.start(), -len(term), entry.name, f"{how} '{match.group(0)}'")
    return None if best is None else (best[2], f"service '{best[2]}' matched {best[3]}")


def _fuzzy(text: str, catalogue: Sequence[ServiceEntry]) -> tuple[str, str] | None:
    terms = {normalise(t): e.name for e in catalogue for t in (e.name, *e.aliases)}
    tokens = re.findall(r"[\w'-]+", text)
    for size in sorted({len(t.split()) for t in terms}):
        pool = [t for t in terms if len(t.split()) == size and len(t) >= 5]
        for i in range(len(tokens) - size + 1):
            gram = " ".join(tokens[i : i + size])
            for near in difflib.get_close_matches(gram, pool, n=1, cutoff=FUZZY_CUTOFF):
                if gram.rstrip("s") != near.rstrip("s"):  # "team" is not a typo of "teams"
                    ratio = difflib.SequenceMatcher(None, gram, near).ratio()
                    return terms[near], (f"service '{terms[near]}' fuzzy-matched "
                                         f"'{gram}' to '{near}' ({ratio:.2f})")
    return None


def match_service(
    text: str, catalogue: Sequence[ServiceEntry], chosen: str | None = None
) -> tuple[str | None, str]:
    """Find the catalogue service a report is about; a form's `chosen` service wins."""
    note = ""
    if chosen:
        for entry in catalogue:
            if entry.name.casefold() == chosen.strip().casefold():
                return entry.name, f"service '{entry.name}' chosen on the form"
        note = f"form service '{chosen}' is not in the catalogue; "
    text = normalise(text)
    found = _exact(text, catalogue) or _fuzzy(text, catalogue)
    if found:
        return found[0], note + found[1]
    return None, note + "no catalogue service named in the text"


def _graded(sub: Submission, table: tuple[tuple[int, Rule], ...], what: str) -> tuple[int, str]:
    text = submission_text(sub)
    for level, rule in table:
        hits = rule.hits(text)
        if hits:
            return level, f"{what} {LEVELS[level]}: {quoted(hits)}"
    return 3, ""


def impact(sub: Submission) -> tuple[int, str]:
    """Grade how many people are affected: 1 high, 2 medium, 3 low."""
    answer = sub.form.get("affected", "").strip().lower()
    if answer in AFFECTED:
        return AFFECTED[answer], f"impact {LEVELS[AFFECTED[answer]]}: form says '{answer}'"
    level, reason = _graded(sub, SCOPE_RULES, "impact")
    return level, reason or "impact low: no scope words: assumed one person"


def urgency(sub: Submission) -> tuple[int, str]:
    """Grade how soon work is blocked: 1 high, 2 medium, 3 low."""
    answer = sub.form.get("can_work", "").strip().lower()
    if answer in CAN_WORK:
        level = CAN_WORK[answer]
        return level, f"urgency {LEVELS[level]}: form says can work '{answer}'"
    level, reason = _graded(sub, URGENCY_RULES, "urgency")
    return level, reason or "urgency low: no time pressure stated"


def category(text: str, kind: str, categories: Sequence[str]) -> tuple[str, str]:
    """Pick the category whose keywords fire most; fall back to 'Other' (or the last one)."""
    text = normalise(text)
    best, best_score, best_hits = None, 0.0, ()
    for name, incident_factor, rule in CATEGORY_RULES:
        hits = rule.hits(text)
        score = len(hits) * (incident_factor if kind == INCIDENT else 1.0)
        if score > best_score:
            best, best_score, best_hits = name, score, hits
    fallback = "Other" if "Other" in categories or not categories else categories[-1]
    if best is None:
        return fallback, f"category {fallback}: no category keywords for this {kind}"
    if best not in categories:
        return fallback, f"category {fallback}: '{best}' ({quoted(best_hits)}) not configured"
    return best, f"category {best}: {quoted(best_hits)}"


def _from_body(text: str, relays: frozenset[str]) -> Address | None:
    name = _NAME_LINE.search(text)
    line = _EMAIL_LINE.search(text)
    found = _ANY_EMAIL.search(line.group(1)) if line else None
    candidates = [found.group(0)] if found else _ANY_EMAIL.findall(text)
    for email in candidates:
        if email.lower() not in relays:
            return Address(name.group(1) if name else "", email.lower())
    return None


def extract_reporter(
    sub: Submission, relay_senders: frozenset[str]
) -> tuple[Address | None, str]:
    """Find the person who reported: From, unless From is a relay (then Reply-To, then body)."""
    relays = frozenset(r.lower() for r in relay_senders)
    if sub.source == "form":
        return sub.sender, "reporter is the form submitter"
    if sub.sender and sub.sender.email.lower() not in relays:
        return sub.sender, f"reporter is the From address {sub.sender.email}"
    via = f"From {sub.sender.email} is a relay" if sub.sender else "no From address"
    for address in sub.reply_to:
        if address.email.lower() not in relays:
            return address, f"{via}: reporter taken from Reply-To {address.email}"
    found = _from_body(sub.text, relays)
    if found:
        return found, f"{via}: reporter taken from the body ({found.email})"
    return None, f"{via}, and no address in Reply-To or the body"
