"""Intake and outbox pages: every raw item with its outcome, and every outbound mail."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app import pipeline
from app.dashboard import bp
from app.extensions import db
from app.models import IntakeItem, IntakeState, OutboxMail, Ticket

PAGE = 100


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
                           states=[IntakeState.RECEIVED, IntakeState.PROCESSING,
                                   *IntakeState.DONE, IntakeState.QUARANTINED],
                           form=FlaskForm())


@bp.route("/intake/<int:item_id>/reprocess", methods=["POST"])
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
    return redirect(url_for("dashboard.intake"))


@bp.route("/intake/<int:item_id>/raw")
@login_required
def intake_raw(item_id: int):
    item = db.session.get(IntakeItem, item_id) or abort(404)
    return Response(item.raw, mimetype="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=intake-{item_id}.eml"})


@bp.route("/outbox")
@login_required
def outbox():
    mails = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc())
                               .limit(PAGE)).all()
    return render_template("outbox.html", mails=mails)


@bp.route("/outbox/<int:mail_id>")
@login_required
def outbox_mail(mail_id: int):
    mail = db.session.get(OutboxMail, mail_id) or abort(404)
    ticket = db.session.get(Ticket, mail.ticket_id) if mail.ticket_id else None
    return render_template("outbox_mail.html", mail=mail, ref=ticket.ref if ticket else None)
