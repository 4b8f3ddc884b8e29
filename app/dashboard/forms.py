"""Forms on the ticket page; each one posts a single kind of change."""

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

LEVELS = [("1", "1 high"), ("2", "2 medium"), ("3", "3 low")]
KINDS = [("incident", "Incident"), ("service_request", "Service request")]


class ClassificationForm(FlaskForm):
    kind = SelectField("Kind", choices=KINDS)
    impact = SelectField("Impact", choices=LEVELS)
    urgency = SelectField("Urgency", choices=LEVELS)
    service = SelectField("Service", choices=[])


class AssignForm(FlaskForm):
    assignee = SelectField("Assignee", choices=[])


class StatusForm(FlaskForm):
    status = SelectField("Move to", choices=[])


class ReplyForm(FlaskForm):
    visibility = SelectField("Type", choices=[("public", "Public reply (mailed)"),
                                              ("internal", "Internal note")])
    body = TextAreaField("Message", validators=[DataRequired(), Length(max=100_000)])
