"""Admin pages: the service catalogue (names and aliases) and the agents."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app import audit
from app.accounts import AccountError, create_agent
from app.dashboard.forms import options
from app.extensions import db
from app.models import Agent, Service

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        # An auditor reads every page, admin ones included; app.security refuses the posts.
        reader = current_user.read_only and request.method in ("GET", "HEAD")
        if not (current_user.is_admin or reader):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class ServiceForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    aliases = StringField("Aliases (comma-separated)", validators=[Length(max=2000)])
    active = BooleanField("Active", default=True)


class AgentForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    name = StringField("Name", validators=[Length(max=200)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8)])
    role = SelectField("Role", choices=options([("agent", "Agent"), ("admin", "Admin"),
                                             ("auditor", "Auditor (read-only)")]))


@bp.route("/services", methods=["GET", "POST"])
@admin_required
def services():
    form = ServiceForm()
    editing = db.session.scalar(select(Service).where(Service.name == request.args.get("edit")))
    if editing is not None and request.method == "GET":
        form = ServiceForm(obj=editing)  # prefilled, so an edit need not retype the aliases
    if form.validate_on_submit():
        name = form.name.data.strip()
        service = db.session.scalar(select(Service).where(Service.name == name))
        old = service.aliases if service else None
        service = service or Service(name=name)
        service.aliases, service.active = form.aliases.data.strip(), form.active.data
        db.session.add(service)
        audit.record("service_saved", actor=current_user.email, field=name, old=old,
                     new=service.aliases)
        db.session.commit()
        flash(f"Service {name} saved.", "ok")
        return redirect(url_for("admin.services"))
    rows = db.session.scalars(select(Service).order_by(Service.name)).all()
    return render_template("admin_services.html", services=rows, form=form)


@bp.route("/agents", methods=["GET", "POST"])
@admin_required
def agents():
    form = AgentForm()
    if form.validate_on_submit():
        try:
            create_agent(form.email.data, form.password.data, form.role.data, form.name.data)
            flash(f"Agent {form.email.data} created.", "ok")
            return redirect(url_for("admin.agents"))
        except AccountError as exc:
            flash(str(exc), "error")
    rows = db.session.scalars(select(Agent).order_by(Agent.email)).all()
    return render_template("admin_agents.html", agents=rows, form=form)


from app import admin_settings  # noqa: E402,F401  (teams and workflow pages on this blueprint)
