"""The agents' dashboard: queue, ticket page, outbox and intake views."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from app.dashboard import intake_views, outbox_views, queue, ticket_views  # noqa: E402,F401
