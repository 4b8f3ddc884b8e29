"""Readable error pages: HTML for people, JSON for the API; and bounded id converters.

Werkzeug's bare pages say nothing useful to an agent or a reporter, and an id
past the database's INTEGER range must be a 404, not a driver overflow (a 500).
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # INTEGER primary keys on SQLite and PostgreSQL

TITLES = {
    400: "That request could not be understood",
    403: "You may not open this page",
    404: "There is nothing here",
    405: "That is not allowed here",
    500: "Something went wrong on our side",
}
MESSAGES = {
    403: "Your account does not have the rights for this page. Ask an administrator "
         "if you need them.",
    404: "The page or item you asked for does not exist, or no longer exists. Check the "
         "address or the reference.",
    500: "The error was logged. Nothing you sent is lost: try again in a moment.",
}


class IdConverter(IntegerConverter):
    """A positive database id: larger numbers do not match the route (a 404)."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


def wants_json() -> bool:
    """Answer in JSON under /api/ (its clients are programs)."""
    return request.path.startswith("/api/")


def render_error(error: HTTPException):
    """Render an HTTP error as JSON for the API or as the site's error page."""
    code = error.code or 500
    if wants_json():
        return jsonify(error=error.description), code
    return render_template(
        "error.html", title=TITLES.get(code, error.name),
        message=MESSAGES.get(code, error.description), back=None), code


def unexpected(error: InternalServerError):
    """Show the 500 page; Flask has already logged the original exception."""
    try:
        return render_error(error)
    except Exception:  # e.g. the database is down and the page needs the agent
        return f"{TITLES[500]}. {MESSAGES[500]}", 500, {"Content-Type": "text/plain"}


def init_errors(app: Flask) -> None:
    """Register the id converter and the error handlers on the app."""
    app.url_map.converters["id"] = IdConverter
    for code in (400, 403, 404, 405):
        app.register_error_handler(code, render_error)
    app.register_error_handler(InternalServerError, unexpected)
