"""charsets: lying labels, unknown labels, RFC 2047 words split inside a character."""

from __future__ import annotations

import pytest

from parsers.charsets import clean_text, codec_for, decode_bytes, decode_header


@pytest.mark.parametrize(
    ("label", "codec"),
    [("ks_c_5601-1987", "cp949"), ("KS_C_5601", "cp949"), ("euc-kr", "cp949"),
     ("gb2312", "gb18030"), ("GBK", "gb18030"), ("gb_2312-80", "gb18030"),
     ("iso-8859-1", "cp1252"), ("latin1", "cp1252"), ("us-ascii", "cp1252"),
     ("unknown-8bit", None), ("x-unknown", None), ("", None), (None, None), ("base64", None)],
)
def test_codec_for(label: str | None, codec: str | None) -> None:
    assert codec_for(label) == codec


def test_cp949_only_character() -> None:
    assert decode_bytes("똠양꿍".encode("cp949"), "ks_c_5601-1987") == "똠양꿍"


def test_latin1_label_is_cp1252() -> None:
    assert decode_bytes(b"\x93q\x94 \x800 \x96", "iso-8859-1") == "“q” €0 –"


def test_declared_utf8_with_latin1_bytes() -> None:
    assert decode_bytes(b"caf\xe9", "utf-8") == "café"


@pytest.mark.parametrize("label", ["unknown-8bit", "x-unknown", "unknown", "", "no-such", None])
def test_unknown_labels_fall_back(label: str | None) -> None:
    assert decode_bytes("Régis".encode(), label) == "Régis"
    assert decode_bytes(b"R\xe9gis", label) == "Régis"
    assert decode_bytes(bytes(range(256)), label)  # never raises


def test_gb2312_label_with_gbk_bytes() -> None:
    text = "整体提升企业服务水平 镕"
    assert decode_bytes(text.encode("gbk"), "gb2312") == text


def test_iso2022jp_label_with_shift_jis_bytes() -> None:
    assert decode_bytes("ツール".encode("cp932"), "iso-2022-jp") == "ツール"


def test_clean_text_removes_nul_and_surrogates() -> None:
    assert clean_text("a\x00b\udcc3") == "ab\ufffd"


def test_encoded_words_split_inside_a_character() -> None:
    value = "=?utf-8?B?TGllZmVyc2NoZWluX07D?= =?utf-8?B?vHJuYmVyZy5wZGY=?="
    assert decode_header(value) == "Lieferschein_Nürnberg.pdf"


def test_encoded_words_of_different_charsets() -> None:
    # RFC 2047 section 6.2: white space between adjacent encoded words is not shown.
    value = "Re: =?iso-8859-1?q?h=E9llo?= =?utf-8?q?w=C3=B6rld?= end"
    assert decode_header(value) == "Re: héllowörld end"


def test_unknown_charset_word_and_raw_8bit() -> None:
    assert decode_header("=?unknown-8bit?Q?R=C3=A9gis?=") == "Régis"
    raw_8bit = "Caf\udcc3\udca9"  # bytes C3 A9 as parsed with surrogateescape
    assert decode_header(raw_8bit) == "Café"
    gbk = "整体".encode("gbk").decode("ascii", errors="surrogateescape")
    assert decode_header(gbk, hints=("gb2312",)) == "整体"


@pytest.mark.parametrize(
    "value", ["=?utf-8?B?####?=", "=?utf-8?Q?=ZZ?=", "=??B?x?=", "=?utf-8?X?abc?=", "\r\n\t x"]
)
def test_broken_headers_never_raise(value: str) -> None:
    assert isinstance(decode_header(value), str)


def test_folded_header_is_unfolded() -> None:
    assert decode_header("a very\r\n long subject") == "a very long subject"
