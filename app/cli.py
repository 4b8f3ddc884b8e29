"""App-level commands (agents, tokens, reprocess, database); `intake.cli` composes them."""

from __future__ import annotations

import click
from flask import Flask

from app import database, pipeline
from app.accounts import AccountError, create_agent, create_token


def prepare_database(app: Flask) -> tuple[str, str] | None:
    """Migrate, seed the catalogue, and create the first admin when there is none."""
    with app.app_context():
        database.upgrade()
        database.seed()
        return database.ensure_admin()


@click.command("init-db")
@click.pass_obj
def init_db_command(app: Flask) -> None:
    """Create or migrate the database and seed it."""
    login = prepare_database(app)
    click.echo(f"database ready: {app.config['DATABASE_URL']}")
    if login:
        click.echo(f"first admin created: {login[0]} / password {login[1]}")


@click.command("create-agent")
@click.argument("email")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--role", type=click.Choice(["admin", "agent", "auditor"]), default="agent")
@click.option("--name", default="")
@click.pass_obj
def create_agent_command(app: Flask, email: str, password: str, role: str, name: str) -> None:
    """Create an agent who can log in to the dashboard."""
    prepare_database(app)
    with app.app_context():
        try:
            agent = create_agent(email, password, role, name)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"created {agent.role} {agent.email}")


@click.command("create-token")
@click.argument("email")
@click.option("--scope", type=click.Choice(["read", "write"]), default="write",
              help="read: GET only; write: may also change tickets.")
@click.pass_obj
def create_token_command(app: Flask, email: str, scope: str) -> None:
    """Issue an API token for an agent; the token is printed alone on the last line."""
    with app.app_context():
        try:
            token = create_token(email, scope)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"API token for {email}, scope {scope} (shown once; only its hash is stored):")
    click.echo(token)


@click.command("reprocess")
@click.argument("intake_id", type=int)
@click.pass_obj
def reprocess_command(app: Flask, intake_id: int) -> None:
    """Run a stored intake item through the pipeline again with today's rules."""
    with app.app_context():
        try:
            state = pipeline.reprocess(intake_id)
        except (LookupError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        except Exception as exc:
            raise click.ClickException(f"intake #{intake_id} failed again: {exc}") from exc
    click.echo(f"intake #{intake_id}: {state}")


@click.command("close-resolved")
@click.pass_obj
def close_resolved_command(app: Flask) -> None:
    """Close resolved tickets that had no reply for the configured number of days."""
    from app import closure

    with app.app_context():
        refs = closure.close_resolved()
    click.echo(f"closed {len(refs)} ticket(s)" + (": " + ", ".join(refs) if refs else ""))


APP_COMMANDS = (init_db_command, create_agent_command, create_token_command, reprocess_command,
                close_resolved_command)


from app.security_cli import SECURITY_COMMANDS  # noqa: E402  (revoke-token, purge, encrypt-secret)

APP_COMMANDS = (*APP_COMMANDS, *SECURITY_COMMANDS)
