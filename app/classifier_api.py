"""`GET /api/v1/classifier/stats`: the active model and the agents' override rate per week.

Registered on the API blueprint (bearer tokens) by the import at the end of `app.api`.
"""

from __future__ import annotations

from flask import jsonify

from app import classifier_model
from app.api import bp
from app.learning import override_rates


@bp.route("/api/v1/classifier/stats")
def classifier_stats():
    weeks = override_rates()
    decisions = sum(w["decisions"] for w in weeks)
    overrides = sum(w["overrides"] for w in weeks)
    return jsonify(version=classifier_model.version_of(classifier_model.current_model()),
                   decisions=decisions, overrides=overrides,
                   override_rate=round(overrides / decisions, 3) if decisions else None,
                   weeks=weeks)
