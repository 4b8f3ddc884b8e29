"""The pipeline's stages as small functions with settings read from the app config.

The decisions themselves live in `parsers` (pure); this module feeds them the
stored item, the catalogue and the settings, and looks things up in the database.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from flask import current_app
from sqlalchemy import select

from app import classifier_model
from app.correlate import Match, find_ticket
from app.extensions import db
from app.models import IntakeItem, Service
from parsers.classification import Classification, ServiceEntry
from parsers.classifier import classify as classify_rules
from parsers.fields import extract_reporter
from parsers.form import parse_form
from parsers.mail import parse_mail
from parsers.normalise import tidy_submission
from parsers.rawinfo import content_fingerprint
from parsers.screening import Screened
from parsers.screening import screen as screen_rules
from parsers.submission import Address, Submission


def parse(item: IntakeItem) -> Submission:
    """Parse the stored raw bytes of any source into a tidy Submission."""
    sub = parse_form(item.raw) if item.source == "form" else parse_mail(item.raw)
    if sub.sender is None and item.envelope_from:
        # No usable From: the envelope sender is the best address we have.
        sub = replace(sub, sender=Address("", item.envelope_from.strip("<> ").lower()))
    return tidy_submission(sub)


def deduplicate(item: IntakeItem, sub: Submission) -> IntakeItem | None:
    """Claim this report's fingerprint; return the earlier item when it was taken."""
    if item.source == "form":
        fingerprint = item.raw_sha256
    else:
        key = f"{sub.message_id or ''}\n{content_fingerprint(item.raw)}"
        fingerprint = hashlib.sha256(key.encode()).hexdigest()
    with db.session.no_autoflush:  # see `correlate`
        original = db.session.scalar(select(IntakeItem).where(
            IntakeItem.fingerprint == fingerprint, IntakeItem.id != item.id))
    if original is None:
        item.fingerprint = fingerprint  # unique: a concurrent twin fails and retries
    return original


def screen(sub: Submission, envelope_from: str | None = None) -> Screened | None:
    if sub.source == "form":
        return None
    return screen_rules(sub, frozenset(current_app.config["INTAKE_ADDRESSES"]),
                        current_app.config["MAIL_DOMAIN"], envelope_from)


def correlate(item: IntakeItem, sub: Submission) -> Match | None:
    recipients = [*item.envelope_to, *(a.email for a in (*sub.to, *sub.cc))]
    # Reads only: flushing the item's pending changes here would start the write
    # transaction early, and on SQLite hold the one write lock (which the SMTP edge
    # needs to store mail) through correlation and classification.
    with db.session.no_autoflush:
        return find_ticket(sub, recipients)


def classify(sub: Submission) -> tuple[Address | None, Classification]:
    """Find the reporter and classify the report against the live catalogue."""
    reporter, _ = extract_reporter(sub, frozenset(current_app.config["RELAY_SENDERS"]))
    with db.session.no_autoflush:  # see `correlate`
        services = db.session.scalars(select(Service).where(Service.active.is_(True))).all()
    catalogue = [ServiceEntry(s.name, s.alias_list) for s in services]
    model = classifier_model.current_model()
    cls = classify_rules(sub, catalogue, current_app.config["CATEGORIES"],
                         review_below=float(current_app.config["REVIEW_CONFIDENCE"]),
                         voters=classifier_model.voters(model))
    return reporter, replace(cls, version=classifier_model.version_of(model))


def watchers(sub: Submission, reporter: Address | None) -> list[Address]:
    """People on To/Cc who are neither us, a relay, nor the reporter."""
    ours = set(current_app.config["INTAKE_ADDRESSES"]) | set(current_app.config["RELAY_SENDERS"])
    skip = {reporter.email if reporter else "", sub.sender.email if sub.sender else ""}
    people = []
    for person in (*sub.to, *sub.cc):
        base = _without_plus(person.email)
        if person.email and base not in ours and person.email not in skip:
            people.append(person)
    return people


def _without_plus(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local.partition('+')[0]}@{domain}"
