"""Alembic environment: migrate the database of the app that calls `app.database.upgrade`."""

from alembic import context

from app.extensions import db
import app.models  # noqa: F401  (registers the tables on the metadata)

config = context.config
connection = config.attributes.get("connection")


def run() -> None:
    render_batch = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        render_as_batch=render_batch,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
