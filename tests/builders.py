"""A small, clean dossier that tests modify to trigger (or not) one behaviour at a time.

The base program is allogeneic, one potency CQA on one validated method, one process
version, 22 released clinical lots all dosed in one pivotal study, a release and a
proposed specification of 50–150 whose outer bands are covered by two dosed lots
(55 and 145). As of ``AS_OF`` it triggers no finding; each rule's tests change only
what they need.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from cmcready.audit import AuditResult, run_audit
from cmcready.config import Config
from cmcready.dossier import Dossier, load_dossier
from cmcready.dossier.write import write_csv_folder, write_workbook

AS_OF = dt.date(2024, 9, 1)
D = pd.Timestamp

# 20 values near 100 (deterministic) and two dosed edge lots
BASE_POTENCY = [100 + ((i * 7) % 11 - 5) for i in range(20)] + [55.0, 145.0]


def base_tables() -> dict[str, pd.DataFrame]:
    n = len(BASE_POTENCY)
    lot_ids = [f"L-{i + 1:03d}" for i in range(n)]
    made = [D("2023-01-02") + pd.Timedelta(days=14 * i) for i in range(n)]
    lots = pd.DataFrame({
        "lot_id": lot_ids,
        "process_version": "v1",
        "manufacture_date": made,
        "purpose": "clinical",
        "status": "released",
        "failure_reason": None,
        "release_date": [m + pd.Timedelta(days=10) for m in made],
        "expiry_date": [m + pd.Timedelta(days=730) for m in made],
    })
    results = pd.DataFrame({
        "lot_id": lot_ids,
        "attribute_id": "POT",
        "method_id": "M-POT",
        "value": [float(v) for v in BASE_POTENCY],
        "qualifier": None,
        "test_date": [m + pd.Timedelta(days=5) for m in made],
        "reportable": True,
    })
    administrations = pd.DataFrame({
        "patient_id": [f"P-{i + 1:03d}" for i in range(n)],
        "study_id": "PIV",
        "lot_id": lot_ids,
        "administration_date": [m + pd.Timedelta(days=15) for m in made],
    })
    return {
        "program": pd.DataFrame([{
            "program_id": "PRG-1", "product_name": "Test product", "modality": "allogeneic_cell",
            "approval_basis": "phase2", "commercial_process_version": "v1",
            "submission_target": D("2025-06-30"),
        }]),
        "studies": pd.DataFrame([{
            "study_id": "PIV", "phase": "2", "pivotal": True,
            "enrollment_start": D("2023-01-01"), "enrollment_end": D("2024-06-30"),
        }]),
        "process_versions": pd.DataFrame([{"process_version": "v1", "effective_date": D("2022-06-01"),
                                           "description": "initial process"}]),
        "process_changes": pd.DataFrame(columns=["change_id", "change_date", "from_version", "to_version",
                                                 "unit_operation", "description", "risk", "comparability_study_id",
                                                 "rationale", "approved_by", "approved_date"]),
        "attributes": pd.DataFrame([{"attribute_id": "POT", "name": "Potency", "unit": "%", "category": "potency",
                                     "cqa": True, "limit_basis": "clinical"}]),
        "methods": pd.DataFrame([{"method_id": "M-POT", "attribute_id": "POT", "name": "Cytotoxicity assay",
                                  "validation_status": "validated", "validated_date": D("2022-01-01"),
                                  "in_use_from": D("2022-01-01"), "in_use_to": None}]),
        "method_changes": pd.DataFrame(columns=["change_id", "change_date", "attribute_id", "from_method",
                                                "to_method", "description", "bridging_study_id", "rationale",
                                                "approved_by", "approved_date"]),
        "lots": lots,
        "results": results,
        "administrations": administrations,
        "specifications": pd.DataFrame([
            {"attribute_id": "POT", "kind": "release", "method_id": "M-POT", "lower": 50.0, "upper": 150.0,
             "effective_from": D("2022-01-01"), "effective_to": None},
            {"attribute_id": "POT", "kind": "proposed_commercial", "method_id": "M-POT", "lower": 50.0,
             "upper": 150.0, "effective_from": D("2024-01-01"), "effective_to": None},
        ]),
    }


def add_rows(tables: dict[str, pd.DataFrame], name: str, rows: list[dict]) -> dict[str, pd.DataFrame]:
    """A copy of ``tables`` with rows appended to one table (created when absent)."""
    out = dict(tables)
    new = pd.DataFrame(rows)
    out[name] = new if name not in out or out[name].empty else pd.concat([out[name], new], ignore_index=True)
    return out


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, *, container: str = "csv") -> Path:
    if container == "xlsx":
        return write_workbook(tables, Path(folder) / "dossier.xlsx")
    return write_csv_folder(tables, Path(folder) / "dossier")


def load(tables: dict[str, pd.DataFrame], folder: Path, *, container: str = "csv") -> Dossier:
    return load_dossier(write_tables(tables, folder, container=container))


def audit(tables: dict[str, pd.DataFrame], folder: Path, *, as_of: dt.date = AS_OF,
          config: Config | None = None) -> AuditResult:
    return run_audit(load(tables, folder), as_of=as_of, config=config)


def findings(result: AuditResult, code: str) -> list:
    return [f for f in result.findings if f.code == code]


def not_applicable(result: AuditResult) -> set[str]:
    return {n.code for n in result.not_applicable}
