"""Who hears about a ticket besides its reporter: watchers per ticket, stakeholders per service."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app import audit, stakeholders, tickets
from app.dashboard.comms import bp
from app.dashboard.ticket_views import load_ticket
from app.extensions import db
from app.models import Service, Subscription, Watcher
from app.report import plausible_email
from parsers.submission import Address


class PersonForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), plausible_email, Length(max=320)])
    name = StringField("Name", validators=[Length(max=200)])


@bp.route("/tickets/<ref>/watchers", methods=["POST"])
@login_required
def add_watcher(ref: str):
    ticket = load_ticket(ref)
    form = PersonForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        tickets.add_watchers(ticket, [Address(form.name.data or "", email)],
                             actor=current_user.email)
        db.session.commit()
        flash(f"{email} will get the public updates of {ticket.ref}.", "ok")
    else:
        flash("Give a valid email address for the watcher.", "error")
    return redirect(url_for("dashboard.ticket", ref=ticket.ref))


@bp.route("/tickets/<ref>/watchers/<id:watcher_id>/remove", methods=["POST"])
@login_required
def remove_watcher(ref: str, watcher_id: int):
    ticket = load_ticket(ref)
    watcher = db.session.get(Watcher, watcher_id)
    if watcher is None or watcher.ticket_id != ticket.id or not FlaskForm().validate_on_submit():
        abort(404)
    audit.record("watcher_removed", ticket=ticket, old=watcher.email, actor=current_user.email)
    db.session.delete(watcher)
    db.session.commit()
    flash(f"{watcher.email} no longer watches {ticket.ref}.", "ok")
    return redirect(url_for("dashboard.ticket", ref=ticket.ref))


@bp.route("/stakeholders", methods=["GET", "POST"])
@login_required
def stakeholder_list():
    services = db.session.scalars(select(Service).order_by(Service.name)).all()
    service = next((s for s in services if str(s.id) == request.args.get("service")),
                   services[0] if services else None)
    form = PersonForm()
    if service is not None and form.validate_on_submit():
        added = stakeholders.subscribe(service, form.email.data, form.name.data or "",
                                       actor=current_user.email)
        db.session.commit()
        flash(f"{form.email.data} {'added' if added else 'was already subscribed'}.", "ok")
        return redirect(url_for("comms.stakeholder_list", service=service.id))
    subs = stakeholders.subscribers(service.id) if service else []
    return render_template("stakeholders.html", services=services, service=service, subs=subs,
                           form=form, remove_form=FlaskForm())


@bp.route("/stakeholders/<id:sub_id>/remove", methods=["POST"])
@login_required
def stakeholder_remove(sub_id: int):
    sub = db.session.get(Subscription, sub_id)
    if sub is None or not FlaskForm().validate_on_submit():
        abort(404)
    stakeholders.unsubscribe(sub.service_id, sub.email, actor=current_user.email)
    db.session.commit()
    return redirect(url_for("comms.stakeholder_list", service=sub.service_id))
