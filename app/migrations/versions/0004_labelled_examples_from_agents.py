"""labelled examples from agents

Every agent confirmation or override of a ticket's kind is kept as a labelled
example: training data for `gateway classifier train` and the override rate.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "labelled_example",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=20), nullable=False),
        sa.Column("predicted", sa.String(length=20), nullable=False),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("classifier_version", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="SET NULL",
                                name="fk_labelled_example_ticket_id_ticket"),
        sa.PrimaryKeyConstraint("id", name="pk_labelled_example"),
    )
    with op.batch_alter_table("labelled_example") as batch_op:
        batch_op.create_index("ix_labelled_example_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_labelled_example_ticket_id", ["ticket_id"], unique=False)


def downgrade():
    with op.batch_alter_table("labelled_example") as batch_op:
        batch_op.drop_index("ix_labelled_example_ticket_id")
        batch_op.drop_index("ix_labelled_example_created_at")
    op.drop_table("labelled_example")
