"""Dashboard pages for communication: knowledge base, mail templates, watchers, stakeholders.

A blueprint of its own (not the shared dashboard one) so these pages come and go
with the communication feature; the views live one area per module.
"""

from flask import Blueprint

bp = Blueprint("comms", __name__)

from app.dashboard import kb_views, people_views, template_views  # noqa: E402,F401
