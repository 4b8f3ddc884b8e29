"""screening: loops, bounces, auto-replies and bulk mail get no ticket; forms never."""

from __future__ import annotations

import pytest

from parsers.mail import parse_mail
from parsers.screening import RULES, screen
from parsers.submission import Address, Submission
from tests.shared_paths import CASES, case, require_shared

OWN = frozenset({"support@example.org", "help@example.org"})
DOMAIN = "helpdesk.example.org"
SCREENED = {"09-ooo-auto-submitted.eml": "auto-reply", "11-bounce-dsn.eml": "bounce",
            "13-from-own-address.eml": "loop"}


def mail(headers: dict[str, str], subject: str = "Hello", sender: str = "a@example.com",
         message_id: str | None = "x@example.com") -> Submission:
    return Submission(source="mail", subject=subject, sender=Address("", sender), text="t",
                      new_text="t", message_id=message_id, headers=headers)


def test_cases_screened_as_expected() -> None:
    require_shared()
    for path in sorted(CASES.glob("*.eml")):
        result = screen(parse_mail(path.read_bytes()), OWN, DOMAIN)
        assert (result.rule if result else None) == SCREENED.get(path.name), path.name


def test_bounce_refers_to_original_message() -> None:
    result = screen(parse_mail(case("11-bounce-dsn.eml")), OWN, DOMAIN)
    assert result is not None and result.related_message_ids == ("t1077.n1@helpdesk.example.org",)


def test_auto_reply_refers_to_our_notification() -> None:
    result = screen(parse_mail(case("09-ooo-auto-submitted.eml")), OWN, DOMAIN)
    assert result is not None
    assert result.related_message_ids[0] == "t1042.n2@helpdesk.example.org"


def test_bounce_from_corpus_names_returned_message() -> None:
    require_shared()
    raw = (CASES.parent / "peers" / "zammad" / "mail078.box").read_bytes()
    result = screen(parse_mail(raw), OWN, DOMAIN)
    assert result is not None and result.rule == "bounce"
    assert result.related_message_ids == ("20150830145601.30.608881@example.com",)


def test_relay_is_not_a_loop() -> None:
    assert screen(parse_mail(case("37-reply-to-relay.eml")), OWN, DOMAIN) is None


def test_rule_order_is_explicit() -> None:
    assert [name for name, _ in RULES] == ["loop", "bounce", "auto-reply", "bulk-list"]


@pytest.mark.parametrize(
    ("headers", "subject", "sender", "rule"),
    [
        ({"auto-submitted": "auto-generated"}, "x", "a@example.com", "auto-reply"),
        ({"auto-submitted": "no"}, "x", "a@example.com", None),
        ({"x-autorespond": "1"}, "x", "a@example.com", "auto-reply"),
        ({"precedence": "junk"}, "x", "a@example.com", "auto-reply"),
        ({"precedence": "list"}, "x", "a@example.com", "auto-reply"),
        ({"x-auto-response-suppress": "All"}, "Printer broken", "a@example.com", None),
        ({"x-auto-response-suppress": "All"}, "I am out of office", "a@example.com", "auto-reply"),
        ({}, "Out of office next week, who covers?", "a@example.com", None),
        ({}, "Automatic reply: [#1042] Printer", "a@example.com", "auto-reply"),
        ({}, "Abwesenheitsnotiz: Drucker", "a@example.com", "auto-reply"),
        ({"return-path": "<>"}, "Delivery failure", "MAILER-DAEMON@mx.example.com", "bounce"),
        ({}, "Undeliverable: x", "postmaster@mx.example.com", "bounce"),
        ({}, "Question about postmaster", "postmaster@mx.example.com", None),
        ({"list-id": "<ops.example.com>"}, "x", "a@example.com", "bulk-list"),
        ({"list-unsubscribe": "<mailto:u@x>"}, "x", "a@example.com", None),
        ({}, "x", "HELP@example.org", "loop"),
    ],
)
def test_rules(headers: dict[str, str], subject: str, sender: str, rule: str | None) -> None:
    result = screen(mail(headers, subject, sender.lower()), OWN, DOMAIN)
    assert (result.rule if result else None) == rule


def test_own_message_id_domain_is_a_loop() -> None:
    result = screen(mail({}, message_id="t9.n1@helpdesk.example.org"), OWN, DOMAIN)
    assert result is not None and result.rule == "loop"


def test_form_is_never_screened() -> None:
    sub = Submission(source="form", subject="Automatic reply", sender=Address("", "a@x.org"),
                     text="", new_text="", headers={"auto-submitted": "auto-replied"})
    assert screen(sub, OWN, DOMAIN) is None
