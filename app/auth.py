"""Agent log-in and log-out (Flask-Login sessions), and readable pages for refused posts."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from app import login_guard
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
        email, ip = form.email.data, request.remote_addr or "?"
        refused = login_guard.refusal(email, ip)
        if refused:
            login_guard.record_refused(email, ip)
            flash(refused, "error")
            return render_template("login.html", form=form), 429
        agent = authenticate(email, form.password.data)
        if agent is not None:
            login_guard.record_success(email, ip)
            login_user(agent)
            return redirect(_local_target(request.args.get("next", "")))
        login_guard.record_failure(email, ip)
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
    return render_template(
        "error.html", title="That form could not be accepted", back=_back(),
        message="The page was open too long or came from somewhere else, so nothing was "
                f"saved ({error.description}). Go back, reload the page and send it again.",
    ), 400


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """Explain an upload over the size limit instead of a bare 413."""
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return render_template(
        "error.html", title="That was too large", back=_back(),
        message=f"Reports with attachments can be up to about {limit} MB. Nothing was "
                "saved: go back and attach a smaller file, or send it by mail.",
    ), 413


def _back() -> str:
    referrer = request.referrer or ""
    return referrer if referrer.startswith(request.host_url) else url_for("report.report")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
