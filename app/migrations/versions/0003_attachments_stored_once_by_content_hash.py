"""attachments stored once by content hash

Attachment bytes move into `blob`, keyed by SHA-256, so a file carried by many
messages is kept once; attachments point at their blob, or say why they were
not kept (over MAX_ATTACHMENT_BYTES; the raw mail still has them).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FK = "fk_attachment_blob_sha256"


def upgrade():
    op.create_table(
        "blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("sha256"),
    )
    with op.batch_alter_table("attachment") as batch_op:
        batch_op.add_column(sa.Column("omitted", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("blob_sha256", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_attachment_sha256"), ["sha256"], unique=False)
    _move_contents_to_blobs()
    with op.batch_alter_table("attachment") as batch_op:
        batch_op.create_foreign_key(FK, "blob", ["blob_sha256"], ["sha256"])
        batch_op.drop_column("content")


def _move_contents_to_blobs():
    """Copy each distinct content once, row by row (portable and memory-bounded)."""
    conn = op.get_bind()
    attachment = sa.table("attachment", sa.column("id", sa.Integer),
                          sa.column("sha256", sa.String), sa.column("content", sa.LargeBinary),
                          sa.column("blob_sha256", sa.String))
    blob = sa.table("blob", sa.column("sha256", sa.String), sa.column("size", sa.Integer),
                    sa.column("content", sa.LargeBinary))
    seen: set[str] = set()
    ids = conn.execute(sa.select(attachment.c.id)).scalars().all()
    for attachment_id in ids:
        sha, content = conn.execute(sa.select(attachment.c.sha256, attachment.c.content)
                                    .where(attachment.c.id == attachment_id)).one()
        if content is None:
            continue
        if sha not in seen:
            conn.execute(blob.insert().values(sha256=sha, size=len(content), content=content))
            seen.add(sha)
        conn.execute(attachment.update().where(attachment.c.id == attachment_id)
                     .values(blob_sha256=sha))


def downgrade():
    with op.batch_alter_table("attachment") as batch_op:
        batch_op.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE attachment SET content = "
        "(SELECT blob.content FROM blob WHERE blob.sha256 = attachment.blob_sha256)"))
    with op.batch_alter_table("attachment") as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_attachment_sha256"))
        batch_op.drop_column("blob_sha256")
        batch_op.drop_column("omitted")
    op.drop_table("blob")
