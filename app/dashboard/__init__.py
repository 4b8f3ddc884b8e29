"""The agents' dashboard: queue, ticket page, outbox and intake views."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from app.dashboard import (  # noqa: E402,F401
    handover_views,
    intake_views,
    outbox_views,
    queue,
    report_views,
    review_views,
    ticket_views,
    workflow_views,
)
