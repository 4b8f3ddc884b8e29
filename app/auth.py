"""Agent log-in and log-out (Flask-Login sessions)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
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
            return redirect(_local_target(request.args.get("next", "")))
        flash("Unknown email or wrong password.", "error")
    return render_template("login.html", form=form)


def _local_target(target: str) -> str:
    """Return `target` if it is a path on this site, else the queue.

    Browsers read `/\\host` like `//host` and drop tabs and newlines, so those count
    as foreign too: the log-in page must not bounce agents to another site.
    """
    if (not target.startswith("/") or "\\" in target
            or any(ord(c) < 33 for c in target) or target.startswith("//")):
        return url_for("dashboard.queue")
    return target


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """Explain a refused form post (expired or missing token) instead of a bare 400."""
    return render_template("csrf_error.html", reason=error.description), 400


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
