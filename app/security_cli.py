"""Security commands: list and revoke API tokens, purge old raw mail, encrypt a secret.

`create-token` lives with the other account commands in app.cli; these are composed
into the `gateway` command through `app.cli.APP_COMMANDS`.
"""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from app import retention, secrets_box
from app.accounts import AccountError, revoke_token
from app.extensions import db
from app.models import ApiToken


@click.command("list-tokens")
@click.pass_obj
def list_tokens_command(app: Flask) -> None:
    """List API tokens: id, agent, scope, created, revoked (never the token)."""
    with app.app_context():
        for t in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
            revoked = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            click.echo(f"#{t.id}  {t.agent.email}  {t.scope}  "
                       f"created {t.created_at:%Y-%m-%d %H:%M}  {revoked}")


@click.command("revoke-token")
@click.argument("token_id", type=int)
@click.pass_obj
def revoke_token_command(app: Flask, token_id: int) -> None:
    """Revoke an API token by its id (see list-tokens); it stops working at once."""
    with app.app_context():
        try:
            row = revoke_token(token_id, actor="cli")
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"token #{row.id} of {row.agent.email} revoked")


@click.command("purge")
@click.option("--older-than-days", "days", type=int, default=None,
              help="Tickets closed more than this many days ago (default: RETENTION_DAYS).")
@click.pass_obj
def purge_command(app: Flask, days: int | None) -> None:
    """Purge raw mail and attachment contents of long-closed tickets; hashes stay logged."""
    days = days if days is not None else int(app.config["RETENTION_DAYS"])
    if days < 1:
        raise click.ClickException("retention is off: pass --older-than-days N or set "
                                   "GATEWAY_RETENTION_DAYS")
    with app.app_context():
        report = retention.purge(days, actor="cli")
    click.echo(f"purged {report.intake_items} raw item(s) and {report.blobs} attachment "
               f"content(s), {report.bytes} bytes, from {len(report.tickets)} ticket(s) closed "
               f"more than {days} days ago; SHA-256 of each kept in the event log")


@click.command("encrypt-secret")
@click.password_option("--value", prompt="Secret", help="The secret, e.g. a mailbox password.")
@click.pass_obj
def encrypt_secret_command(app: Flask, value: str) -> None:
    """Print an `enc:` value to use instead of a plain password in IMAP_MAILBOXES."""
    click.echo(secrets_box.seal(value, app.config))


SECURITY_COMMANDS = (list_tokens_command, revoke_token_command, purge_command,
                     encrypt_secret_command)
