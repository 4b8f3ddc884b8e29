"""Decide incident vs service request, and assemble the full `Classification`.

The kind is a vote. Today there is one voter, `rule_voter`, reading the
ordered table `KIND_RULES`: each rule is a name, a weight (positive leans
incident, negative leans service request) and a pattern. The weights of the
rules that fire are summed; confidence is the logistic of that margin. A later
learned model is one more `Voter` passed to `classify` (its log-odds add to the
sum), so the rules stay as explainable evidence next to it.

ITIL decisions the table encodes:
- An incident is an unplanned interruption or degradation ("down", "error",
  "slow", "leaking"); a service request is planned catalogue work ("please
  create", "need access", "new starter", "order").
- Politeness is not a request: "please help, the VPN is down" is an incident;
  only a polite *verb of provisioning* ("please reset/install/add") counts.
- A password reset or account unlock is a standard service request even when
  the sender writes "I can't log in": "I can't log in because my password
  expired, please reset it" is a service request, and the password rule is
  weighted to outvote the login symptom.
- A tie (no evidence) leans service request, the common case, but is always
  sent for review because its confidence is 0.5.

No Flask, no DB, no network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from parsers.classification import (
    INCIDENT,
    SERVICE_REQUEST,
    Classification,
    ServiceEntry,
    Vote,
    Voter,
)
from parsers.fields import category, impact, match_service, urgency
from parsers.normalise import submission_text
from parsers.rules import Rule, quoted
from parsers.submission import Submission

_CANNOT = r"(?:can't|cannot|can not|unable to|not able to|couldn't|could not)"
_POLITE = r"(?:please|pls|kindly|(?:could|can|would) (?:you|someone|we|i))(?: please| kindly)?"

KIND_RULES: tuple[Rule, ...] = (
    Rule("outage words", 2.5, r"down|outage|offline|not working|stopped working|"
         r"(?:isn't|is not|aren't|are not|doesn't|does not|don't|won't) work(?:ing)?|"
         r"no longer (?:works?|working|opens?|loads?|connects?)|out of order|broken|"
         r"no signal|unavailable|unreachable|dead|black screen|blank (?:screen|page)|"
         r"(?:screen|display) (?:is|goes|went|stays) (?:black|blank)"),
    Rule("errors and crashes", 2.0, r"errors?|crash(?:es|ed|ing)?|fail(?:s|ed|ing|ure)?|"
         r"froze|frozen|freez(?:es|ing)|hangs|blue screen|bsod|exception|bounced?|undeliverable|"
         r"rejects?|rejected|refuses?|refused|"
         r"(?:access|permission) denied"),
    Rule("cannot use", 2.0, _CANNOT + r" (?:log ?in|log on|logon|sign ?in|connect|access|open|"
         r"print|send|receive|save|load|start|see|use|join|reach|launch|boot|hear|upload|"
         r"download|get into)|won't (?:start|open|boot|connect|load|print|turn on)|"
         r"keeps? (?:crashing|dropping|disconnecting|freezing|restarting)|"
         r"(?:doesn't|does not|won't|will not|isn't|is not|don't|do not|no longer) (?:detect|"
         r"recogni[sz]e|charge|turn on|respond|sync|connect|load|open|print|start|boot|arrive)"),
    Rule("slowness and degradation", 1.5, r"slow(?:ly|ness)?|sluggish|lag(?:gy|ging)?|"
         r"intermittent(?:ly)?|time[ds]? ?out|drops?(?: out)?|dropping|cuts? out|"
         r"disconnect(?:s|ed|ing)?|flicker(?:s|ing)?|distorted|garbled|poor quality|noisy|"
         r"choppy|crackl(?:es|ing)|break(?:s|ing)? up"),
    Rule("physical damage", 2.0, r"leak(?:s|ing)?|flood(?:ed|ing)?|dripping|smoke|burning smell|"
         r"power cut|no power|blackout|overheat(?:s|ing)?|too (?:hot|cold|warm)|"
         r"\d+ degrees|cracked|smashed|spill(?:ed|t)|"
         r"jam(?:med)?|paper jam"),
    Rule("security incident", 2.5, r"phishing|virus|malware|ransomware|hacked|compromised|"
         r"suspicious (?:e-?mail|mail|link|login|sign-in|activity)|"
         r"(?:expired|invalid) certificate|certificate (?:has )?expired|certificate error|"
         r"stolen|lost (?:my|his|her|a|the) (?:laptop|phone|mobile|badge|token|usb stick)"),
    Rule("problem words", 1.0, r"problems?|issues?|wrong|not (?:showing|loading|printing|syncing|"
         r"responding|opening)|disappeared|stuck|weird|strange|read-only|read only"),
    Rule("polite provisioning verb", -2.5, _POLITE + r" (?:create|grant|give|provide|install|"
         r"set ?up|setup|add|order|reset|unlock|enable|activate|remove|delete|disable|rename|"
         r"configure|arrange|book|extend|renew|assign|allocate|share|issue|register|approve|"
         r"upgrade|update|change|get me|send me)"),
    Rule("access request", -2.5, r"(?:need|needs|require|requires|requesting|request|"
         r"would like|want|get)(?: to have| to get)? (?:access|permissions?|rights|"
         r"a licen[cs]e)|access request|add (?:me|him|her|them|us|[\w.]+) to|"
         r"admin rights|read(?:/| and | )write access"),
    Rule("new starter or leaver", -3.0, r"new (?:starter|joiner|hire|employee|colleague|"
         r"team member|member of staff)|onboarding|offboarding|leaver|leaving the company|"
         r"(?:starts|starting|joins|joining)(?: us)? on|first day"),
    Rule("order or purchase", -2.0, r"(?:to|like to|want to|can i|could i|could you) order|"
         r"order (?:a|an|some|new|\d+)|purchase|procure|quote for|"
         r"buy|new (?:laptop|monitor|phone|mobile|headset|keyboard|mouse|chair|docking station|"
         r"dock|pc|computer|screen)|replacement|additional (?:monitor|screen|licen[cs]e)"),
    Rule("password reset", -3.5, r"password reset|reset (?:my |the |his |her |their )?password|"
         r"password (?:has )?expired|(?:forgot|forgotten) (?:my )?password|locked out|"
         r"unlock (?:my |the |his |her )?account|account (?:is |has been )?locked"),
    Rule("installation or licence", -1.5, r"install(?:ed|ation|ing)?|licen[cs]es?|subscription"),
    Rule("request words", -1.5, r"request(?:ing)?|i(?: would|'d) like|(?:could|can|may) i "
         r"(?:get|have)|is it possible|set ?up|setup|create|distribution list|mailing list|"
         r"shared mailbox|(?:new|guest) account|book(?:ing)?|reserve|move (?:my|our) desk"),
    Rule("question", -0.5, r"how (?:do|can|to) (?:i|we)|how to|where can i|question|"
         r"is there a way"),
)

STEEPNESS = 0.8  # logistic slope: margin 1 -> 0.69, 2.5 -> 0.88, 4 -> 0.96


def rule_voter(text: str) -> Vote:
    """Vote on the kind with `KIND_RULES`, one reason per rule that fired."""
    score, reasons = 0.0, []
    for rule in KIND_RULES:
        hits = rule.hits(text)
        if hits:
            score += rule.weight
            side = INCIDENT if rule.weight > 0 else SERVICE_REQUEST
            reasons.append(
                f"rule '{rule.name}' fired on {quoted(hits)} → {side} ({rule.weight:+g})"
            )
    return Vote("rules", score, tuple(reasons))


def decide_kind(text: str, voters: Sequence[Voter]) -> tuple[str, float, tuple[str, ...]]:
    """Sum the voters' scores into a kind, a confidence and the reasons."""
    votes = [voter(text) for voter in voters]
    score = sum(vote.score for vote in votes)
    kind = INCIDENT if score > 0 else SERVICE_REQUEST
    confidence = 1.0 / (1.0 + math.exp(-STEEPNESS * abs(score)))
    reasons = [reason for vote in votes for reason in vote.reasons]
    if not reasons:
        reasons.append("no kind rule fired: leaning service_request")
    reasons.append(f"kind {kind}: margin {score:+.1f}, confidence {confidence:.2f}")
    return kind, confidence, tuple(reasons)


def classify(
    sub: Submission,
    catalogue: Sequence[ServiceEntry],
    categories: Sequence[str],
    review_below: float = 0.6,
    voters: Sequence[Voter] = (rule_voter,),
) -> Classification:
    """Classify a submission and extract its service, impact, urgency and category."""
    text = submission_text(sub)
    kind, confidence, reasons = decide_kind(text, voters)
    service, service_reason = match_service(text, catalogue, chosen=sub.form.get("service"))
    impact_level, impact_reason = impact(sub)
    urgency_level, urgency_reason = urgency(sub)
    category_name, category_reason = category(text, kind, categories)
    missing = () if service else ("service",)
    review = []
    if confidence < review_below:
        review.append(f"needs review: confidence {confidence:.2f} below {review_below:.2f}")
    if missing:
        review.append(f"needs review: missing {', '.join(missing)}")
    return Classification(
        kind=kind,
        confidence=round(confidence, 3),
        service=service,
        impact=impact_level,
        urgency=urgency_level,
        category=category_name,
        reasons=(*reasons, service_reason, impact_reason, urgency_reason, category_reason,
                 *review),
        needs_review=bool(review),
        missing=missing,
    )
