"""Agent log-in and log-out (Flask-Login sessions)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from app.accounts import authenticate
from app.extensions import db, login_manager
from app.models import Agent

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


@login_manager.user_loader
def load_agent(agent_id: str) -> Agent | None:
    return db.session.get(Agent, int(agent_id))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        agent = authenticate(form.email.data, form.password.data)
        if agent is not None:
            login_user(agent)
            target = request.args.get("next", "")
            # Only local paths, so the login page cannot bounce agents to another site.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("dashboard.queue")
            return redirect(target)
        flash("Unknown email or wrong password.", "error")
    return render_template("login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
