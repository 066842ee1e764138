"""The dosing plan (filled in by the specification work)."""

from __future__ import annotations

import datetime as dt

from .dossier import Dossier


def make_plan(dossier: Dossier, *, as_of: dt.date, config=None) -> dict:
    return {"as_of": as_of.isoformat(), "targets": [], "recommended_lots": []}
