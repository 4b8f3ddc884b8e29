"""audit: hash-chained events, chain heads, checkpoints

Each event gets its chain (ticket, intake item, "config" or "system"), its place
in it and its SHA-256 link. Existing events are chained here, in id order, so the
whole history verifies from the start; from this revision on, every insert is
chained as it happens (app.audit_chain).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from app.audit_chain import chain_key, event_hash, normalise
from app.models.base import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event") as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_event_chain_seq", ["chain", "seq"])
    op.create_table(
        "audit_chain_head",
        sa.Column("chain", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name="pk_audit_chain_head"),
    )
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heads", sa.JSON(), nullable=False),
        sa.Column("prev_digest", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoint"),
    )
    _chain_existing_events(op.get_bind())


def _chain_existing_events(connection) -> None:
    """Link the events written before this revision, in the order they were written."""
    event = sa.table(
        "event", sa.column("id", sa.Integer()), sa.column("created_at", UTCDateTime()),
        sa.column("ticket_id", sa.Integer()), sa.column("intake_id", sa.Integer()),
        sa.column("actor", sa.String()), sa.column("action", sa.String()),
        sa.column("field", sa.String()), sa.column("old", sa.Text()),
        sa.column("new", sa.Text()), sa.column("detail", sa.JSON()),
        sa.column("chain", sa.String()), sa.column("seq", sa.Integer()),
        sa.column("prev_hash", sa.String()), sa.column("hash", sa.String()))
    heads: dict[str, tuple[int, str]] = {}
    rows = connection.execute(sa.select(event).order_by(event.c.id)).mappings().all()
    for row in rows:
        content = dict(row)
        content["detail"] = normalise(row["detail"])
        content["chain"] = chain_key(row["ticket_id"], row["intake_id"], row["action"])
        seq, prev = heads.get(content["chain"], (0, ""))
        digest = event_hash(prev, content)
        connection.execute(sa.update(event).where(event.c.id == row["id"]).values(
            chain=content["chain"], seq=seq + 1, prev_hash=prev, hash=digest,
            detail=content["detail"]))
        heads[content["chain"]] = (seq + 1, digest)
    head = sa.table("audit_chain_head", sa.column("chain", sa.String()),
                    sa.column("seq", sa.Integer()), sa.column("hash", sa.String()))
    if heads:
        connection.execute(sa.insert(head), [
            {"chain": c, "seq": s, "hash": h} for c, (s, h) in heads.items()])


def downgrade():
    op.drop_table("audit_checkpoint")
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("event") as batch_op:
        batch_op.drop_constraint("uq_event_chain_seq", type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
        batch_op.drop_column("chain")
