"""JSON API v1 (bearer tokens) and the health check."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request
from sqlalchemy import func, select, text
from werkzeug.exceptions import HTTPException

from app import health, matrix
from app.accounts import agent_for_token
from app.dashboard.queue import ticket_query
from app.dashboard.ticket_views import load_ticket
from app.extensions import db
from app.models import Event, IntakeItem, OutboxMail, Ticket

bp = Blueprint("api", __name__)
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1


@bp.before_request
def require_token():
    if request.endpoint == "api.healthz":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    agent = agent_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if agent is None:
        response = jsonify(error="a valid bearer token is required")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    g.api_agent = agent
    return None


@bp.errorhandler(HTTPException)
def json_error(error: HTTPException):
    """Answer API errors (bad parameters, unknown refs) in JSON, like the rest of the API."""
    response = jsonify(error=error.description)
    response.status_code = error.code or 500
    return response


def _count_arg(name: str, default: int, cap: int) -> int:
    """Read a non-negative whole-number parameter, capped; 400 for anything else."""
    value = request.args.get(name, str(default)).strip()
    if not (value.isascii() and value.isdigit()):
        abort(400, description=f"{name} must be a whole number, 0 or more")
    return cap if len(value) > 12 else min(int(value), cap)  # int() refuses 4300+ digits


def _page(query, serialise):
    limit = _count_arg("limit", 100, MAX_LIMIT)
    # Past MAX_OFFSET there is nothing to list; the cap keeps the number in the
    # database's BIGINT range instead of overflowing the driver (a 500).
    offset = _count_arg("offset", 0, MAX_OFFSET)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.limit(limit).offset(offset)).all()
    return jsonify(items=[serialise(r) for r in rows], total=total, limit=limit, offset=offset)


def iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def _label(levels: list[str], level: int) -> str:
    return levels[level - 1] if 1 <= level <= len(levels) else str(level)


def ticket_json(t: Ticket) -> dict:
    grid = matrix.current()
    return {
        "ref": t.ref, "number": t.id, "kind": t.kind, "status": t.status,
        "impact": t.impact, "impact_label": _label(grid.impact, t.impact),
        "urgency": t.urgency, "urgency_label": _label(grid.urgency, t.urgency),
        "priority": t.priority, "service": t.service.name if t.service else None,
        "category": t.category, "subject": t.subject,
        "reporter": {"name": t.reporter_name, "email": t.reporter_email},
        "assignee": t.assignee.email if t.assignee else None,
        "needs_review": t.needs_review, "confidence": t.confidence, "reasons": t.reasons,
        "classifier_version": t.classifier_version, "created_at": iso(t.created_at),
        **workflow_json(t),
    }


@bp.route("/api/v1/tickets")
def tickets():
    query = ticket_query(request.args, g.api_agent).order_by(Ticket.id)
    return _page(query, ticket_json)


@bp.route("/api/v1/tickets/<ref>")
def ticket(ref: str):
    t = load_ticket(ref)
    events = db.session.scalars(select(Event).where(Event.ticket_id == t.id)
                                .order_by(Event.id)).all()
    return jsonify({
        **ticket_json(t), "description": t.description,
        "messages": [{"kind": m.kind, "from": {"name": m.from_name, "email": m.from_email},
                      "subject": m.subject, "body": m.body_text, "message_id": m.message_id,
                      "created_at": iso(m.created_at),
                      "attachments": [{"filename": a.filename, "size": a.size,
                                       "content_type": a.content_type} for a in m.attachments]}
                     for m in t.messages],
        "watchers": [{"name": w.name, "email": w.email} for w in t.watchers],
        "events": [{"at": iso(e.created_at), "actor": e.actor, "action": e.action,
                    "field": e.field, "old": e.old, "new": e.new, "detail": e.detail}
                   for e in events],
    })


@bp.route("/api/v1/outbox")
def outbox():
    return _page(select(OutboxMail).order_by(OutboxMail.id), lambda m: {
        "id": m.id, "ticket": m.ticket_id, "template": m.template, "to": m.to, "cc": m.cc,
        "subject": m.subject, "message_id": m.message_id, "in_reply_to": m.in_reply_to,
        "references": m.references, "state": m.state, "attempts": m.attempts,
        "error": m.last_error, "created_at": iso(m.created_at),
    })


@bp.route("/api/v1/intake")
def intake():
    query = select(IntakeItem).order_by(IntakeItem.id)
    if request.args.get("state"):
        query = query.where(IntakeItem.state == request.args["state"])
    return _page(query, lambda i: {
        "id": i.id, "source": i.source, "state": i.state, "error": i.error,
        "outcome": i.outcome, "message_id": i.message_id, "attempts": i.attempts,
        "ticket": _ref(i.ticket_id), "received_at": iso(i.received_at),
    })


def _ref(ticket_id):
    t = db.session.get(Ticket, ticket_id) if ticket_id else None
    return t.ref if t else None


@bp.route("/healthz")
def healthz():
    """Report the database and every polled mailbox; 503 only when the database is down.

    A mailbox problem makes the status "degraded" but keeps 200: the web process
    itself still serves, and a load balancer must not take it out for that.
    """
    try:
        db.session.execute(text("SELECT 1"))
        mailboxes = [health.as_json(h, iso) for h in health.mailboxes()]
        database = "ok"
    except Exception as exc:  # report, don't raise: this is the health check
        db.session.rollback()
        database, mailboxes = f"error: {type(exc).__name__}", []
    ok = database == "ok" and all(m["status"] == "ok" for m in mailboxes)
    body = {"status": "ok" if ok else "degraded", "database": database, "mailboxes": mailboxes}
    return jsonify(body), 200 if database == "ok" else 503


from app import classifier_api  # noqa: E402,F401  (registers /api/v1/classifier/stats)
from app.api_write import workflow_json  # noqa: E402  (write routes on this blueprint)
