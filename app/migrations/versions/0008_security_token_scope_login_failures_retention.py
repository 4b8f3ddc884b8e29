"""security: API token scope, failed log-ins, retention marks

API tokens get a scope (existing tokens keep full access: "write"); failed
log-ins are counted for lock-out; intake items and blobs record when retention
purged their bytes.

Revision ID: 0008
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failure"),
    )
    with op.batch_alter_table("login_failure") as batch_op:
        batch_op.create_index("ix_login_failure_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_login_failure_email", ["email"], unique=False)
        batch_op.create_index("ix_login_failure_ip", ["ip"], unique=False)
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=10), server_default="write",
                                      nullable=False))
    with op.batch_alter_table("blob") as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("intake_item") as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy would drop and recreate
    # these tables, which other tables reference, and fail with foreign keys on.
    op.execute("ALTER TABLE intake_item DROP COLUMN purged_at")
    op.execute("ALTER TABLE blob DROP COLUMN purged_at")
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.drop_column("scope")
    with op.batch_alter_table("login_failure") as batch_op:
        batch_op.drop_index("ix_login_failure_ip")
        batch_op.drop_index("ix_login_failure_email")
        batch_op.drop_index("ix_login_failure_created_at")
    op.drop_table("login_failure")
