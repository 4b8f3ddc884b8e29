"""The `gateway` command: the outermost layer, composing the app's commands with intake roles.

    gateway run           everything in one process (what `make run` starts)
    gateway web | smtp | poll | worker
    gateway import PATH...
    gateway create-agent / create-token / reprocess / init-db
"""

from __future__ import annotations

import sys

import click

from app import create_app
from app.audit_cli import AUDIT_COMMANDS
from app.classifier_cli import classifier_group
from app.cli import APP_COMMANDS, prepare_database


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Intake Gateway: mail and web reports in, classified tickets out."""
    # The role sizes the PostgreSQL pool (app.config.pool_size).
    ctx.obj = app = create_app({"ROLE": ctx.invoked_subcommand or "run"})
    ctx.call_on_close(lambda: close_database(app))


def close_database(app) -> None:
    """Close pooled database connections when a command ends."""
    from app.extensions import db

    with app.app_context():
        db.engine.dispose()


@main.command()
@click.pass_obj
def run(app) -> None:
    """Start dashboard, SMTP listener, IMAP pollers and job runner in one process."""
    from intake.services import run_all

    run_all(app, web=True, smtp=True, poll=True, jobs=True)


@main.command()
@click.option("--prod", is_flag=True, help="Serve with gunicorn (WEB_WORKERS processes).")
@click.pass_obj
def web(app, prod: bool) -> None:
    """Serve the dashboard, report form and API only."""
    if prod:
        from intake.web_prod import serve

        prepare_database(app)
        serve(app.config)
        return
    from intake.services import run_all

    run_all(app, web=True, smtp=False, poll=False, jobs=not app.config["REDIS_URL"])


@main.command()
@click.pass_obj
def smtp(app) -> None:
    """Run the SMTP listener only."""
    from intake.services import run_all

    run_all(app, web=False, smtp=True, poll=False, jobs=not app.config["REDIS_URL"])


@main.command()
@click.option("--once", is_flag=True, help="Poll every mailbox once and exit.")
@click.pass_obj
def poll(app, once: bool) -> None:
    """Poll the configured IMAP mailboxes."""
    from intake.services import run_all

    if once:
        from intake.imap_poller import poll_all_once

        prepare_database(app)
        with app.app_context():
            outcomes = poll_all_once(app)
        for outcome in outcomes:
            click.echo(str(outcome))
        if any(outcome.error for outcome in outcomes):
            sys.exit(1)
        return
    run_all(app, web=False, smtp=False, poll=True, jobs=not app.config["REDIS_URL"])


@main.command()
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--queues", default="", help="With Redis: intake,outbound,maintenance (default all).")
@click.pass_obj
def worker(app, burst: bool, queues: str) -> None:
    """Work background jobs: an RQ worker with Redis, the in-process runner without."""
    if app.config["REDIS_URL"]:
        import worker as rq_worker

        sys.exit(rq_worker.main(["--burst"] * burst + (["--queues", queues] if queues else [])))
    from intake.services import run_all

    run_all(app, web=False, smtp=False, poll=False, jobs=True)


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.pass_obj
def import_command(app, paths: tuple[str, ...]) -> None:
    """Import mail files, folders of them, or mbox files, and process them now."""
    from intake.mail_import import import_paths, summary_line

    prepare_database(app)
    with app.app_context():
        counts = import_paths(list(paths), progress=True)
    click.echo(summary_line(counts))


for command in APP_COMMANDS:
    main.add_command(command)
main.add_command(classifier_group)
for command in AUDIT_COMMANDS:
    main.add_command(command)
