"""The ticket queue with its filters."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required
from sqlalchemy import case, func, select

from app import sla
from app.dashboard import bp
from app.extensions import db
from app.lifecycle import CLOSED
from app.models import Ticket
from app.priority import PRIORITY_LABELS

PAGE = 50


def ticket_query(args, agent=None, *, open_by_default: bool = False):
    """Build the filtered ticket query shared by the dashboard and the API.

    With `open_by_default` (the dashboard), finished tickets are left out unless a
    status filter or the "all" view asks for them; the API lists everything.
    """
    query = select(Ticket)
    if open_by_default and args.get("view") != "all" and not args.get("status"):
        query = query.where(Ticket.status.not_in(CLOSED))
    if args.get("view") == "review":
        query = query.where(Ticket.needs_review.is_(True))
    elif args.get("view") == "unassigned":
        query = query.where(Ticket.assignee_id.is_(None), Ticket.status.not_in(CLOSED))
    elif args.get("view") == "mine" and agent is not None:
        query = query.where(Ticket.assignee_id == agent.id)
    for column in ("kind", "status", "priority"):
        if args.get(column):
            query = query.where(getattr(Ticket, column) == args[column])
    return query


@bp.route("/")
@login_required
def queue():
    query = ticket_query(request.args, current_user, open_by_default=True)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), 100_000)
    open_first = case((Ticket.status.in_(CLOSED), 1), else_=0)
    order = (Ticket.priority, Ticket.created_at.desc())
    if request.args.get("sort") == "sla":  # soonest resolution due first; no target last
        order = (Ticket.resolution_due_at.is_(None), Ticket.resolution_due_at, Ticket.priority)
    rows = db.session.scalars(
        query.order_by(open_first, *order).limit(PAGE).offset((page - 1) * PAGE)
    ).all()
    counts = {
        "review": db.session.scalar(select(func.count(Ticket.id))
                                    .where(Ticket.needs_review.is_(True))),
    }
    return render_template("queue.html", tickets=rows, total=total, page=page,
                           pages=-(-total // PAGE),
                           args=request.args, counts=counts, priorities=PRIORITY_LABELS,
                           sla_flags={t.id: sla.flags(t) for t in rows})
