"""Workflow data beside the tickets: admin settings, teams and their members, follow-up actions.

Settings hold what an admin edits at run time (priority matrix, SLA targets,
business calendar, thresholds) as versioned JSON; code supplies the defaults, so
an empty table means "the defaults". Decisions themselves live in the event log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.agent import Agent
from app.models.base import UTCDateTime, utcnow


class Setting(db.Model):
    """One admin-edited setting; `version` grows with every save."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[str] = mapped_column(String(320), default="system")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Team(db.Model):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    members: Mapped[list[TeamMember]] = relationship(back_populates="team",
                                                     cascade="all, delete-orphan")

    @property
    def agents(self) -> list[Agent]:
        return [m.agent for m in self.members]


class TeamMember(db.Model):
    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team_id", "agent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", name="fk_team_member_team_id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", name="fk_team_member_agent_id"))

    team: Mapped[Team] = relationship(back_populates="members")
    agent: Mapped[Agent] = relationship()


class FollowUpAction(db.Model):
    """A change to a control or to documentation that an incident taught us, with its owner."""

    __tablename__ = "follow_up_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("ticket.id", name="fk_follow_up_action_ticket_id"), index=True)
    area: Mapped[str] = mapped_column(String(20))  # "control" or "documentation"
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("agent.id", name="fk_follow_up_owner_id"))
    done: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[Agent] = relationship()
