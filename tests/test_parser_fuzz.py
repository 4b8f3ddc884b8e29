"""Parsers under hostile bytes (Hypothesis): arbitrary and mutated input, typed errors only.

Mutations start from the shared corpus (read by path from ../shared/corpus, never
copied here). parse_mail and the raw-header helpers must never raise; parse_form
may raise only its own FormPayloadError; screen must decide on whatever parse_mail
returns. Example counts are bounded so the suite stays fast.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import rawinfo
from parsers.form import FormPayloadError, form_payload, parse_form
from parsers.mail import parse_mail
from parsers.screening import screen
from tests.shared_paths import SHARED

FAST = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _corpus() -> list[bytes]:
    files = sorted((SHARED / "corpus").rglob("*.eml")) if SHARED.is_dir() else []
    picked = [p.read_bytes()[:20_000] for p in files[:: max(1, len(files) // 12)]]
    return picked or [b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n"]


SEEDS = _corpus()


@st.composite
def mutated(draw) -> bytes:
    """A corpus mail with a few byte-level edits: flips, cuts, inserted junk, duplicated runs."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        edit = draw(st.sampled_from(["flip", "cut", "insert", "repeat"]))
        if edit == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif edit == "cut":
            del data[at:at + draw(st.integers(1, 500))]
        elif edit == "insert":
            data[at:at] = draw(st.sampled_from([b"\r\n", b"=?utf-8?b?", b"\x00", b"--",
                                                b"Content-Type: multipart/mixed; boundary=",
                                                b"\xff\xfe", b"=\r\n", b": ", b"\t"]))
        else:
            data[at:at] = data[at:at + draw(st.integers(1, 200))] * draw(st.integers(1, 20))
    return bytes(data)


ANY_BYTES = st.one_of(st.binary(max_size=4000), mutated())


def _check_mail(raw: bytes) -> None:
    sub = parse_mail(raw)
    assert sub.source == "mail"
    screen(sub, frozenset({"support@example.org"}), "helpdesk.example.org", envelope_from=None)
    screen(sub, frozenset({"support@example.org"}), "helpdesk.example.org", envelope_from="")
    rawinfo.split_raw(raw)
    rawinfo.header_message_id(raw)
    rawinfo.content_fingerprint(raw)


@FAST
@given(ANY_BYTES)
def test_mail_parsing_and_screening_never_raise(raw):
    _check_mail(raw)


@FAST
@given(st.text(max_size=2000))
def test_message_id_helpers_never_raise(value):
    for msg_id in rawinfo.message_ids(value):
        rawinfo.clip_id(msg_id)


def _form_doc(draw_fields: dict, attachment: dict | None) -> bytes:
    doc = {"fields": draw_fields}
    if attachment is not None:
        doc["attachment"] = attachment
    return json.dumps(doc).encode()


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=50),
                       lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)


@FAST
@given(st.one_of(
    st.binary(max_size=2000),
    JSONISH.map(lambda v: json.dumps(v).encode()),
    st.builds(_form_doc, st.dictionaries(st.sampled_from(
        ["name", "email", "summary", "description", "service", "affected", "can_work"]),
        JSONISH, max_size=7), st.none() | st.dictionaries(
        st.sampled_from(["filename", "content_type", "content_b64"]), JSONISH, max_size=3)),
))
def test_form_payloads_give_a_submission_or_a_form_payload_error(raw):
    try:
        sub = parse_form(raw)
    except FormPayloadError:
        return
    assert sub.source == "form"


@FAST
@given(st.dictionaries(st.sampled_from(["name", "email", "summary", "description"]),
                       st.text(max_size=300)), st.binary(max_size=300), st.text(max_size=80))
def test_real_form_payloads_round_trip(fields, content, filename):
    raw = form_payload(fields, (filename or "x", "application/octet-stream", content),
                       submission_id="0" * 32)
    sub = parse_form(raw)
    assert sub.attachments[0].content == content
