"""Dossiers and audit results the HTML report tests share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from cmcready.audit import AuditResult, run_audit
from cmcready.dossier import load_dossier
from cmcready.plan import make_plan
from tests.builders import add_rows, base_tables, load

HOSTILE_PRODUCT = "<script>alert(1)</script> & Co"
HOSTILE_ATTRIBUTE_ID = "P<&>T"
HOSTILE_ATTRIBUTE_NAME = 'Potency <script>alert("a")</script> & $x$'
HOSTILE_METHOD_ID = "M<script>1"
HOSTILE_STUDY_ID = "PIV&<i>"
#: A second CQA with no proposed specification, so that a finding (SP005) quotes its name.
HOSTILE_CQA_ID = "X&<b>"
HOSTILE_CQA_NAME = "<img src=x onerror=alert(2)> & more"


def demo_result(folder: Path) -> tuple[AuditResult, dict]:
    """The bundled demo program audited as of its date, with its dosing plan."""
    from cmcready.demo.generate import DEMO_AS_OF, write_demo_dossier

    workbook, _ = write_demo_dossier(folder)
    dossier = load_dossier(workbook)
    return run_audit(dossier, as_of=DEMO_AS_OF), make_plan(dossier, as_of=DEMO_AS_OF)


def _replace(frame: pd.DataFrame, column: str, old: str, new: str) -> pd.DataFrame:
    frame = frame.copy()
    frame[column] = frame[column].replace(old, new)
    return frame


def hostile_tables() -> dict[str, pd.DataFrame]:
    """The base program with markup, ampersands and dollar signs in its names and ids."""
    t = base_tables()
    t["program"] = t["program"].assign(product_name=HOSTILE_PRODUCT)
    for name in ("attributes", "methods", "results", "specifications"):
        t[name] = _replace(t[name], "attribute_id", "POT", HOSTILE_ATTRIBUTE_ID)
    for name in ("methods", "results", "specifications"):
        t[name] = _replace(t[name], "method_id", "M-POT", HOSTILE_METHOD_ID)
    t["attributes"] = t["attributes"].assign(name=HOSTILE_ATTRIBUTE_NAME)
    t["studies"] = _replace(t["studies"], "study_id", "PIV", HOSTILE_STUDY_ID)
    t["administrations"] = _replace(t["administrations"], "study_id", "PIV", HOSTILE_STUDY_ID)
    t = add_rows(t, "attributes", [{"attribute_id": HOSTILE_CQA_ID, "name": HOSTILE_CQA_NAME, "unit": "<u>",
                                    "category": "purity", "cqa": True, "limit_basis": "clinical"}])
    return add_rows(t, "methods", [{"method_id": "M-X", "attribute_id": HOSTILE_CQA_ID, "name": "<i>assay</i>",
                                    "validation_status": "validated", "validated_date": pd.Timestamp("2022-01-01"),
                                    "in_use_from": pd.Timestamp("2022-01-01"), "in_use_to": None}])


def big_tables(n_lots: int, n_administered: int, *, seed: int = 1) -> dict[str, pd.DataFrame]:
    """The base program scaled to ``n_lots`` lots over four years, values spread wide
    enough that some administered lots fail release (many DR004 findings)."""
    t = base_tables()
    rng = np.random.default_rng(seed)
    ids = [f"L-{i:06d}" for i in range(n_lots)]
    made = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1600, n_lots), unit="D")
    t["lots"] = pd.DataFrame({
        "lot_id": ids, "process_version": "v1", "manufacture_date": made, "purpose": "clinical",
        "status": "released", "failure_reason": None, "release_date": made + pd.Timedelta(days=10),
        "expiry_date": made + pd.Timedelta(days=730)})
    t["results"] = pd.DataFrame({
        "lot_id": ids, "attribute_id": "POT", "method_id": "M-POT",
        "value": np.round(rng.normal(100, 30, n_lots), 2), "qualifier": None,
        "test_date": made + pd.Timedelta(days=5), "reportable": True})
    t["administrations"] = pd.DataFrame({
        "patient_id": [f"P-{i:06d}" for i in range(n_administered)], "study_id": "PIV",
        "lot_id": ids[:n_administered], "administration_date": made[:n_administered] + pd.Timedelta(days=15)})
    t["studies"] = t["studies"].assign(enrollment_start=pd.Timestamp("2019-06-01"))
    t["process_versions"] = t["process_versions"].assign(effective_date=pd.Timestamp("2019-01-01"))
    return t


def audit_tables(tables: dict[str, pd.DataFrame], folder: Path, as_of: dt.date) -> AuditResult:
    return run_audit(load(tables, folder), as_of=as_of)
