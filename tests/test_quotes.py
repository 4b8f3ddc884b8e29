"""quotes: strip quoted history and signatures, keep inline answers."""

from __future__ import annotations

from parsers.quotes import strip_quotes


def test_bottom_quote_with_attribution() -> None:
    text = "Thanks, fixed.\n\nOn Mon, 13 May 2024, Support <s@example.org> wrote:\n> old\n> text\n"
    assert strip_quotes(text) == "Thanks, fixed."


def test_two_line_attribution() -> None:
    text = "Yes.\n\nOn Mon, 13 May 2024 at 10:00, Example Support\n<s@example.org> wrote:\n> q\n"
    assert strip_quotes(text) == "Yes."


def test_german_attribution() -> None:
    text = "Passt.\n\nAm 07.05.2012 08:10, schrieb Martin:\n> Hallo Marc,\n>\n> super!\n"
    assert strip_quotes(text) == "Passt."


def test_inline_answers_are_kept() -> None:
    text = (
        "Hi,\n\nOn 15.05.2024 at 11:30, Example Support wrote:\n> 1. Which model?\n"
        "HP 4200.\n\n> 2. Still E-302?\nNo, E-310.\n\nRavi\n"
    )
    assert strip_quotes(text) == "Hi,\n\nHP 4200.\n\nNo, E-310.\n\nRavi"


def test_outlook_original_message() -> None:
    text = "See below.\n\n-----Original Message-----\nFrom: A\nSent: Monday\nTo: B\n\nold"
    assert strip_quotes(text) == "See below."


def test_outlook_header_block() -> None:
    text = "Done.\n\nFrom: Support <s@example.org>\nSent: Monday, 13 May\nTo: me\nSubject: x\n\nold"
    assert strip_quotes(text) == "Done."
    german = "Erledigt.\n\nVon: Support\nGesendet: Montag\nAn: ich\nBetreff: x\n\nalt"
    assert strip_quotes(german) == "Erledigt."


def test_signature_removed() -> None:
    assert strip_quotes("Body text.\n\n-- \nJane Doe\nACME") == "Body text."


def test_nothing_left_returns_full_text() -> None:
    text = "> only\n> quoted"
    assert strip_quotes(text) == text


def test_plain_text_unchanged() -> None:
    assert strip_quotes("Line one\nFrom: here on, it is broken.\n") == (
        "Line one\nFrom: here on, it is broken."
    )
