"""The review inbox: tickets needing review, least confident first; confirm or override.

Confirm keeps the machine's kind; override asks for the right kind. Both go through
`app.tickets.confirm_classification`, so each is stored as a labelled example and the
override rate per week (shown here and at `GET /api/v1/classifier/stats`) follows.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import tickets
from app.dashboard import bp
from app.dashboard.ticket_views import load_ticket
from app.extensions import db
from app.learning import override_rates
from app.lifecycle import KINDS
from app.models import Ticket

LIMIT = 100


@bp.route("/review")
@login_required
def review():
    rows = db.session.scalars(select(Ticket).where(Ticket.needs_review.is_(True))
                              .order_by(Ticket.confidence, Ticket.id).limit(LIMIT)).all()
    return render_template("review.html", tickets=rows, weeks=override_rates(), kinds=KINDS)


@bp.route("/review/<ref>", methods=["POST"])
@login_required
def review_decide(ref: str):
    ticket = load_ticket(ref)
    kind = request.form.get("kind", ticket.kind)
    if kind not in KINDS:
        abort(400)
    tickets.confirm_classification(ticket, current_user, kind, ticket.impact, ticket.urgency)
    db.session.commit()
    verb = "Confirmed" if request.form.get("action") == "confirm" else "Saved"
    flash(f"{verb}: {ticket.ref} is a {kind.replace('_', ' ')}.", "ok")
    return redirect(url_for("dashboard.review"))
