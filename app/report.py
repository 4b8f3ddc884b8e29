"""The public report form: stored like any other source, then run through the pipeline now.

It runs the pipeline synchronously (also when Redis is configured) so the page
after submitting can show the new ticket's reference.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from app import pipeline
from app.dashboard.forms import options
from app.extensions import db
from app.form_guard import HONEYPOT_LABEL, allowed_attachment, empty_honeypot
from app.models import IntakeItem, Service, Ticket
from app.store import StorageUnavailable, store_raw
from parsers.attachments import safe_filename
from parsers.form import form_payload

bp = Blueprint("report", __name__)

AFFECTED = options([("just_me", "Just me"), ("my_team", "My team"),
                    ("whole_site", "The whole site"), ("everyone", "Everyone")])
CAN_WORK = options([("yes", "Yes"), ("degraded", "Yes, but slowed down"), ("no", "No")])


def plausible_email(form, field) -> None:
    """Refuse what cannot be a mail address (one @, a dotted domain, no spaces or CR/LF).

    Kept local rather than WTForms' `Email()`, which needs the optional
    email_validator package and raises (a 500) when it is missing.
    """
    local, at, domain = (field.data or "").strip().rpartition("@")
    if (not at or not local or "." not in domain.strip(".") or domain.startswith(".")
            or any(c.isspace() or c in "<>,;\"@" for c in local + domain)):
        raise ValidationError("Please give an email address such as name@example.org.")


class ReportForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Your email", validators=[DataRequired(), plausible_email,
                                                       Length(max=320)])
    service = SelectField("Service", choices=[])
    summary = StringField("Summary", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("What happened?", validators=[DataRequired(),
                                                               Length(max=20_000)])
    affected = RadioField("How many people are affected?", choices=AFFECTED, default="just_me")
    can_work = RadioField("Can you still work?", choices=CAN_WORK, default="yes")
    attachment = FileField("Attachment (optional)", validators=[allowed_attachment])
    # A honeypot: hidden from people by CSS, filled in by form robots (app.form_guard).
    website = StringField(HONEYPOT_LABEL, validators=[empty_honeypot, Length(max=200)])
    # One per page load: sending the same page twice stores the same bytes, so
    # `store_raw` returns the first item and a double click makes one ticket.
    nonce = HiddenField(validators=[Regexp(r"\A[0-9a-f]{32}\Z", message="expired form")])


@bp.route("/report", methods=["GET", "POST"])
def report():
    form = ReportForm()
    names = db.session.scalars(select(Service.name).where(Service.active.is_(True))
                               .order_by(Service.name)).all()
    form.service.choices = options([("", "I don't know")] + [(n, n) for n in names])
    if not form.is_submitted():
        form.nonce.data = uuid.uuid4().hex
    if form.validate_on_submit():
        try:
            item_id = store_raw("form", _payload(form), message_id=None)
        except StorageUnavailable:
            form.form_errors.append("We could not save your report just now. Please try again.")
        else:
            session["last_report"] = _run(item_id)
            return redirect(url_for("report.done"))
    if form.nonce.errors:  # missing or forged: start a fresh submission
        form.nonce.data = uuid.uuid4().hex
        form.form_errors.append("This form was too old to send. Please check it and send "
                                "it again.")
    return render_template("report.html", form=form)


@bp.route("/report/done")
def done():
    return render_template("report_done.html", outcome=session.get("last_report"))


def _payload(form: ReportForm) -> bytes:
    fields = {key: getattr(form, key).data or "" for key in
              ("name", "email", "service", "summary", "description", "affected", "can_work")}
    attachment = None
    upload = form.attachment.data
    if upload and upload.filename:
        content_type = upload.mimetype or "application/octet-stream"
        # The browser's name is the reporter's input: no "../" or "C:\\" path parts.
        attachment = (safe_filename(upload.filename, 1, content_type), content_type,
                      upload.read())
    return form_payload(fields, attachment, submission_id=form.nonce.data)


def _run(stored) -> dict:
    """Run the pipeline now; whatever happens, the stored report is kept."""
    try:
        pipeline.process_intake(stored.item_id)
    except Exception:
        current_app.logger.exception("form report %s failed; kept for retry", stored.item_id)
    item = db.session.get(IntakeItem, stored.item_id)
    ticket = db.session.get(Ticket, item.ticket_id) if item.ticket_id else None
    return {"ref": ticket.ref if ticket else None, "intake": item.id}
