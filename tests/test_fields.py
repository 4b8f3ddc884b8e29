"""Field extraction: service matching, impact, urgency, category, reporter, normalisation."""

from __future__ import annotations

import pytest

from parsers.classification import INCIDENT, SERVICE_REQUEST, ServiceEntry
from parsers.fields import (
    DEFAULT_CATEGORIES,
    category,
    extract_reporter,
    impact,
    match_service,
    urgency,
)
from parsers.normalise import normalise, submission_text
from parsers.submission import Address, Submission

CATALOGUE = (
    ServiceEntry("Email", ("outlook", "mailbox", "email")),
    ServiceEntry("VPN", ("globalprotect", "remote access")),
    ServiceEntry("Microsoft Teams", ("teams",)),
    ServiceEntry("Printing", ("printer", "scanner")),
)
RELAYS = frozenset({"webform@example.org"})


def mail(body: str, subject: str = "", **extra: object) -> Submission:
    sender = extra.pop("sender", Address("Anna Kowalska", "anna.kowalska@example.com"))
    return Submission(source="mail", subject=subject, sender=sender, text=body, new_text=body,
                      **extra)


def form(**answers: str) -> Submission:
    return Submission(source="form", subject="Report", sender=Address("Ola", "ola@example.com"),
                      text="It is broken.", new_text="It is broken.", form=answers)


@pytest.mark.parametrize(
    ("text", "expected", "reason_part"),
    [
        ("My OUTLOOK calendar is empty", "Email", "alias 'outlook'"),
        ("the printers on floor 2 are offline", "Printing", "alias 'printers'"),
        ("vpn drops every hour", "VPN", "its name 'vpn'"),
        ("my outlok stopped syncing", "Email", "fuzzy-matched 'outlok' to 'outlook'"),
        ("GlobalProtct says gateway not found", "VPN", "fuzzy-matched 'globalprotct'"),
        ("remote acess is broken", "VPN", "fuzzy-matched 'remote acess' to 'remote access'"),
    ],
)
def test_service_is_matched_by_alias_name_or_near_miss(
    text: str, expected: str, reason_part: str
) -> None:
    service, reason = match_service(text, CATALOGUE)
    assert service == expected
    assert reason_part in reason


def test_service_match_is_whole_word_and_ignores_plural_near_misses() -> None:
    assert match_service("our team cannot open the sharepoint", CATALOGUE)[0] is None
    assert match_service("emailing the outlookers", CATALOGUE)[0] is None


def test_first_named_service_wins() -> None:
    assert match_service("teams calls fail, and outlook too", CATALOGUE)[0] == "Microsoft Teams"


def test_form_service_wins_and_unknown_form_service_falls_back_to_text() -> None:
    assert match_service("outlook is down", CATALOGUE, chosen="VPN") == (
        "VPN", "service 'VPN' chosen on the form")
    service, reason = match_service("outlook is down", CATALOGUE, chosen="Fax")
    assert service == "Email"
    assert "form service 'Fax' is not in the catalogue" in reason


@pytest.mark.parametrize(
    ("answer", "level"),
    [("just_me", 3), ("my_team", 2), ("whole_site", 1), ("everyone", 1)],
)
def test_form_affected_answer_sets_impact(answer: str, level: int) -> None:
    got, reason = impact(form(affected=answer))
    assert got == level
    assert answer in reason


@pytest.mark.parametrize(("answer", "level"), [("no", 1), ("degraded", 2), ("yes", 3)])
def test_form_can_work_answer_sets_urgency(answer: str, level: int) -> None:
    got, reason = urgency(form(can_work=answer))
    assert got == level
    assert f"'{answer}'" in reason


@pytest.mark.parametrize(
    ("text", "level", "word"),
    [
        ("The printer is jammed again, sorry to bother you.", 3, "no scope words"),
        ("My laptop battery drains in an hour.", 3, "'my'"),
        ("Several users in accounting see the error.", 2, "'several users'"),
        ("Our team cannot open the shared drive.", 2, "'our team'"),
        ("The whole building has no internet.", 1, "'whole building'"),
        ("Nobody in Sales can log in to the CRM.", 1, "'nobody in sales can'"),
        ("It's just me, everyone else is fine.", 3, "'just me'"),
        ("Company-wide mail outage.", 1, "'company-wide'"),
    ],
)
def test_impact_from_scope_words(text: str, level: int, word: str) -> None:
    got, reason = impact(mail(text))
    assert got == level, reason
    assert word in reason


