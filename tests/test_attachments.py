"""attachments: safe names, RFC 2231/2047 names, rfc822, TNEF, inline images, uuencode."""

from __future__ import annotations

import pytest

from parsers.attachments import safe_filename, split_uuencoded
from parsers.mail import parse_mail
from tests.shared_paths import case


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../../../etc/cron.d/helpdesk-job", "helpdesk-job"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("/tmp/abs-path.txt", "abs-path.txt"),
        ("..", "attachment-4.txt"),
        ("", "attachment-4.txt"),
        (None, "attachment-4.txt"),
        (".htaccess", "htaccess"),
        ("a\x00b\x1fc\u202eexe.txt", "abcexe.txt"),
        ("C:report?.pdf", "C_report_.pdf"),
    ],
)
def test_safe_filename(raw: str | None, expected: str) -> None:
    assert safe_filename(raw, 4, "text/plain") == expected


def test_long_name_is_shortened_keeping_extension() -> None:
    name = safe_filename("x" * 600 + ".pdf", 1, "application/pdf")
    assert name.endswith(".pdf") and len(name.encode()) <= 200


def test_generated_name_extension_follows_content_type() -> None:
    assert safe_filename(None, 2, "application/pdf") == "attachment-2.pdf"
    assert safe_filename(None, 3, "application/x-nothing") == "attachment-3.bin"


def test_path_traversal_case() -> None:
    sub = parse_mail(case("31-attachment-path-traversal.eml"))
    assert [a.filename for a in sub.attachments] == [
        "helpdesk-job", "win.ini", "abs-path.txt", "attachment-4.txt"
    ]
    assert sub.attachments[0].content == b"* * * * * root echo owned\n"
    assert sub.text == "Kiosk logs attached."


def test_rfc2231_continuation_with_charset() -> None:
    sub = parse_mail(case("29-rfc2231-continuation-filename.eml"))
    (att,) = sub.attachments
    assert att.filename == "Prüfprotokoll Kältemaschine März 2024 – Gebäude C.pdf"
    assert att.size == 125 and att.content.startswith(b"%PDF-1.4")


def test_bad_base64_and_split_encoded_word_name() -> None:
    sub = parse_mail(case("46-bad-base64-attachment.eml"))
    (att,) = sub.attachments
    assert (att.filename, att.size) == ("Lieferschein_Nürnberg.pdf", 125)
    assert "InvalidBase64CharactersDefect" in sub.defects


def test_inline_images_by_cid_and_bare_name() -> None:
    sub = parse_mail(case("42-inline-images-cid.eml"))
    assert "Checkout PC 2 shows this dialog:" in sub.text
    images = {a.content_id: a for a in sub.attachments}
    assert set(images) == {"image001.png@01DAA5C2.3F1E0B40", "image002.png"}
    assert all(a.inline and a.content_type == "image/png" for a in images.values())
    assert sub.html is not None and 'src="cid:image002.png"' in sub.html


def test_tnef_undecodable_is_kept_with_a_note() -> None:
    raw = (
        b"From: a@example.com\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\n\r\n--b\r\nContent-Type: application/ms-tnef\r\n"
        b'Content-Disposition: attachment; filename="winmail.dat"\r\n\r\nnot tnef\r\n--b--\r\n'
    )
    sub = parse_mail(raw)
    assert [a.filename for a in sub.attachments] == ["winmail.dat"]
    assert any("winmail.dat" in d for d in sub.defects)


def test_rfc822_without_subject_gets_a_generated_name() -> None:
    raw = (
        b"From: a@example.com\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nsee\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: x@example.com\r\n\r\ninner body\r\n--b--\r\n"
    )
    sub = parse_mail(raw)
    assert sub.text == "see"
    assert [a.filename for a in sub.attachments] == ["attachment-1.eml"]


def test_uuencoded_block_in_text() -> None:
    text = "Hello\nbegin 644 hi.txt\n#:&D*\n`\nend\nBye"
    body, files = split_uuencoded(text)
    assert body == "Hello\nBye" and files == [("hi.txt", b"hi\n")]
