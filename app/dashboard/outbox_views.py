"""The outbox pages: every outbound mail, and a retry for the ones that failed."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select, update

from app import audit, notify
from app.dashboard import bp
from app.extensions import db
from app.models import OutboxMail, OutboxState, Ticket

PAGE = 100
RETRYABLE = (OutboxState.DEAD, OutboxState.FAILED)


@bp.route("/outbox")
@login_required
def outbox():
    mails = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc())
                               .limit(PAGE)).all()
    return render_template("outbox.html", mails=mails, form=FlaskForm(), retryable=RETRYABLE)


@bp.route("/outbox/<id:mail_id>")
@login_required
def outbox_mail(mail_id: int):
    mail = db.session.get(OutboxMail, mail_id) or abort(404)
    ticket = db.session.get(Ticket, mail.ticket_id) if mail.ticket_id else None
    return render_template("outbox_mail.html", mail=mail, ref=ticket.ref if ticket else None,
                           form=FlaskForm(), retryable=RETRYABLE)


@bp.route("/outbox/<id:mail_id>/retry", methods=["POST"])
@login_required
def outbox_retry(mail_id: int):
    """Queue a dead or failed mail again with fresh attempts, and hand it to the sender."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    mail = db.session.get(OutboxMail, mail_id) or abort(404)
    old = mail.state
    # Conditional, so two agents clicking at once queue it once.
    requeued = db.session.execute(
        update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.state.in_(RETRYABLE))
        .values(state=OutboxState.QUEUED, attempts=0)).rowcount
    if not requeued:
        flash(f"Mail #{mail_id} is {old}: only dead or failed mail can be retried.", "error")
        return redirect(url_for("dashboard.outbox_mail", mail_id=mail_id))
    ticket = db.session.get(Ticket, mail.ticket_id) if mail.ticket_id else None
    audit.record("mail_retry", ticket=ticket, actor=current_user.email, field="state",
                 old=old, new=OutboxState.QUEUED, outbox=mail_id, error=mail.last_error)
    db.session.commit()
    _dispatch(mail)
    flash(f"Mail #{mail_id} queued again.", "ok")
    return redirect(url_for("dashboard.outbox_mail", mail_id=mail_id))


def _dispatch(mail: OutboxMail) -> None:
    if mail.ticket_id is not None:
        notify.dispatch_queued(mail.ticket_id)
    else:  # not tied to a ticket: hand over this one mail
        from app.jobs import enqueue_outbox

        enqueue_outbox(mail.id)
