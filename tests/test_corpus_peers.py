"""Every mail of the peer corpus through the whole pipeline: an outcome, never a crash.

The files are other projects' parser fixtures (`../shared/corpus/peers/`, read by
path and never copied: they keep their own licences). Each mail is stored raw and
run through `process_intake` on a fresh app; it must end ticketed, threaded,
duplicate, screened with a reason, or quarantined with an error, never still
`received`/`processing`. Where Zammad ships its expected parse result (`.yml`),
subject, sender and the start of the body are compared with ours.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from app import pipeline
from app.extensions import db
from app.models import IntakeItem, Message
from app.store import store_raw
from parsers.html_text import html_to_text
from tests import zammad_yml
from tests.shared_paths import PEERS, messages_in, require_shared

KEEP_TABLES = {"agent", "service", "api_token", "mailbox_status"}
FINAL = {"ticketed", "threaded", "duplicate", "screened", "quarantined"}
# Zammad's expectations that describe another version of the mail or of Zammad:
# fields listed here are not compared (see the report in test_peer_corpus_summary).
ZAMMAD_SKIP = {
    # Zammad keeps the uuencoded block as body text; we extract it as a file.
    "mail025.yml": {"body"},
    # Zammad renders the message/rfc822 parts of a DSN into the body; ours keeps
    # them as attachments and shows only the bounce's own text.
    "mail078.yml": {"body"},
    # The mail here has "INC678439:"; the .yml was made from a copy without the colon.
    "mail089.yml": {"subject"},
}
SUMMARY: dict[str, Counter] = {"states": Counter(), "screened": Counter(),
                               "quarantined": Counter()}


def peer_mail_files() -> list[Path]:
    """Every mail file among the peers (not their .yml/.md notes)."""
    if not PEERS.is_dir():
        return []
    return sorted(p for p in PEERS.rglob("*")
                  if p.is_file() and p.suffix not in {".yml", ".md"})




def projects() -> list[str]:
    return sorted(p.name for p in PEERS.iterdir() if p.is_dir()) if PEERS.is_dir() else []


def _empty_database() -> None:
    """Remove every report, ticket and mail (not the catalogue): a fresh system per mail."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in KEEP_TABLES:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.mark.parametrize("project", projects())
def test_peer_mails_get_an_outcome(project: str, app) -> None:
    """Each mail of one project, alone in an empty system: an outcome, never a crash."""
    require_shared()
    files = [p for p in peer_mail_files() if p.relative_to(PEERS).parts[0] == project]
    assert files
    failures = []
    for path in files:
        for index, raw in enumerate(messages_in(path)):
            _empty_database()
            try:
                _check_one(path, raw)
            except Exception as exc:  # collect: one report naming every bad mail
                failures.append(f"{path.relative_to(PEERS)}[{index}]: {type(exc).__name__}: "
                                f"{str(exc)[:500]}")
    assert not failures, "\n".join(failures)


def _check_one(path: Path, raw: bytes) -> None:
    stored = store_raw("import", raw)
    pipeline.process_intake(stored.item_id)  # raising here is a crash: a failure
    db.session.expire_all()
    item = db.session.get(IntakeItem, stored.item_id)
    _record(item)
    assert item.state in FINAL, (item.state, item.error)
    if item.state == "screened":
        assert item.outcome, "a screened item says why"
    if item.state == "quarantined":
        assert item.error, "a quarantined item says why"
    assert item.raw == raw
    _check_storable(item)
    expected = path.with_suffix(".yml")
    if expected.is_file():
        _compare_with_zammad(expected, item)


def _record(item: IntakeItem) -> None:
    SUMMARY["states"][item.state] += 1
    if item.state == "screened":
        SUMMARY["screened"][item.outcome.split(":", 1)[0]] += 1
    if item.state == "quarantined":
        SUMMARY["quarantined"][(item.error or "?").split(":", 1)[0]] += 1


def _check_storable(item: IntakeItem) -> None:
    for message in db.session.scalars(select(Message).where(Message.intake_id == item.id)):
        for value in (message.subject, message.body_text, message.full_text or "",
                      message.from_name, *(a.filename for a in message.attachments)):
            value.encode("utf-8")
            assert "\x00" not in value and unicodedata.is_normalized("NFC", value)
        for att in message.attachments:
            assert att.filename and not {"/", "\\"} & set(att.filename)
            assert not any(unicodedata.category(ch) == "Cc" for ch in att.filename)


def _squash(text: str) -> str:
    """Compare text the way a reader would: no markup, no quote marks, one space."""
    text = unicodedata.normalize("NFC", text).replace("\xa0", " ")
    text = re.sub(r"(?m)^[ \t]*>[ >]*", "", text)
    return " ".join(text.split())


def _compare_with_zammad(path: Path, item: IntakeItem) -> None:
    want = zammad_yml.read(path)
    skip = ZAMMAD_SKIP.get(path.name, set())
    message = db.session.scalar(select(Message).where(Message.intake_id == item.id))
    if message is None:  # screened (bounces): compare what the parser made of it
        from parsers.mail import parse_mail

        sub = parse_mail(item.raw)
        subject, sender, text = sub.subject, sub.sender.email if sub.sender else "", sub.text
    else:
        subject, sender, text = message.subject, message.from_email, message.full_text or ""
    if want.subject is not None and "subject" not in skip:
        assert subject == " ".join(want.subject.split())
    if want.from_email and "from" not in skip:
        assert sender == want.from_email.lower()
    body = want.body or ""
    if want.content_type == "text/html":
        body = html_to_text(body)
    body = _squash(body)
    if body and body != "no visible content" and "body" not in skip:
        assert body[:80] in _squash(text), (body[:80], _squash(text)[:300])
    for filename in want.attachments:
        if filename in {"message.html", "file"} or "attachments" in skip:
            continue  # Zammad's names for an HTML body and for a part without a name
        assert message is None or filename in {a.filename for a in message.attachments}


def test_peer_corpus_summary(capsys) -> None:
    """Print the counts (tickets, screened by rule, quarantined by reason)."""
    require_shared()
    if not SUMMARY["states"]:
        pytest.skip("run with the per-mail tests to get a summary")
    with capsys.disabled():
        print("\npeer corpus:", dict(SUMMARY["states"]),
              "screened:", dict(SUMMARY["screened"]),
              "quarantined:", dict(SUMMARY["quarantined"]))
