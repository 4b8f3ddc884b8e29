"""Reports page (charts drawn by static/reports.js from a JSON endpoint), CSV, evidence zip.

Every logged-in agent sees the reports; only admins and auditors export evidence.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required

from app import evidence, report_data
from app.dashboard import bp
from app.dashboard.ticket_views import load_ticket
from app.extensions import db
from app.models.base import utcnow

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
EVIDENCE_ROLES = frozenset({"admin", "auditor"})


def _range() -> tuple[date, date]:
    """Read ?from=&to= (ISO dates); default to the last 90 days; 400 on nonsense."""
    today = utcnow().date()
    try:
        end = date.fromisoformat(request.args.get("to") or today.isoformat())
        start = date.fromisoformat(request.args.get("from") or
                                   (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat())
    except ValueError:
        abort(400, "dates must look like 2026-01-31")
    if start > end or (end - start).days > MAX_DAYS:
        abort(400, "from must not be after to, and the range at most three years")
    return start, end


def may_export() -> bool:
    return getattr(current_user, "role", "") in EVIDENCE_ROLES


@bp.route("/reports")
@login_required
def reports():
    start, end = _range()
    query = {"from": start.isoformat(), "to": end.isoformat()}
    return render_template("reports.html", start=start, end=end, may_export=may_export(),
                           data_url=url_for("dashboard.reports_json", **query),
                           csv_url=url_for("dashboard.reports_csv", **query))


@bp.route("/reports/data.json")
@login_required
def reports_json():
    return jsonify(report_data.build(*_range()))


@bp.route("/reports/data.csv")
@login_required
def reports_csv():
    start, end = _range()
    body = report_data.to_csv(report_data.build(start, end))
    name = f"report-{start}-{end}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/reports/evidence")
@login_required
def evidence_zip():
    """Download the evidence zip for ?ticket=REF, or for ?from=&to=."""
    if not may_export():
        abort(403)
    ref = request.args.get("ticket", "").strip()
    if ref:
        scope = evidence.Scope(ticket=load_ticket(ref))
    else:
        start, end = _range()
        scope = evidence.Scope(start=start, end=end)
    data = evidence.export(scope, actor=current_user.email)
    db.session.commit()
    name = f"evidence-{scope.label().replace('..', '_to_')}.zip"
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
