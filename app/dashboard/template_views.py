"""Admins edit the mail templates: stored overrides with a sandboxed preview, or the files.

The preview renders the draft with a made-up ticket in the same sandbox as real
mail, so an error or a forbidden construct shows here, not in a reporter's inbox.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app import audit, mail_templates
from app.admin import admin_required
from app.dashboard.comms import bp
from app.extensions import db
from app.models import MailTemplate


class TemplateForm(FlaskForm):
    subject = StringField("Subject (after the [reference])",
                          validators=[DataRequired(), Length(max=300)])
    body_text = TextAreaField("Text", validators=[DataRequired(), Length(max=50_000)])
    body_html = TextAreaField("HTML", validators=[DataRequired(), Length(max=100_000)])


@bp.route("/admin/mail-templates")
@admin_required
def mail_templates_list():
    overridden = {name for name in mail_templates.EVENTS if mail_templates.override(name)}
    return render_template("mail_templates.html", events=mail_templates.EVENTS,
                           overridden=overridden, form=FlaskForm())


@bp.route("/admin/mail-templates/<name>", methods=["GET", "POST"])
@admin_required
def mail_template_edit(name: str):
    if name not in mail_templates.EVENTS:
        abort(404)
    row = mail_templates.override(name)
    subject, text, html = ((row.subject, row.body_text, row.body_html) if row
                           else mail_templates.source(name))
    form = TemplateForm(data={"subject": subject, "body_text": text, "body_html": html})
    preview, error = None, None
    if form.validate_on_submit():
        try:
            preview = mail_templates.render_source(form.subject.data, form.body_text.data,
                                                   form.body_html.data,
                                                   mail_templates.sample_context())
        except Exception as exc:  # the sandbox's SecurityError and any template error
            error = f"{type(exc).__name__}: {exc}"
        if error is None and request.form.get("action") == "save":
            _save(name, row, form)
            flash(f"Template “{mail_templates.EVENTS[name][0]}” saved.", "ok")
            return redirect(url_for("comms.mail_template_edit", name=name))
    return render_template("mail_template_edit.html", name=name, form=form, row=row,
                           label=mail_templates.EVENTS[name][0], preview=preview, error=error,
                           reset_form=FlaskForm())


@bp.route("/admin/mail-templates/<name>/reset", methods=["POST"])
@admin_required
def mail_template_reset(name: str):
    row = mail_templates.override(name)
    if name not in mail_templates.EVENTS or not FlaskForm().validate_on_submit():
        abort(400)
    if row is not None:
        db.session.delete(row)
        audit.record("mail_template_reset", actor=current_user.email, new=name)
        db.session.commit()
    flash("The template is back to the default file.", "ok")
    return redirect(url_for("comms.mail_template_edit", name=name))


def _save(name: str, row: MailTemplate | None, form: TemplateForm) -> None:
    row = row or MailTemplate(name=name)
    row.subject, row.body_text = form.subject.data.strip(), form.body_text.data
    row.body_html, row.updated_by = form.body_html.data, current_user.email
    db.session.add(row)
    audit.record("mail_template_saved", actor=current_user.email, new=name)
    db.session.commit()

