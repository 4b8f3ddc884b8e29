"""Admin page for API tokens: list them, issue one (shown once), revoke one.

Only hashes are stored, so a token is displayed in the answer to the post that
created it and never again. Auditors may read the list (no secret is on it).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired

from app.accounts import AccountError, create_token, revoke_token
from app.admin import admin_required
from app.dashboard.forms import options
from app.extensions import db
from app.models import ApiToken

bp = Blueprint("tokens", __name__, url_prefix="/admin/tokens")


class TokenForm(FlaskForm):
    email = EmailField("Agent email", validators=[DataRequired()])
    scope = SelectField("Scope", choices=options([("read", "Read only"),
                                                     ("write", "Read and write")]))


class RevokeForm(FlaskForm):
    pass


@bp.route("", methods=["GET", "POST"])
@admin_required
def tokens():
    form, issued = TokenForm(), None
    if form.validate_on_submit():
        try:
            issued = create_token(form.email.data, form.scope.data)
        except AccountError as exc:
            flash(str(exc), "error")
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).all()
    return render_template("admin_tokens.html", tokens=rows, form=form, issued=issued,
                           revoke_form=RevokeForm())


@bp.route("/<id:token_id>/revoke", methods=["POST"])
@admin_required
def revoke(token_id: int):
    if RevokeForm().validate_on_submit():
        try:
            row = revoke_token(token_id, actor=current_user.email)
            flash(f"Token #{row.id} of {row.agent.email} revoked.", "ok")
        except AccountError as exc:
            flash(str(exc), "error")
    return redirect(url_for("tokens.tokens"))
