"""Admin-edited workflow settings: stored as versioned JSON rows, defaults from code.

Owns reading and saving the priority matrix, SLA targets, the business calendar
and the workflow thresholds (major-incident proposal, auto-close, at-risk). Every
save is an event with the old and new value. Validation of each value belongs to
the module that uses it; this one only stores.
"""

from __future__ import annotations

import copy

from app import audit
from app.extensions import db
from app.models import Setting
from app.models.base import utcnow

DEFAULTS: dict[str, dict] = {
    # Rows are impact levels (1 = highest), columns urgency levels.
    "priority_matrix": {
        "impact": ["high", "medium", "low"],
        "urgency": ["high", "medium", "low"],
        "cells": [["P1", "P2", "P3"], ["P2", "P3", "P4"], ["P3", "P4", "P5"]],
    },
    # Durations: "15m", "4h", "3d" (d = one business day of the calendar); "" = no target.
    "sla_targets": {
        "P1": {"response": "15m", "resolution": "4h"},
        "P2": {"response": "30m", "resolution": "8h"},
        "P3": {"response": "4h", "resolution": "3d"},
        "P4": {"response": "8h", "resolution": "5d"},
        "P5": {"response": "", "resolution": ""},
    },
    "sla_calendar": {"timezone": "UTC", "days": [0, 1, 2, 3, 4], "start": "08:00",
                     "end": "18:00", "holidays": [], "always": False},
    "workflow": {"major_reports": 3, "major_minutes": 30, "auto_close_days": 5,
                 "at_risk_percent": 80},
}


def get(key: str) -> dict:
    """Return the current value of a setting (a copy: callers may not change it)."""
    row = db.session.get(Setting, key)
    return copy.deepcopy(row.value if row is not None else DEFAULTS[key])


def version(key: str) -> int:
    """Return the setting's version: 0 while the code default is in force."""
    row = db.session.get(Setting, key)
    return row.version if row is not None else 0


def save(key: str, value: dict, actor: str) -> int:
    """Store a new value, bump the version, record the change; the caller commits."""
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(Setting, key)
    old = get(key)
    if row is None:
        row = Setting(key=key, value=value, version=1, updated_by=actor)
        db.session.add(row)
    else:
        row.value, row.version = value, row.version + 1
        row.updated_by, row.updated_at = actor, utcnow()
    audit.record("setting_saved", actor=actor, field=key, new=str(row.version),
                 old_value=old, new_value=value)
    return row.version
