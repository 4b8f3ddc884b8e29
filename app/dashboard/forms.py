"""Forms on the ticket page; each one posts a single kind of change."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

try:
    from wtforms import SelectChoice
except ImportError:  # WTForms < 3.3 takes plain (value, label) pairs
    SelectChoice = None


def options(pairs: Iterable[tuple[str, str]]) -> list:
    """Turn (value, label) pairs into select/radio choices.

    WTForms 3.3 deprecates tuple choices (a DeprecationWarning per form, an error
    under our pytest settings); older versions only know tuples.
    """
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


LEVELS = options([("1", "1 high"), ("2", "2 medium"), ("3", "3 low")])
KINDS = options([("incident", "Incident"), ("service_request", "Service request")])


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
    visibility = SelectField("Type", choices=options([("public", "Public reply (mailed)"),
                                                      ("internal", "Internal note")]))
    body = TextAreaField("Message", validators=[DataRequired(), Length(max=100_000)])


class ReasonForm(FlaskForm):
    """Discard an intake item: the reason is required and kept with it."""

    reason = StringField("Reason", validators=[DataRequired(), Length(max=500)])


class MakeTicketForm(ReasonForm):
    subject = StringField("Subject (needed if the item cannot be read)",
                          validators=[Length(max=200)])


class AttachForm(ReasonForm):
    ref = StringField("Ticket reference", validators=[DataRequired(), Length(max=40)])
