"""Evidence export: a zip whose manifest hashes match its files and the stored raw mail."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

from click.testing import CliRunner
from sqlalchemy import select

from app.audit_chain import event_hash
from app.audit_cli import audit_group
from app.extensions import db
from app.models import Event, IntakeItem
from app.models.base import utcnow
from tests.web_helpers import ingest, mail


def test_ticket_export_round_trips(app, tmp_path):
    raw = mail("VPN is down", "The VPN is down for everyone, nobody can work.",
               attachment=("error.png", "image/png", b"\x89PNG fake"))
    ticket = ingest(raw)
    out = tmp_path / "evidence.zip"
    result = CliRunner().invoke(audit_group, ["export", "--ticket", ticket.ref, "-o", str(out)],
                                obj=app)
    assert result.exit_code == 0, result.output
    archive = zipfile.ZipFile(out)
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    item = db.session.scalar(select(IntakeItem).where(IntakeItem.ticket_id == ticket.id))
    stored = archive.read(f"raw/intake-{item.id}.eml")
    assert stored == raw and hashlib.sha256(stored).hexdigest() == item.raw_sha256
    assert any(p.startswith("attachments/") and p.endswith("error.png") for p in archive.namelist())
    events = json.loads(archive.read("events.json"))
    assert {"received", "parsed", "ticket_opened", "classified"} <= {e["action"] for e in events}
    for row in events:  # a reader can re-check every link from the export alone
        assert event_hash(row["prev_hash"], row | {"created_at": _time(row)}) == row["hash"]
    table = archive.read("events.csv").decode()
    assert len(list(csv.DictReader(io.StringIO(table)))) == len(events)
    assert "SHA256SUMS" in archive.namelist()
    assert db.session.scalar(select(Event).where(Event.action == "evidence_exported"))


def _time(row):
    from datetime import datetime

    return datetime.fromisoformat(row["created_at"])


def test_date_range_export_and_dashboard_button(logged_in, agent):
    ingest(mail("Printer jams", "The printer on floor 2 jams on every page."))
    today = utcnow().date().isoformat()
    response = logged_in.get(f"/reports/evidence?from={today}&to={today}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert any(n.startswith("raw/intake-") for n in archive.namelist())
    assert b"Export ticket" in logged_in.get("/reports").data


def test_agents_may_not_export(app, client):
    from app.accounts import create_agent

    create_agent("plain@example.org", "correct horse battery", role="agent")
    client.post("/login", data={"email": "plain@example.org", "password": "correct horse battery"})
    assert client.get("/reports/evidence?ticket=INC-000001").status_code == 403
    assert b"Export ticket" not in client.get("/reports").data
