"""workflow: admin settings, teams, follow-up actions; ticket SLA, assignment and closure

Admin-edited settings (priority matrix, SLA targets, calendar, thresholds) are
versioned JSON rows; teams and their members; follow-up actions an incident
teaches us. Tickets gain team, approver, hold reason, next action, major-incident
links, closure fields and their stored SLA due times.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _defer_foreign_keys():
    """SQLite rebuilds `ticket` to add its foreign keys; rows in message, event, ... point at
    it, so the DROP of the old copy must not check them until commit (when they hold again).
    """
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA defer_foreign_keys = ON")


def upgrade():
    _defer_foreign_keys()
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"], name="fk_team_member_agent_id"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_team_member_team_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "agent_id"),
    )
    op.create_table(
        "follow_up_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("done_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["agent.id"], name="fk_follow_up_owner_id"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_follow_up_action_ticket_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("follow_up_action") as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_action_ticket_id"), ["ticket_id"], unique=False)
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approver_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("hold_reason", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("next_action", sa.String(length=500), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("major", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolution_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("resolution_notes", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("root_cause", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("problem_ref", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("root_cause_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("responded_at", TS, nullable=True))
        batch_op.add_column(sa.Column("response_due_at", TS, nullable=True))
        batch_op.add_column(sa.Column("resolution_due_at", TS, nullable=True))
        batch_op.add_column(sa.Column("resolution_risk_at", TS, nullable=True))
        batch_op.add_column(sa.Column("sla_paused_since", TS, nullable=True))
        batch_op.add_column(sa.Column("sla_pauses", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.create_index(batch_op.f("ix_ticket_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_resolution_due_at"), ["resolution_due_at"], unique=False)
        batch_op.create_foreign_key("fk_ticket_approver_id", "agent", ["approver_id"], ["id"])
        batch_op.create_foreign_key("fk_ticket_team_id", "team", ["team_id"], ["id"])
        batch_op.create_foreign_key("fk_ticket_parent_id", "ticket", ["parent_id"], ["id"])


def downgrade():
    _defer_foreign_keys()
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_constraint("fk_ticket_parent_id", type_="foreignkey")
        batch_op.drop_constraint("fk_ticket_team_id", type_="foreignkey")
        batch_op.drop_constraint("fk_ticket_approver_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_ticket_resolution_due_at"))
        batch_op.drop_index(batch_op.f("ix_ticket_parent_id"))
        for column in ("sla_pauses", "sla_paused_since", "resolution_risk_at", "resolution_due_at",
                       "response_due_at", "responded_at", "root_cause_reason", "problem_ref",
                       "root_cause", "resolution_notes", "resolution_code", "parent_id", "major",
                       "next_action", "hold_reason", "approver_id", "team_id"):
            batch_op.drop_column(column)
    with op.batch_alter_table("follow_up_action") as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_action_ticket_id"))
    op.drop_table("follow_up_action")
    op.drop_table("team_member")
    op.drop_table("team")
    op.drop_table("setting")