@pytest.mark.parametrize(
    ("text", "level", "word"),
    [
        ("VPN is down and I can't work at all.", 1, "'can't work'"),
        ("Urgent: the invoice run fails.", 1, "'urgent'"),
        ("The report must be filed by end of day.", 1, "'by end of day'"),
        ("Production is down!", 1, "'production is down'"),
        ("Printing is slow but there is a workaround.", 2, "'slow'"),
        ("Please have it ready by tomorrow.", 2, "'tomorrow'"),
        ("Not urgent, whenever you have time.", 3, "'not urgent'"),
        ("Could you install Visio for me?", 3, "no time pressure stated"),
    ],
)
def test_urgency_from_time_pressure_words(text: str, level: int, word: str) -> None:
    got, reason = urgency(mail(text))
    assert got == level, reason
    assert word in reason


def test_category_uses_keywords_and_falls_back_when_not_configured() -> None:
    assert category("outlook mailbox full", INCIDENT, DEFAULT_CATEGORIES)[0] == "Email"
    assert category("please reset my password", SERVICE_REQUEST, DEFAULT_CATEGORIES)[0] == "Access"
    assert category("hello there", INCIDENT, DEFAULT_CATEGORIES) == (
        "Other", "category Other: no category keywords for this incident")
    got, reason = category("water leaking", INCIDENT, ("IT", "Misc"))
    assert got == "Misc" and "'Facilities'" in reason and "'leaking'" in reason


def test_login_words_are_a_symptom_in_an_incident() -> None:
    assert category("can't log in to outlook", INCIDENT, DEFAULT_CATEGORIES)[0] == "Email"


def test_relay_sender_uses_reply_to() -> None:
    sub = mail("Name: Someone Else\nE-mail: other@example.com",
               sender=Address("Web form", "webform@example.org"),
               reply_to=(Address("Tomasz Wrona", "tomasz.wrona@example.com"),))
    person, reason = extract_reporter(sub, RELAYS)
    assert person == Address("Tomasz Wrona", "tomasz.wrona@example.com")
    assert "Reply-To" in reason and "relay" in reason


def test_relay_sender_without_reply_to_reads_the_body_lines() -> None:
    body = "New report\nName: Tomasz Wrona\nE-mail: Tomasz.Wrona@example.com\nMessage: VPN down"
    person, reason = extract_reporter(mail(body, sender=Address("", "WebForm@example.org")), RELAYS)
    assert person == Address("Tomasz Wrona", "tomasz.wrona@example.com")
    assert "body" in reason


def test_relay_with_no_address_anywhere_gives_none() -> None:
    person, reason = extract_reporter(mail("VPN down", sender=Address("", "webform@example.org")),
                                      RELAYS)
    assert person is None and "no address" in reason


def test_plain_sender_and_form_submitter_are_the_reporter() -> None:
    assert extract_reporter(mail("hi"), RELAYS)[0].email == "anna.kowalska@example.com"
    assert extract_reporter(form(), RELAYS) == (Address("Ola", "ola@example.com"),
                                                "reporter is the form submitter")


def test_normalise_folds_case_unicode_quotes_and_quoted_history() -> None:
    text = "Ｏｕｔｌｏｏｋ  isn\u2019t\tworking\n\nOn Mon, Bob wrote:\n> old text\n> more"
    assert normalise(text) == "outlook isn't working"
    assert normalise("Hi\n-----Original Message-----\nFrom: x") == "hi"


def test_submission_text_prefers_new_text_and_includes_subject() -> None:
    sub = Submission(source="mail", subject="VPN", sender=None, text="old\n> quoted",
                     new_text="  Down again ")
    assert submission_text(sub) == "vpn down again"
