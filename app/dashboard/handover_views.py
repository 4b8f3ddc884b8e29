"""The shift-handover page and the major-incident board.

Handover lists open incidents by priority with their SLA state, last update and
next action; the board lists declared major incidents and the bursts of reports
the gateway proposes as candidates.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app import major_incidents, sla
from app.dashboard import bp
from app.extensions import db
from app.lifecycle import CLOSED, RESOLVED
from app.models import Event, Ticket

LIMIT = 500


@bp.route("/handover")
@login_required
def handover():
    rows = db.session.scalars(select(Ticket).where(
        Ticket.kind == "incident", Ticket.status.not_in(CLOSED | RESOLVED))
        .order_by(Ticket.priority, Ticket.resolution_due_at.is_(None),
                  Ticket.resolution_due_at, Ticket.id).limit(LIMIT)).all()
    last = _last_updates([t.id for t in rows])
    return render_template("handover.html", tickets=rows, last=last,
                           flags={t.id: sla.flags(t) for t in rows})


def _last_updates(ids: list[int]) -> dict[int, Event]:
    """The newest event of each ticket (one query for the ids, one for the rows)."""
    if not ids:
        return {}
    newest = db.session.execute(select(Event.ticket_id, func.max(Event.id))
                                .where(Event.ticket_id.in_(ids))
                                .group_by(Event.ticket_id)).all()
    events = db.session.scalars(select(Event).where(Event.id.in_([n for _, n in newest])))
    return {e.ticket_id: e for e in events}


@bp.route("/major-incidents")
@login_required
def major_board():
    majors = db.session.scalars(select(Ticket).where(
        Ticket.major.is_(True), Ticket.status.not_in(CLOSED)).order_by(Ticket.id)).all()
    return render_template("major_incidents.html", majors=majors,
                           children={m.id: major_incidents.children(m) for m in majors},
                           candidates=major_incidents.candidates(), form=FlaskForm())


@bp.route("/major-incidents/declare", methods=["POST"])
@login_required
def declare_candidate():
    if not FlaskForm().validate_on_submit():
        abort(400)
    ids = [int(v) for v in request.form.getlist("ids") if v.isascii() and v.isdigit()][:200]
    tickets = db.session.scalars(select(Ticket).where(Ticket.id.in_(ids))).all()
    if len(tickets) < 2:
        flash("A major incident from a proposal needs at least two reports.", "error")
        return redirect(url_for("dashboard.major_board"))
    try:
        parent = major_incidents.declare_candidate(list(tickets), current_user)
        db.session.commit()
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("dashboard.major_board"))
    flash(f"{parent.ref} declared major with {len(tickets) - 1} children.", "ok")
    return redirect(url_for("dashboard.ticket", ref=parent.ref))
