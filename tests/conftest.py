"""Fixtures: an app on a real database (SQLite file, or the PostgreSQL named by
GATEWAY_TEST_DATABASE_URL), a test client, a logged-in agent, and a CLI runner."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from app import create_app
from app.accounts import create_agent
from app.database import seed, upgrade
from app.extensions import db

PG_URL = os.environ.get("GATEWAY_TEST_DATABASE_URL", "")


def settings(tmp_path, **extra) -> dict:
    """Settings for a test app: scenario addresses from the shared corpus, our temp folder."""
    base = {
        "ENV": "development",
        "INSTANCE": str(tmp_path),
        "DATABASE_URL": PG_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "REDIS_URL": "",
        "OUTBOUND_SMTP": "",
        "INTAKE_ADDRESSES": ["support@example.org", "help@example.org"],
        "RELAY_SENDERS": ["webform@example.org"],
        "MAIL_DOMAIN": "helpdesk.example.org",
        "OUTBOUND_FROM": "Example Support <support@example.org>",
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
    }
    base.update(extra)
    return base


def reset_database() -> None:
    """Start each test from an empty schema (fresh file on SQLite, truncation on PostgreSQL)."""
    upgrade()
    if db.engine.dialect.name == "postgresql":
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()


def make_app(tmp_path, sync_jobs: bool = True, fresh: bool = True, **extra):
    """Build a test app; `fresh=False` joins the database an earlier app set up."""
    app = create_app(settings(tmp_path, **extra), sync_jobs=sync_jobs)
    if fresh:
        with app.app_context():
            reset_database()
            seed()
    return app


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def agent(app):
    return create_agent("agent@example.org", "correct horse battery", role="admin",
                        name="Alex Agent")


@pytest.fixture
def logged_in(client, agent):
    response = client.post("/login", data={"email": agent.email,
                                           "password": "correct horse battery"})
    assert response.status_code == 302
    return client


@pytest.fixture
def app_factory(tmp_path):
    """Build apps with extra settings (on the test database); dispose their engines after."""
    built = []

    def build(sync_jobs: bool = True, fresh: bool = True, **extra):
        app = make_app(tmp_path, sync_jobs=sync_jobs, fresh=fresh, **extra)
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


DB_FIXTURES = {"app", "client", "agent", "logged_in", "app_factory"}


def pytest_collection_modifyitems(config, items):
    """On the PostgreSQL pass, run only tests that touch the database."""
    if not os.environ.get("GATEWAY_TEST_DB_ONLY"):
        return
    keep = [i for i in items if DB_FIXTURES & set(getattr(i, "fixturenames", ()))]
    dropped = [i for i in items if i not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
