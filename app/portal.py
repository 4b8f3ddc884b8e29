"""The reporter's portal: a signed, expiring link from our mail opens the ticket.

The page shows the status and the public thread (never internal notes). The
reporter may reply (with a file), confirm a resolution or reopen; stakeholders'
links are read-only. The whole portal can be switched off (PORTAL_ENABLED).
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from app import links, portal_actions
from app.extensions import db
from app.lifecycle import RESOLVED, TransitionError
from app.models import Ticket
from parsers.attachments import safe_filename

bp = Blueprint("portal", __name__, url_prefix="/portal")


class PortalReplyForm(FlaskForm):
    body = TextAreaField("Your message", validators=[DataRequired(), Length(max=20_000)])
    attachment = FileField("Attachment (optional)")
    nonce = HiddenField(validators=[Regexp(r"\A[0-9a-f]{32}\Z", message="expired form")])


class ReopenForm(FlaskForm):
    reason = TextAreaField("What is still wrong?", validators=[DataRequired(),
                                                               Length(max=20_000)])


def _open(token: str) -> tuple[links.PortalAccess, Ticket]:
    if not current_app.config["PORTAL_ENABLED"]:
        abort(404)
    try:
        access = links.read_portal_token(token)
    except links.LinkRefused as refused:
        abort(_refusal(refused))
    ticket = db.session.get(Ticket, access.ticket_id) or abort(404)
    return access, ticket


def _refusal(refused: links.LinkRefused):
    body = render_template("portal_refused.html", reason=str(refused), expired=refused.expired)
    return current_app.response_class(body, status=410 if refused.expired else 403)


@bp.route("/<token>")
def page(token: str):
    access, ticket = _open(token)
    reply = PortalReplyForm(nonce=portal_actions.new_nonce())
    return render_template("portal.html", ticket=ticket, access=access, token=token,
                           thread=portal_actions.public_thread(ticket), reply_form=reply,
                           reopen_form=ReopenForm(), resolved=ticket.status in RESOLVED)


@bp.route("/<token>/reply", methods=["POST"])
def reply(token: str):
    access, ticket = _open(token)
    form = PortalReplyForm()
    if access.role != "reporter":
        abort(403)
    if not form.validate_on_submit():
        flash("Please write a message.", "error")
        return redirect(url_for("portal.page", token=token))
    landed = portal_actions.submit_reply(ticket, access.email, form.body.data.strip(),
                                         form.nonce.data, _upload(form))
    if landed is not None and landed.id != ticket.id:
        flash(f"{ticket.ref} is finished, so we opened {landed.ref} for your message.", "ok")
    else:
        flash("Thank you, your message was added to the ticket.", "ok")
    return redirect(url_for("portal.page", token=token))


@bp.route("/<token>/confirm", methods=["POST"])
def confirm(token: str):
    access, ticket = _open(token)
    if access.role != "reporter" or not FlaskForm().validate_on_submit():
        abort(403)
    try:
        portal_actions.confirm_resolution(ticket, access.email)
        flash("Thank you for confirming: the ticket is closed.", "ok")
    except TransitionError:
        db.session.rollback()
        flash(f"{ticket.ref} is {ticket.status.replace('_', ' ')}: nothing to confirm.", "error")
    return redirect(url_for("portal.page", token=token))


@bp.route("/<token>/reopen", methods=["POST"])
def reopen(token: str):
    access, ticket = _open(token)
    form = ReopenForm()
    if access.role != "reporter":
        abort(403)
    if not form.validate_on_submit():
        flash("Please tell us what is still wrong.", "error")
    else:
        landed = portal_actions.reopen(ticket, access.email, form.reason.data.strip())
        moved = landed is not None and landed.id != ticket.id
        flash(f"We opened {landed.ref} as a follow-up." if moved
              else "The ticket is open again; an agent will look at it.", "ok")
    return redirect(url_for("portal.page", token=token))


def _upload(form: PortalReplyForm) -> tuple[str, str, bytes] | None:
    upload = form.attachment.data
    if not upload or not upload.filename:
        return None
    content_type = upload.mimetype or "application/octet-stream"
    if not re.fullmatch(r"[\w.+-]+/[\w.+-]+", content_type):
        content_type = "application/octet-stream"
    return safe_filename(upload.filename, 1, content_type), content_type, upload.read()
