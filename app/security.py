"""Cross-cutting access rules: the auditor's read-only role, API token scopes, 429 pages.

One `before_request` hook, so a route added later is covered without remembering a
decorator: an auditor may read every page but any state-changing request (other
than logging out, or the public pages anyone may use) is a 403; a bearer token
with the read scope, or one of an auditor, may only GET the API. Who may see a
page at all stays with each view (`login_required`, `admin_required`).
"""

from __future__ import annotations

from flask import Flask, abort, jsonify, render_template, request
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Blueprints anyone may use without an account (the form, the reporter's portal,
# self-service articles, unsubscribe links) and logging in/out.
PUBLIC_BLUEPRINTS = frozenset({"auth", "report", "portal", "selfservice", "stakeholders"})


def init_security(app: Flask) -> None:
    """Install the access hooks, the rate limits and the token admin page on `app`."""
    from app.dashboard.token_views import bp as tokens_bp
    from app.ratelimits import init_limits

    app.before_request(enforce_read_only)
    app.register_error_handler(TooManyRequests, too_many_requests)
    app.register_blueprint(tokens_bp)
    init_limits(app)


def enforce_read_only():
    """Refuse state changes by an auditor's session or a read-scoped API token."""
    if request.method in SAFE_METHODS:
        return None
    if request.blueprint == "api":
        return _api_scope()
    if request.blueprint in PUBLIC_BLUEPRINTS or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.read_only:
        abort(403, description="Auditors have read-only access.")
    return None


def _api_scope():
    from app.accounts import token_row

    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    row = token_row(token.strip()) if scheme.lower() == "bearer" else None
    if row is None:
        return None  # the API's own check answers 401
    if row.scope != "write" or row.agent.read_only:
        response = jsonify(error="this token has the read scope: it may not change anything")
        response.status_code = 403
        return response
    return None


def too_many_requests(error: TooManyRequests):
    """Explain a rate limit: nothing was stored, and when to try again."""
    if request.path.startswith("/api/"):
        return jsonify(error=f"too many requests ({error.description})"), 429
    return render_template(
        "error.html", title="Too many reports for now",
        message="You have sent many reports in a short time, so this one was not accepted and "
                f"nothing was saved (limit: {error.description}). Please wait a while and send "
                "it again, or write to us by mail.", back=None), 429
