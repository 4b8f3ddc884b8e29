"""`gateway audit verify | checkpoint | export` and `gateway demo-data`; `intake.cli` adds them."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask

from app import audit_verify, evidence
from app.extensions import db
from app.models.ticket import parse_ref


@click.group("audit")
def audit_group() -> None:
    """Check and export the hash-chained audit trail."""


@audit_group.command("verify")
@click.pass_obj
def verify_command(app: Flask) -> None:
    """Check every event chain; list what was altered, removed or reordered (exit 1)."""
    with app.app_context():
        report = audit_verify.verify()
    for problem in report.problems:
        click.echo(problem)
    summary = (f"{report.events} events in {report.chains} chains, "
               f"{report.checkpoints} checkpoints")
    if not report.ok:
        click.echo(f"FAILED: {len(report.problems)} problem(s) in {summary}", err=True)
        sys.exit(1)
    click.echo(f"OK: {summary} verified")


@audit_group.command("checkpoint")
@click.pass_obj
def checkpoint_command(app: Flask) -> None:
    """Pin every chain's head; keep the printed digest somewhere outside this database."""
    with app.app_context():
        row = audit_verify.checkpoint()
        db.session.commit()
        click.echo(f"checkpoint #{row.id}: {len(row.heads)} chains, digest {row.digest}")


@audit_group.command("export")
@click.option("--ticket", "ref", help="A ticket reference such as INC-000123.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (UTC).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (UTC).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@click.pass_obj
def export_command(app: Flask, ref: str | None, start, end, output: str) -> None:
    """Write an evidence zip for one ticket or a date range."""
    with app.app_context():
        scope = _scope(ref, start.date() if start else None, end.date() if end else None)
        data, label = evidence.export(scope, actor="cli"), scope.label()
        db.session.commit()
    Path(output).write_bytes(data)
    click.echo(f"wrote {output} ({len(data)} bytes) for {label}")


def _scope(ref: str | None, start: date | None, end: date | None) -> evidence.Scope:
    from app.models import Ticket

    if ref:
        number = parse_ref(ref)
        ticket = db.session.get(Ticket, number) if number is not None else None
        if ticket is None:
            raise click.ClickException(f"no ticket {ref}")
        return evidence.Scope(ticket=ticket)
    if start is None or end is None or end < start:
        raise click.ClickException("give --ticket REF, or --from DATE and --to DATE (from <= to)")
    return evidence.Scope(start=start, end=end)


@click.command("demo-data")
@click.option("--tickets", default=1500, show_default=True, help="How many incidents to load.")
@click.pass_obj
def demo_data_command(app: Flask, tickets: int) -> None:
    """Load a realistic ticket history (derived from a real incident log) for the reports."""
    from app import demo_data
    from app.cli import prepare_database

    prepare_database(app)
    with app.app_context():
        count = demo_data.load(limit=tickets)
    click.echo(f"loaded {count} demo tickets; open Reports in the dashboard")


AUDIT_COMMANDS = (audit_group, demo_data_command)
