"""Start and stop the gateway's long-running parts in one process; Ctrl-C stops them all."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask

from app.cli import prepare_database
from app.jobs import InProcessRunner, runner
from app.recovery import join_runners, requeue_pending


def run_all(app: Flask, *, web: bool, smtp: bool, poll: bool, jobs: bool) -> None:
    """Prepare the database, start the chosen parts, wait for a signal, stop cleanly."""
    login = prepare_database(app)
    stoppers: list = []
    try:
        if jobs:
            stoppers.append(_start_jobs(app))
        if smtp:
            stoppers.append(_start_smtp(app))
        if poll:
            stoppers.append(_start_pollers(app))
        if web:
            stoppers.append(_start_web(app))
        _announce(app, login, web=web, smtp=smtp, poll=poll, jobs=jobs)
        _wait_for_signal()
    finally:
        click.echo("stopping…")
        for stop in reversed(stoppers):
            stop()
        click.echo("stopped.")


def _start_jobs(app: Flask):
    """Start the runner; in-process runners first join the others (see app.recovery)."""
    with app.app_context():
        jobs = runner()
        leave = join_runners() if isinstance(jobs, InProcessRunner) else (lambda: None)
        jobs.start()
        requeue_pending()

    def stop():
        jobs.stop()
        leave()

    return stop


def _start_smtp(app: Flask):
    from intake.smtp_listener import start_smtp

    controller = start_smtp(app)
    return controller.stop


def _start_pollers(app: Flask):
    from intake.imap_poller import start_pollers, stop_pollers

    pollers = start_pollers(app)
    app.extensions.setdefault("gateway_health", {})["mailboxes"] = [p.health for p in pollers]
    return lambda: stop_pollers(pollers)


def _start_web(app: Flask):
    from waitress.server import create_server

    server = create_server(app, host=app.config["WEB_HOST"], port=int(app.config["WEB_PORT"]),
                           threads=8, ident="Intake Gateway")
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()

    def stop():
        server.close()
        thread.join(timeout=5)

    return stop


def _announce(app: Flask, login, *, web: bool, smtp: bool, poll: bool, jobs: bool) -> None:
    c = app.config
    click.echo("Intake Gateway is running.")
    click.echo(f"  database:   {c['DATABASE_URL']}")
    if web:
        click.echo(f"  dashboard:  http://{c['WEB_HOST']}:{c['WEB_PORT']}/")
        click.echo(f"  report form: http://{c['WEB_HOST']}:{c['WEB_PORT']}/report")
    if smtp:
        click.echo(f"  SMTP:       {c['SMTP_HOST']}:{c['SMTP_PORT']} for "
                   + ", ".join(c["INTAKE_ADDRESSES"]))
    if poll:
        click.echo(f"  IMAP:       {len(c['IMAP_MAILBOXES'])} mailbox(es) polled")
    if jobs:
        click.echo("  jobs:       " + ("RQ on " + c["REDIS_URL"] if c["REDIS_URL"]
                                      else "in this process"))
    click.echo("  outbound:   " + (f"SMTP relay {c['OUTBOUND_SMTP']}" if c["OUTBOUND_SMTP"]
                                   else "captured in the outbox (dashboard: Outbox)"))
    if login:
        click.echo(f"  first admin: {login[0]}  password: {login[1]}  (shown once)")
    click.echo("Press Ctrl-C to stop.")


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.is_set():
        stop.wait(0.5)
