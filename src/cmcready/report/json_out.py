"""The audit and validation JSON of the contract (plain numbers: no NaN or Infinity)."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd

from ..audit import AuditResult

SCHEMA_VERSION = 1


def plain(obj):
    """Recursively turn numpy/pandas scalars, dates and non-finite floats into JSON values."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj) if isinstance(obj, (set, frozenset)) else obj
        return [plain(v) for v in items]
    if isinstance(obj, np.ndarray):
        return [plain(v) for v in obj.tolist()]
    if obj is None or obj is pd.NaT or obj is pd.NA:
        return None
    if isinstance(obj, np.datetime64):
        return None if np.isnat(obj) else pd.Timestamp(obj).date().isoformat()
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, pd.Timestamp):
        return obj.date().isoformat()
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()[:10]
    return obj if isinstance(obj, str) else str(obj)


def audit_json(result: AuditResult) -> dict:
    d = result.dossier
    ctx = result.context
    return plain({
        "schema_version": SCHEMA_VERSION,
        "program_id": d.program.program_id,
        "product_name": d.program.product_name,
        "as_of": result.as_of.isoformat(),
        "summary": result.summary(),
        "findings": [f.to_json() for f in result.findings],
        "attributes": result.attributes,
        "bridging": result.bridging,
        "manufacturing": result.manufacturing,
        "joint_projected_failure_rate": result.joint_projected_failure_rate,
        "joint_projection": result.joint_projection,
        "not_applicable": [{"code": n.code, "reason": n.reason} for n in result.not_applicable],
        "thresholds": ctx.config.effective(d.program.modality),
        "input": {"path": d.source, "sha256": d.sha256},
        "cmcready_version": result.version,
    })


def dumps(payload: dict) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
