"""The knowledge base as agents edit it: a list, and one form to add or change an article."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app import audit
from app.dashboard.comms import bp
from app.dashboard.forms import options
from app.extensions import db
from app.models import KbArticle, Service


class ArticleForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    keywords = StringField("Keywords (words reporters use)", validators=[Length(max=500)])
    service = SelectField("Service", choices=[])
    body = TextAreaField("Article", validators=[DataRequired(), Length(max=50_000)])
    published = BooleanField("Published (suggested on the report form)", default=True)


@bp.route("/kb")
@login_required
def kb():
    articles = db.session.scalars(select(KbArticle).order_by(KbArticle.title)).all()
    return render_template("kb_list.html", articles=articles)


@bp.route("/kb/new", methods=["GET", "POST"], defaults={"article_id": None})
@bp.route("/kb/<id:article_id>/edit", methods=["GET", "POST"])
@login_required
def kb_edit(article_id: int | None):
    art = db.session.get(KbArticle, article_id) if article_id else KbArticle()
    if art is None:
        abort(404)
    form = ArticleForm(obj=art, service=str(art.service_id or ""))
    names = db.session.scalars(select(Service).order_by(Service.name)).all()
    form.service.choices = options([("", "(any service)")] + [(str(s.id), s.name)
                                                              for s in names])
    if form.validate_on_submit():
        art.title, art.keywords = form.title.data.strip(), form.keywords.data.strip()
        art.body, art.published = form.body.data.strip(), form.published.data
        art.service_id = int(form.service.data) if form.service.data else None
        art.updated_by = current_user.email
        db.session.add(art)
        db.session.flush()
        audit.record("kb_article_saved", actor=current_user.email, new=art.title,
                     article=art.id)
        db.session.commit()
        flash(f"Article “{art.title}” saved.", "ok")
        return redirect(url_for("comms.kb"))
    return render_template("kb_edit.html", form=form, article=art)
