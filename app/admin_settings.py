"""Admin pages for the workflow: teams and their members, the priority matrix, SLA targets,
the business calendar and the thresholds (major-incident proposal, auto-close, at-risk).

Values are edited as short text (one matrix row or SLA target per line), checked,
then stored through `app.workflow_settings`, which records each save as an event.
Changing targets or hours recomputes the due times of every open ticket.
"""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app import audit, matrix, sla, workflow_settings
from app.admin import admin_required, bp
from app.extensions import db
from app.models import Agent, Team, TeamMember
from app.priority import PRIORITY_LABELS
from app.sla_clock import Calendar

SECTIONS = ("matrix", "sla", "calendar", "thresholds")


@bp.route("/teams", methods=["GET", "POST"])
@admin_required
def teams():
    if FlaskForm().validate_on_submit():
        try:
            message = _team_change(request.form)
            db.session.commit()
            flash(message, "ok")
        except ValueError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        return redirect(url_for("admin.teams"))
    rows = db.session.scalars(select(Team).order_by(Team.name)).all()
    agents = db.session.scalars(select(Agent).order_by(Agent.email)).all()
    return render_template("admin_teams.html", teams=rows, agents=agents, form=FlaskForm())


def _team_change(form) -> str:
    """Create a team, or add or remove one member; record it."""
    actor = current_user.email
    name = form.get("name", "").strip()[:120]
    if form.get("op") == "create":
        if not name or db.session.scalar(select(Team.id).where(Team.name == name)):
            raise ValueError("a team needs a new, non-empty name")
        db.session.add(Team(name=name))
        audit.record("team_created", actor=actor, new=name)
        return f"Team {name} created."
    team = db.session.get(Team, int(form.get("team_id", "0") or 0))
    agent = db.session.get(Agent, int(form.get("agent_id", "0") or 0))
    if team is None or agent is None:
        raise ValueError("choose a team and an agent")
    member = db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id,
                                                        TeamMember.agent_id == agent.id))
    if form.get("op") == "remove" and member is not None:
        db.session.delete(member)
        audit.record("team_member_removed", actor=actor, field=team.name, new=agent.email)
        return f"{agent.label} left {team.name}."
    if form.get("op") == "add" and member is None:
        db.session.add(TeamMember(team=team, agent=agent))
        audit.record("team_member_added", actor=actor, field=team.name, new=agent.email)
        return f"{agent.label} joined {team.name}."
    raise ValueError("nothing to change")


@bp.route("/workflow", methods=["GET", "POST"])
@admin_required
def workflow_settings_page():
    if FlaskForm().validate_on_submit():
        section = request.form.get("section", "")
        try:
            key, value = PARSERS[section](request.form)
            workflow_settings.save(key, value, current_user.email)
            if key in ("sla_targets", "sla_calendar", "workflow"):
                sla.refresh_open()
            db.session.commit()
            flash(f"Saved {section}.", "ok")
        except (KeyError, ValueError) as exc:
            db.session.rollback()
            flash(f"{section}: {exc}", "error")
        return redirect(url_for("admin.workflow_settings_page"))
    return render_template("admin_workflow.html", form=FlaskForm(), grid=matrix.current(),
                           targets=workflow_settings.get("sla_targets"),
                           calendar=workflow_settings.get("sla_calendar"),
                           thresholds=workflow_settings.get("workflow"))


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.replace("\n", ",").split(",") if w.strip()]


def parse_matrix(form) -> tuple[str, dict]:
    cells = [line.split() for line in form.get("cells", "").splitlines() if line.strip()]
    value = matrix.validate({"impact": _words(form.get("impact", "")),
                             "urgency": _words(form.get("urgency", "")), "cells": cells})
    return matrix.KEY, value


def parse_targets(form) -> tuple[str, dict]:
    """Read lines "P1 15m 4h" (a dash for no target)."""
    value = {p: {"response": "", "resolution": ""} for p in PRIORITY_LABELS}
    for line in form.get("targets", "").splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3 or parts[0] not in PRIORITY_LABELS:
            raise ValueError(f"{line.strip()!r}: write 'P1 15m 4h' (- for none)")
        response, resolution = ("" if p == "-" else p for p in parts[1:])
        for text in (response, resolution):
            sla.parse_duration(text, Calendar.around_the_clock())
        value[parts[0]] = {"response": response, "resolution": resolution}
    return "sla_targets", value


def parse_calendar(form) -> tuple[str, dict]:
    try:
        ZoneInfo(form.get("timezone", "").strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("unknown time zone") from exc
    start, end = time.fromisoformat(form["start"]), time.fromisoformat(form["end"])
    days = sorted({int(d) for d in _words(form.get("days", "")) if d in "0123456"})
    holidays = sorted({date.fromisoformat(d).isoformat()
                       for d in _words(form.get("holidays", ""))})
    if start >= end or not days:
        raise ValueError("opening hours need a start before the end and at least one day")
    return "sla_calendar", {"timezone": form["timezone"].strip(), "days": days,
                            "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"),
                            "holidays": holidays, "always": form.get("always") == "on"}


def parse_thresholds(form) -> tuple[str, dict]:
    value = {k: int(form[k]) for k in ("major_reports", "major_minutes", "auto_close_days",
                                       "at_risk_percent")}
    if value["major_reports"] < 2 or not 1 <= value["at_risk_percent"] <= 99 or min(
            value.values()) < 1:
        raise ValueError("reports at least 2, at-risk 1-99 %, all other values at least 1")
    return "workflow", value


PARSERS = {"matrix": parse_matrix, "sla": parse_targets, "calendar": parse_calendar,
           "thresholds": parse_thresholds}
