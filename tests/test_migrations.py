"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.database import alembic_config, downgrade, upgrade
from app.extensions import db


def test_migrated_schema_matches_the_models(app):
    upgrade()  # idempotent: a second upgrade is a no-op
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_database_is_at_the_newest_revision(app):
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config(connection)).get_current_head()
    assert current == head


def test_attachment_contents_move_into_blobs_and_back(app):
    """Upgrade 0002 -> 0003 with data in place, then downgrade, on the real database."""
    from sqlalchemy import text

    downgrade("0002")
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO ticket (id, kind, status, subject, description, impact, urgency, "
            "priority, category, reporter_name, reporter_email, needs_review, confidence, "
            "reasons, classifier_version, created_at, updated_at) VALUES (1, 'incident', 'new',"
            " 's', 'd', 3, 3, 'P5', 'Other', '', '', true, 0.5, '[]', 'x', :t, :t)"),
            {"t": "2026-01-01 00:00:00+00:00"})
        connection.execute(text(
            "INSERT INTO message (id, ticket_id, kind, from_name, from_email, subject, body_text, "
            "created_at) VALUES (1, 1, 'inbound', '', '', 's', 'b', :t)"),
            {"t": "2026-01-01 00:00:00+00:00"})
        for n in (1, 2):  # the same file on two attachments
            connection.execute(text(
                "INSERT INTO attachment (id, message_id, filename, content_type, size, sha256, "
                "inline, content) VALUES (:n, 1, 'a.txt', 'text/plain', 5, 'abc', false, :c)"),
                {"n": n, "c": b"hello"})
    upgrade()
    with db.engine.connect() as connection:
        blobs = connection.execute(text("SELECT sha256, size, content FROM blob")).all()
        links = connection.execute(text("SELECT blob_sha256 FROM attachment")).scalars().all()
    assert [(b.sha256, b.size, bytes(b.content)) for b in blobs] == [("abc", 5, b"hello")]
    assert links == ["abc", "abc"]
    downgrade("0002")
    with db.engine.connect() as connection:
        contents = connection.execute(text("SELECT content FROM attachment")).scalars().all()
    assert [bytes(c) for c in contents] == [b"hello", b"hello"]
    upgrade()
