"""The Intake page: every raw item with its outcome, mailbox health, and the hand actions.

The actions themselves live in `app.intake_actions`; these views validate the
form, call one action, commit, and tell the agent what happened.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app import health, intake_actions, notify, pipeline
from app.dashboard import bp
from app.dashboard.forms import AttachForm, MakeTicketForm, ReasonForm
from app.errors import MAX_ID
from app.extensions import db
from app.models import Event, IntakeItem, IntakeState, Ticket

PAGE = 100
STATES = [IntakeState.RECEIVED, IntakeState.PROCESSING, *IntakeState.DONE,
          IntakeState.QUARANTINED]


@bp.route("/intake")
@login_required
def intake():
    state = request.args.get("state", "")
    query = select(IntakeItem)
    if state:
        query = query.where(IntakeItem.state == state)
    items = db.session.scalars(query.order_by(IntakeItem.id.desc()).limit(PAGE)).all()
    ids = {i.ticket_id for i in items if i.ticket_id}
    refs = {t.id: t.ref for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    counts = dict(db.session.execute(
        select(IntakeItem.state, func.count()).group_by(IntakeItem.state)).all())
    return render_template("intake.html", items=items, refs=refs, counts=counts, state=state,
                           states=STATES, actionable=intake_actions.ACTIONABLE,
                           mailboxes=health.mailboxes(), form=FlaskForm())


@bp.route("/intake/<id:item_id>")
@login_required
def intake_item(item_id: int):
    item = db.session.get(IntakeItem, item_id) or abort(404)
    headers, first_lines = intake_actions.preview(item.raw)
    events = db.session.scalars(select(Event).where(Event.intake_id == item_id)
                                .order_by(Event.id)).all()
    ticket = db.session.get(Ticket, item.ticket_id) if item.ticket_id else None
    return render_template(
        "intake_item.html", item=item, headers=headers, first_lines=first_lines,
        events=events, ticket=ticket, actionable=item.state in intake_actions.ACTIONABLE,
        form=FlaskForm(), ticket_form=MakeTicketForm(), attach_form=AttachForm(),
        discard_form=ReasonForm())


@bp.route("/intake/<id:item_id>/reprocess", methods=["POST"])
@login_required
def reprocess(item_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        state = pipeline.reprocess(item_id)
        flash(f"Intake #{item_id} reprocessed: {state}.", "ok")
    except (LookupError, ValueError) as exc:
        flash(str(exc), "error")
    except Exception as exc:  # the item keeps its error; the page shows it
        flash(f"Intake #{item_id} failed again: {exc}", "error")
    return redirect(request.referrer if _local(request.referrer)
                    else url_for("dashboard.intake"))


@bp.route("/intake/replay", methods=["POST"])
@login_required
def replay_many():
    """Replay every ticked item with today's pipeline and report each result."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    ids = [int(v) for v in request.form.getlist("ids") if v.isascii() and v.isdigit()
           and 0 < int(v) <= MAX_ID]
    if not ids:
        flash("Tick the items to replay first.", "error")
        return redirect(url_for("dashboard.intake"))
    results = intake_actions.replay_many(ids)
    for r in results:
        if r.error:
            flash(f"Intake #{r.item_id}: {r.error}", "error")
    done = [f"#{r.item_id} {r.state}" for r in results if not r.error]
    if done:
        flash(f"Replayed {len(done)} of {len(results)}: " + ", ".join(done) + ".", "ok")
    return redirect(url_for("dashboard.intake"))


@bp.route("/intake/<id:item_id>/<action>", methods=["POST"])
@login_required
def intake_action(item_id: int, action: str):
    """Make a ticket, attach to a ticket, or discard: one audited change per post."""
    forms = {"ticket": MakeTicketForm, "attach": AttachForm, "discard": ReasonForm}
    if action not in forms:
        abort(404)
    form = forms[action]()
    if not form.validate_on_submit():
        flash("; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()), "error")
        return redirect(url_for("dashboard.intake_item", item_id=item_id))
    try:
        message, ticket = _do(action, item_id, form)
        db.session.commit()
    except intake_actions.ActionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("dashboard.intake_item", item_id=item_id))
    if ticket is not None:
        notify.dispatch_queued(ticket.id)
    flash(message, "ok")
    return redirect(url_for("dashboard.intake_item", item_id=item_id))


def _do(action: str, item_id: int, form) -> tuple[str, Ticket | None]:
    reason = form.reason.data
    if action == "ticket":
        ticket = intake_actions.make_ticket(item_id, current_user, form.subject.data or "",
                                            reason)
        return f"Intake #{item_id} is now ticket {ticket.ref}.", ticket
    if action == "attach":
        ticket = intake_actions.attach(item_id, current_user, form.ref.data, reason)
        return f"Intake #{item_id} added to {ticket.ref}.", ticket
    intake_actions.discard(item_id, current_user, reason)
    return f"Intake #{item_id} discarded.", None


@bp.route("/intake/<id:item_id>/raw")
@login_required
def intake_raw(item_id: int):
    item = db.session.get(IntakeItem, item_id) or abort(404)
    return Response(item.raw, mimetype="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=intake-{item_id}.eml"})


def _local(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)
