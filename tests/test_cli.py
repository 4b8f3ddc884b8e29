"""The `gateway` command: agents, tokens, import with its summary, reprocess."""

import mailbox
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import IntakeItem, OutboxMail
from intake.cli import main
from tests.mailmaker import make_mail
from tests.shared_paths import CASES, require_shared


@pytest.fixture
def cli(app_factory, tmp_path):
    """Run `gateway …` against the test database, as a user would from a shell."""
    app = app_factory()
    env = {"GATEWAY_INSTANCE": str(tmp_path), "GATEWAY_DATABASE_URL": app.config["DATABASE_URL"],
           "GATEWAY_REDIS_URL": "", "GATEWAY_OUTBOUND_SMTP": ""}

    def run(*args):
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    with app.app_context():
        yield run


def test_create_agent_and_token(cli):
    result = cli("create-agent", "kim@example.org", "--password", "s3cret-enough", "--role",
                 "admin")
    assert result.exit_code == 0 and "created admin kim@example.org" in result.output
    again = cli("create-agent", "kim@example.org", "--password", "s3cret-enough")
    assert again.exit_code != 0 and "already exists" in again.output
    token = cli("create-token", "kim@example.org")
    assert token.exit_code == 0
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", token.output.strip().splitlines()[-1])


def test_import_folder_and_mbox_prints_a_summary(cli, tmp_path):
    folder = tmp_path / "mails"
    folder.mkdir()
    (folder / "one.eml").write_bytes(make_mail("VPN down", "The VPN is down for everyone."))
    (folder / "notes.md").write_text("not a mail")
    box = mailbox.mbox(str(tmp_path / "archive.mbox"))
    box.add(make_mail("Need a new laptop", "Please order a laptop for our new starter."))
    box.add(make_mail("Out of office", "I am away.", headers={"Auto-Submitted": "auto-replied"}))
    box.flush()
    box.close()
    result = cli("import", str(folder), str(tmp_path / "archive.mbox"))
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last == ("3 mails read: 2 new tickets, 0 replies threaded, 0 duplicates, "
                    "1 screened out, 0 quarantined")
    again = cli("import", str(folder))
    assert "1 duplicates" in again.stdout.strip().splitlines()[-1]
    # An archive is history: importing it must not mail its senders.
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0


def test_import_of_every_shared_case_never_crashes(cli):
    require_shared()
    result = cli("import", str(CASES))
    assert result.exit_code == 0, result.output
    summary = result.stdout.strip().splitlines()[-1]
    read = int(summary.split()[0])
    assert read == len([p for p in CASES.iterdir() if p.suffix == ".eml"])
    states = db.session.scalars(select(IntakeItem.state)).all()
    assert set(states) <= {"ticketed", "threaded", "duplicate", "screened", "quarantined"}
    assert "quarantined" not in states


def test_reprocess_command(cli, tmp_path):
    path = tmp_path / "ooo.eml"
    path.write_bytes(make_mail("Automatic reply: away", "Away until Monday.",
                               headers={"Auto-Submitted": "auto-replied"}))
    cli("import", str(path))
    item_id = db.session.scalar(select(IntakeItem.id))
    result = cli("reprocess", str(item_id))
    assert result.exit_code == 0 and f"intake #{item_id}: screened" in result.output
    missing = cli("reprocess", "999999")
    assert missing.exit_code != 0 and "no intake item" in missing.output
