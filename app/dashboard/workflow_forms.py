"""Forms for the workflow cards on the ticket page: transition, assignment, priority, closure.

Choices that depend on the ticket (next statuses, teams, agents) are filled by
`build`, which the page (through a template global) and the POST handler share.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app import closure, lifecycle, workflow
from app.dashboard.forms import options
from app.extensions import db
from app.models import Agent, Team, Ticket
from app.priority import PRIORITY_LABELS


class TransitionForm(FlaskForm):
    status = SelectField("Move to", choices=[])
    hold_reason = SelectField("Hold reason", choices=options(
        [("", "(for on hold)")] + list(workflow.HOLD_REASONS.items())), validators=[Optional()])
    approver = SelectField("Approver", choices=[], validators=[Optional()])
    resolution_code = SelectField("Resolution code", choices=options(
        [("", "(for resolving)")] + list(closure.RESOLUTION_CODES.items())),
        validators=[Optional()])
    resolution_notes = TextAreaField("Resolution notes", validators=[Length(max=20_000)])
    root_cause = SelectField("Root cause", choices=options(
        [("", "(P1/P2 incidents)")] + list(closure.ROOT_CAUSE.items())), validators=[Optional()])
    problem_ref = StringField("Problem reference", validators=[Length(max=60)])
    root_cause_reason = TextAreaField("Root-cause reason", validators=[Length(max=5000)])
    note = TextAreaField("Note (why; needed to cancel or reject)",
                         validators=[Length(max=5000)])

    def fields_for_workflow(self) -> dict:
        names = ("hold_reason", "resolution_code", "resolution_notes", "root_cause",
                 "problem_ref", "root_cause_reason", "note")
        out = {name: getattr(self, name).data or "" for name in names}
        out["approver_id"] = self.approver.data or None
        return out


class AssignmentForm(FlaskForm):
    team = SelectField("Team", choices=[], validators=[Optional()])
    assignee = SelectField("Agent", choices=[], validators=[Optional()])
    next_action = StringField("Next action", validators=[Length(max=500)])
    note = TextAreaField("Handover note (needed to reassign an open P1/P2)",
                         validators=[Length(max=5000)])


class PriorityForm(FlaskForm):
    priority = SelectField("Priority", choices=options(
        (p, f"{p} {label}") for p, label in PRIORITY_LABELS.items()))
    reason = StringField("Reason for the override", validators=[DataRequired(),
                                                                Length(max=1000)])


class FollowUpForm(FlaskForm):
    area = SelectField("Area", choices=options(closure.AREAS.items()))
    description = StringField("What must change", validators=[DataRequired(), Length(max=2000)])
    owner = SelectField("Owner", choices=[])


class LinkForm(FlaskForm):
    child = StringField("Child ticket reference", validators=[DataRequired(), Length(max=40)])


def build(ticket: Ticket) -> dict:
    """Return the workflow forms for a ticket, with their choices filled in."""
    agents = db.session.scalars(select(Agent).where(Agent.active.is_(True))
                                .order_by(Agent.email)).all()
    teams = db.session.scalars(select(Team).where(Team.active.is_(True))
                               .order_by(Team.name)).all()
    people = [(str(a.id), a.label) for a in agents]
    transition = TransitionForm(approver=str(ticket.approver_id or ""))
    transition.status.choices = options(
        (s, s.replace("_", " ")) for s in lifecycle.allowed_next(ticket.kind, ticket.status))
    transition.approver.choices = options([("", "(approver)")] + people)
    assignment = AssignmentForm(team=str(ticket.team_id or ""),
                                assignee=str(ticket.assignee_id or ""),
                                next_action=ticket.next_action)
    assignment.team.choices = options([("", "(no team)")] + [(str(t.id), t.name) for t in teams])
    assignment.assignee.choices = options([("", "(unassigned)")] + people)
    follow_up = FollowUpForm()
    follow_up.owner.choices = options(people)
    return {"transition": transition, "assignment": assignment,
            "priority": PriorityForm(priority=ticket.priority), "follow_up": follow_up,
            "link": LinkForm(), "plain": FlaskForm()}
