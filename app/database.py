"""Database set-up: Alembic migrations, SQLite tuning, seed data and the first admin."""

from __future__ import annotations

import secrets
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from app.extensions import db
from app.models import Agent, Service

MIGRATIONS = Path(__file__).parent / "migrations"

SEED_SERVICES = {
    "Email": "outlook, exchange, mail, mailbox, inbox, webmail",
    "VPN": "remote access, anyconnect, globalprotect, forticlient",
    "Network": "wifi, wi-fi, wireless, internet, lan, network drive, ethernet",
    "Printing": "printer, print, printers, scanner, copier",
    "Accounts": "password, login, log in, account, active directory, sso, mfa",
    "File shares": "share, shared drive, file server, k: drive, onedrive, sharepoint",
    "Laptops & desktops": "laptop, desktop, pc, computer, monitor, keyboard, docking station",
    "Phones": "phone, telephone, mobile, teams phone, softphone",
    "ERP": "sap, erp, invoicing, finance system",
    "Facilities": "building, badge, door, room, projector, heating, coffee machine",
}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets readers go on while one writer commits; foreign keys are off by default."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def alembic_config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(target: str = "head") -> None:
    """Create or migrate the schema to the newest revision (inside an app context)."""
    _migrate(command.upgrade, target)


def downgrade(target: str) -> None:
    """Take the schema back to an older revision (tests and emergencies)."""
    _migrate(command.downgrade, target)


def _migrate(step, target: str) -> None:
    """Run a migration step; on SQLite with foreign-key checks off while tables are rebuilt.

    SQLite alters tables by copying them ("batch" mode): dropping the old copy of a
    table that other rows point at fails while foreign keys are enforced, so a
    database holding data could never be upgraded. The pragma only takes effect
    outside a transaction, hence the commit around it.
    """
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                step(alembic_config(connection), target)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def seed() -> None:
    """Add the example service catalogue when the catalogue is empty."""
    if db.session.scalar(select(Service.id).limit(1)) is None:
        for name, aliases in SEED_SERVICES.items():
            db.session.add(Service(name=name, aliases=aliases))
        db.session.commit()


def ensure_admin() -> tuple[str, str] | None:
    """Create a first admin when there is no agent; return its login to print once."""
    if db.session.scalar(select(Agent.id).limit(1)) is not None:
        return None
    from app.accounts import create_agent

    password = secrets.token_urlsafe(12)
    create_agent("admin@example.org", password, role="admin", name="Administrator")
    return "admin@example.org", password
