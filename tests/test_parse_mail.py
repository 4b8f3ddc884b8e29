"""parse_mail: our hostile cases per EXPECTED.md, and every mail in the shared corpus."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from parsers.mail import bare_ids, parse_addresses, parse_mail
from parsers.submission import Submission
from tests.shared_paths import PEERS, case, corpus_mail_files, messages_in, require_shared


def parsed(name: str) -> Submission:
    return parse_mail(case(name))




def assert_storable(value: str) -> None:
    value.encode("utf-8")  # no lone surrogates
    assert "\x00" not in value


def test_ks_c_5601_is_cp949() -> None:
    sub = parsed("02-charset-ks_c_5601-1987.eml")
    assert sub.subject == "프린터 고장 문의"
    assert sub.sender is not None and sub.sender.name == "김민재"
    assert "'똠양꿍'" in sub.text


def test_utf8_label_with_latin1_bytes() -> None:
    sub = parsed("03-utf8-declared-latin1-bytes.eml")
    assert "La machine à café du 2e étage fuit" in sub.text


def test_latin1_label_decodes_as_cp1252() -> None:
    sub = parsed("05-latin1-label-cp1252-quotes.eml")
    assert "The “quick quote” tool shows €0.00 for every order – since the update." in sub.text


def test_unknown_8bit() -> None:
    sub = parsed("06-charset-unknown-8bit.eml")
    assert sub.subject == "Lecteur K: en lecture seule – équipe finance"
    assert sub.sender is not None and sub.sender.name == "Régis Marchal"
    assert "finance team – since 08:00." in sub.text


def test_tnef_body_and_attachment() -> None:
    sub = parsed("08-tnef-winmail-dat.eml")
    assert sub.subject == "Badge reader at north entrance"
    assert sub.text == (
        "The badge reader at the north entrance rejects every card since this morning. "
        "Wiring sketch attached."
    )
    assert [(a.filename, a.size) for a in sub.attachments] == [("wiring-sketch.txt", 40)]


def test_headers_kept_for_screening() -> None:
    sub = parsed("09-ooo-auto-submitted.eml")
    assert sub.headers["auto-submitted"] == "auto-replied"
    assert sub.headers["precedence"] == "auto_reply"
    assert sub.in_reply_to == ("t1042.n2@helpdesk.example.org",)
    assert sub.references == ("t1042.n1@helpdesk.example.org", "t1042.n2@helpdesk.example.org")


def test_message_ids_and_date() -> None:
    sub = parsed("16-reply-in-reply-to-only.eml")
    assert sub.message_id == "c16.ravi@mail.example.com"
    assert sub.in_reply_to == ("t1042.n1@helpdesk.example.org",) and sub.references == ()
    assert isinstance(sub.date, datetime) and sub.date.utcoffset() is not None
    assert sub.source == "mail" and sub.subject == "Re: Printer on floor 3 offline"


@pytest.mark.parametrize("name", ["14-no-message-id.eml", "15-no-message-id-second.eml"])
def test_missing_message_id_is_none(name: str) -> None:
    assert parsed(name).message_id is None


def test_same_message_id_different_mail() -> None:
    a, b = parsed("18-redelivery-a.eml"), parsed("20-same-msgid-different-body.eml")
    assert a.message_id == b.message_id == "c18.hana@mail.example.com"
    assert (a.subject, b.subject) == ("Monitor flickers", "Keyboard missing keys")
    assert b.sender is not None and b.sender.email == "jonas.berg@example.com"


def test_smime_signature_is_not_the_body() -> None:
    sub = parsed("21-smime-signed.eml")
    assert sub.text.startswith("The TLS certificate of web01 expires on 2 June. Please renew it.")
    assert [a.filename for a in sub.attachments] == ["smime.p7s"]


def test_forward_as_attachment_stays_attached() -> None:
    sub = parsed("23-forward-as-attachment-rfc822.eml")
    assert sub.text.startswith("The April readings look wrong for M-02")
    assert "Attached are the April meter readings" not in sub.text
    assert sub.in_reply_to == () and sub.references == ()
    (eml,) = sub.attachments
    assert eml.filename == "Meter readings for April.eml"
    assert eml.content_type == "message/rfc822"
    assert b"meter-readings.csv" in eml.content and b"M-02,877" in eml.content


def test_attachment_only_mail_has_empty_text() -> None:
    sub = parsed("25-no-body-attachment-only.eml")
    assert sub.subject == "Invoice 2291" and sub.text == "" and sub.new_text == ""
    assert [(a.filename, a.size) for a in sub.attachments] == [("invoice-2291.pdf", 125)]


def test_html_only_becomes_text() -> None:
    sub = parsed("27-html-only.eml")
    assert "Hello team," in sub.text
    assert "The projector in room B2 shows no signal with the HDMI cable." in sub.text
    assert "font-family" not in sub.text and "alert" not in sub.text
    assert sub.html is not None and "<p>" in sub.html


def test_addresses() -> None:
    cc = parsed("34-cc-trailing-comma.eml").cc
    assert [a.email for a in cc] == ["nadia.haddad@example.com"]
    relay = parsed("37-reply-to-relay.eml")
    assert relay.sender is not None and relay.sender.email == "webform@example.org"
    assert [a.email for a in relay.reply_to] == ["tomasz.wrona@example.com"]
    stake = parsed("38-cc-stakeholders.eml")
    assert [a.email for a in stake.to] == ["support@example.org", "facilities@example.com"]
    assert [a.email for a in stake.cc] == ["help@example.org", "martin.keller@example.com"]
    assert stake.to[1].name == "Facilities"


def test_inline_reply_keeps_answers() -> None:
    sub = parsed("40-inline-reply-interleaved.eml")
    for answer in ("HP-style 4200, asset P-3-07.", "No, now it is E-310.", "Yes, 15:00 works."):
        assert answer in sub.new_text
    assert "Which model is it?" not in sub.new_text


def test_long_references_line() -> None:
    sub = parsed("44-long-references.eml")
    assert len(sub.references) == 42
    assert sub.references[-1] == "t1042.n2@helpdesk.example.org"
    assert sub.in_reply_to == ("t1042.n2@helpdesk.example.org",)


def test_address_and_id_helpers_tolerate_garbage() -> None:
    assert parse_addresses('"A, B" <A@X.org>,,, junk') == parse_addresses('"A, B" <a@x.org>')
    assert parse_addresses("=?iso-8859-1?Q?B=FCrling,=20Andreas?= <s@example.com>")[0].name == (
        "Bürling, Andreas"
    )
    assert bare_ids("<a@b> garbage (comment) <c@d>") == ("a@b", "c@d")
    assert bare_ids("") == () and bare_ids("no ids here") == ()


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00\xff\xfe", b"From: \xff\r\n\r\n\x00", b"Content-Type: multipart/mixed\r\n\r\n--",
     b"Subject: =?x?B?@@@?=\r\nDate: 99 Foo 1\r\nMessage-ID: <>\r\n\r\nhi"],
)
def test_never_raises_on_junk(raw: bytes) -> None:
    sub = parse_mail(raw)
    assert sub.source == "mail" and sub.message_id is None


@pytest.mark.parametrize(
    "raw",
    [b"Subject: =?utf-8?B?QUJDRA1?=\r\n\r\nx",  # base64 word with a dangling character
     b"Content-Type: text/plain; charset=\"a\x00b\"\r\n\r\n\xe9t\xe9",  # NUL in charset
     b"Content-Type: text/plain\r\n\r\nbegin 644 x\n\xff\xfe\nend\n"],  # 8-bit uuencode
)
def test_fuzz_findings_are_handled_not_swallowed(raw: bytes) -> None:
    sub = parse_mail(raw)
    assert not any(d.startswith("unparseable") for d in sub.defects), sub.defects


def _corpus_ids() -> list[str]:
    return [str(p) for p in corpus_mail_files()]


@pytest.mark.parametrize("path", _corpus_ids())
def test_every_corpus_mail_parses_to_storable_text(path: str) -> None:
    require_shared()
    for raw in messages_in(Path(path)):
        sub = parse_mail(raw)
        names = [a.name for a in (*sub.to, *sub.cc, *sub.reply_to)]
        for value in (sub.subject, sub.text, sub.new_text, sub.html or "", *names,
                      *sub.headers.values(), *sub.defects):
            assert_storable(value)
        for att in sub.attachments:
            assert att.filename and "/" not in att.filename and "\\" not in att.filename
            assert not any(unicodedata.category(ch) == "Cc" for ch in att.filename)
            assert not att.filename.startswith(".")
        if sub.text:
            assert "%PDF" not in sub.text[:10]


def zammad(name: str) -> Submission:
    require_shared()
    return parse_mail(messages_in(PEERS / "zammad" / name)[0])


@pytest.mark.parametrize(
    ("name", "subject", "sender_name", "sender_email", "snippet"),
    [
        ("mail093.box", "ツール", "ツール EXAMPLE", "bar@example.org", "無料バージョンを導入"),
        ("mail098.box", "一覧」をアップします", "事務局", "noreply@example.org", "全メンバー"),
        ("mail091.box", "メルマガ解除", "岡本和正", "mail@domain.jp", "メルマガを解除"),
        ("mail027.box", "蠭龕中層管理者如何避免角色行为誤区", "", "caoyaoewfzfw@21cn.com", ""),
        ("mail046.box", "转发：整体提升企业服务水平", "武兰成", "glopelf7121@example.com", "Spam"),
        ("mail065.box", "aaäöüßad asd", "Bürling, Andreas", "smith@example.com", "äöüß ad asd"),
        ("mail037.box", "Example: Java 8 Neuerungen", "Example", "info@example.com", "Tag Max"),
        ("mail097.box", "Subject of message", "Name R. John", "user.name@example.com",
         "Message text"),
    ],
)
def test_zammad_charset_mails(
    name: str, subject: str, sender_name: str, sender_email: str, snippet: str
) -> None:
    sub = zammad(name)
    assert sub.subject == subject
    assert sub.sender is not None
    assert (sub.sender.name, sub.sender.email) == (sender_name, sender_email)
    assert snippet in sub.text


def test_zammad_rfc2231_attachment_name() -> None:
    assert [a.filename for a in zammad("mail081.box").attachments] == ["Erklärung.txt"]


def test_uuencoded_attachment_is_extracted() -> None:
    sub = zammad("mail078-content_transfer_encoding_x_uuencode.box")
    assert sub.text.startswith("Attached are the comments of the Public Generating Pool.")
    assert [a.filename for a in sub.attachments] == ["PGP_Cmts_on_12-14-01_Pkg.txt"]
    assert sub.attachments[0].content == b"Hello Zammad"  # x-uuencode without "begin"


def test_rfc822_named_by_parameter_still_ends_in_eml() -> None:
    sub = parse_mail(messages_in(PEERS / "rt" / "emails" / "8859-15-message-series" / "dir")[0])
    names = {a.filename for a in sub.attachments if a.content_type == "message/rfc822"}
    assert names == {"test _________.eml"}


def test_binary_junk_is_not_a_body() -> None:
    sub = parse_mail((PEERS / "mail-parser" / "mail_outlook_1").read_bytes())
    assert sub.text == "" and sub.attachments[0].size > 100_000


def test_wrong_boundary_is_recovered() -> None:
    sub = parse_mail((PEERS / "mail-parser" / "mail_malformed_3").read_bytes())
    assert "Problemas para visualizar" in sub.text and "Content-Type" not in sub.text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("<a@b>", ("a@b",)),
        ("a@b", ("a@b",)),  # no angle brackets
        ("<a b@c>", ("ab@c",)),  # a space inside (broken clients)
        ("<a@b>\r\n <c@d>", ("a@b", "c@d")),  # several ids, folded
        ("<" + "x" * 2000 + "@example.com>", None),  # longer than any header line
    ],
)
def test_odd_message_ids_are_bare_bounded_and_agree_with_storage(header, expected) -> None:
    from parsers.rawinfo import MAX_ID_LENGTH, header_message_id

    ids = bare_ids(header)
    if expected is not None:
        assert ids == expected
    assert ids and all(len(i) <= MAX_ID_LENGTH for i in ids)
    raw = f"Message-ID: {header}\r\nFrom: a@example.com\r\n\r\nx".encode()
    assert header_message_id(raw) == parse_mail(raw).message_id == ids[0]
    if expected is None:
        assert ids[0].endswith("@example.com")  # the domain survives the shortening


def test_over_long_addresses_are_dropped_and_names_cut() -> None:
    raw = ('From: "' + "N" * 600 + '" <a@example.com>\r\nCc: ' + "w" * 300
           + "@example.com, ok@example.com\r\n\r\nx").encode()
    sub = parse_mail(raw)
    assert sub.sender is not None and sub.sender.email == "a@example.com"
    assert len(sub.sender.name) == 200
    assert [a.email for a in sub.cc] == ["ok@example.com"]


INVITE = (b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
          b"END:VTIMEZONE\r\nBEGIN:VEVENT\r\nSUMMARY:Printer review\\, floor 3\r\n"
          b"DTSTART;TZID=Europe/Berlin:20240603T090000\r\nLOCATION:Room B2\r\n"
          b" (east wing)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
INVITE_TEXT = ("Calendar invitation: Printer review, floor 3\n"
               "When: 2024-06-03 09:00 (Europe/Berlin)\nWhere: Room B2(east wing)")


def test_bare_calendar_invite_is_kept_and_described() -> None:
    raw = (b"From: a@example.com\r\nSubject: Invitation\r\n"
           b"Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n" + INVITE)
    sub = parse_mail(raw)
    assert sub.text == INVITE_TEXT
    assert [(a.filename, a.content) for a in sub.attachments] == [("invite.ics", INVITE)]


def test_outlook_invite_alternative_keeps_the_ics_and_its_own_text() -> None:
    raw = (b"From: a@example.com\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/alternative; boundary=A\r\n\r\n"
           b"--A\r\nContent-Type: text/plain\r\n\r\n\r\n"
           b"--A\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n" + INVITE + b"--A--\r\n")
    sub = parse_mail(raw)
    assert sub.text == INVITE_TEXT
    assert [a.filename for a in sub.attachments] == ["invite.ics"]
    with_text = raw.replace(b"text/plain\r\n\r\n\r\n", b"text/plain\r\n\r\nSee you there.\r\n")
    assert parse_mail(with_text).text == "See you there."


def test_decomposed_attachment_names_and_html_are_stored_nfc() -> None:
    from urllib.parse import quote

    nfd = unicodedata.normalize("NFD", "Prüfbericht März.pdf")
    raw = ("From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B"
           "\r\n\r\n--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" + nfd + "</p>\r\n"
           "--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
           "filename*=utf-8''" + quote(nfd) + "\r\n\r\n%PDF-1.1\r\n--B--\r\n")
    sub = parse_mail(raw.encode())
    assert [a.filename for a in sub.attachments] == ["Prüfbericht März.pdf"]
    assert sub.html is not None and unicodedata.is_normalized("NFC", sub.html)
