"""The persistent model: raw intake items, tickets and their messages, agents, outbox, events."""

from app.models.agent import Agent, ApiToken
from app.models.blob import Blob
from app.models.catalogue import Service
from app.models.comms import KbArticle, MailTemplate, Subscription
from app.models.delivery import MailboxStatus, UndeliverableAddress
from app.models.events import Event
from app.models.intake import IntakeItem, IntakeState
from app.models.labelled import LabelledExample
from app.models.outbox import OutboxMail, OutboxState
from app.models.ticket import Attachment, Message, MessageKind, MessageRef, Ticket, Watcher
from app.models.workflow import FollowUpAction, Setting, Team, TeamMember

__all__ = [
    "Agent", "ApiToken", "Attachment", "Blob", "Event", "IntakeItem", "IntakeState", "KbArticle",
    "LabelledExample",
    "MailboxStatus", "MailTemplate", "Message", "MessageKind", "MessageRef", "OutboxMail",
    "OutboxState",
    "Service", "Subscription", "Ticket", "UndeliverableAddress", "Watcher",
    "FollowUpAction", "Setting", "Team", "TeamMember",
]
