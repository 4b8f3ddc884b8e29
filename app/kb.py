"""Self-service on the report form: knowledge-base suggestions and open major incidents.

`/report/suggest` answers the form's script (app/static/report.js) as the
reporter types: matching published articles and any open major incident on the
chosen service, which the reporter may follow (`/report/subscribe`) instead of
filing a duplicate. Matching is plain word overlap: the KB is small and agents
steer it with keywords.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app import stakeholders
from app.extensions import db
from app.models import KbArticle, Service
from app.report import plausible_email

bp = Blueprint("selfservice", __name__)

_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)
STOP = frozenset("the and for not with this that have has are was were from our you your can "
                 "cannot since when what but all any does did into out its it's there".split())
MAX_QUERY = 2000


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()[:MAX_QUERY]) if w not in STOP}


def suggest(text: str, service: Service | None, limit: int = 3) -> list[KbArticle]:
    """Return the published articles that best match the text (and the service)."""
    wanted = words(text)
    if not wanted:
        return []
    scored = []
    for art in db.session.scalars(select(KbArticle).where(KbArticle.published.is_(True))):
        score = (3 * len(wanted & words(art.title)) + 2 * len(wanted & words(art.keywords))
                 + len(wanted & words(art.body)))
        if score and service is not None and art.service_id == service.id:
            score += 2
        if score >= 2:
            scored.append((score, -art.id, art))
    return [art for *_, art in sorted(scored, key=lambda s: s[:2], reverse=True)[:limit]]


def _service(name: str) -> Service | None:
    if not name:
        return None
    return db.session.scalar(select(Service).where(Service.name == name[:120],
                                                   Service.active.is_(True)))


@bp.route("/report/suggest")
def suggestions():
    service = _service(request.args.get("service", ""))
    text = request.args.get("q", "")[:MAX_QUERY]
    articles = [{"id": a.id, "title": a.title, "url": url_for("selfservice.article",
                                                              article_id=a.id),
                 "snippet": " ".join(a.body.split())[:160]} for a in suggest(text, service)]
    major = [{"ref": t.ref, "subject": t.subject, "status": t.status.replace("_", " ")}
             for t in (stakeholders.open_major_incidents(service.id) if service else [])]
    return jsonify(articles=articles, major=major, service=service.name if service else None)


class SubscribeForm(FlaskForm):
    email = StringField(validators=[DataRequired(), plausible_email, Length(max=320)])
    name = StringField(validators=[Length(max=200)])
    service = StringField(validators=[DataRequired(), Length(max=120)])


@bp.route("/report/subscribe", methods=["POST"])
def subscribe():
    """Follow a service's incidents instead of filing a duplicate (CSRF-checked like the form)."""
    form = SubscribeForm()
    service = _service(form.service.data or "")
    if not form.validate_on_submit() or service is None:
        errors = [e for errs in form.errors.values() for e in errs] or ["unknown service"]
        return jsonify(ok=False, error=" ".join(errors)), 400
    added = stakeholders.subscribe(service, form.email.data, form.name.data or "",
                                   source="form", actor=form.email.data.strip().lower())
    db.session.commit()
    note = "You will get every update" if added else "You already get the updates"
    return jsonify(ok=True, message=f"{note} about incidents on {service.name}.")


@bp.route("/kb/<id:article_id>")
def article(article_id: int):
    art = db.session.get(KbArticle, article_id)
    if art is None or not art.published:
        abort(404)
    return render_template("kb_article.html", article=art)
