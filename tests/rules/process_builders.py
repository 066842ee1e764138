"""Fixtures for the process and manufacturing tests: a second process version, a change, a study.

The base program (tests/builders.py) makes lots L-001..L-022 every 14 days from 2023-01-02
(L-001 on 2023-01-02, L-017 on 2023-08-14, L-022 on 2023-10-23) under v1, all dosed in the
pivotal study PIV, whose window is [2023-01-01, 2024-06-30].
"""

from __future__ import annotations

import pandas as pd

from tests.builders import D, add_rows, base_tables

WINDOW_START = D("2023-01-01")
WINDOW_END = D("2024-06-30")


def lot_ids(first: int, last: int) -> list[str]:
    return [f"L-{i:03d}" for i in range(first, last + 1)]


def with_version(tables: dict[str, pd.DataFrame], version: str, *, effective: pd.Timestamp,
                 lots: list[str] = (), commercial: bool = True) -> dict[str, pd.DataFrame]:
    """A new process version (made effective on ``effective``) that made ``lots``."""
    out = add_rows(tables, "process_versions", [{"process_version": version, "effective_date": effective,
                                                 "description": f"process {version}"}])
    out["lots"] = out["lots"].copy()
    out["lots"].loc[out["lots"]["lot_id"].isin(list(lots)), "process_version"] = version
    if commercial:
        out["program"] = out["program"].assign(commercial_process_version=version)
    return out


def with_change(tables: dict[str, pd.DataFrame], *, change_id: str = "PC-1", from_version: str = "v1",
                to_version: str = "v2", change_date: pd.Timestamp, risk: str | None = "high",
                unit_operation: str = "transduction", comparability_study_id: str | None = None,
                rationale: str | None = "higher transduction efficiency", approved_by: str | None = "QA lead",
                approved_date: pd.Timestamp | None = None) -> dict[str, pd.DataFrame]:
    """A process change row, approved on its change date unless told otherwise."""
    return add_rows(tables, "process_changes", [{
        "change_id": change_id, "change_date": change_date, "from_version": from_version,
        "to_version": to_version, "unit_operation": unit_operation, "description": f"{from_version} to {to_version}",
        "risk": risk, "comparability_study_id": comparability_study_id, "rationale": rationale,
        "approved_by": approved_by, "approved_date": change_date if approved_date is None else approved_date,
    }])


def with_v2(tables: dict[str, pd.DataFrame], *, change_date: pd.Timestamp, v2_lots: list[str] = (),
            **change) -> dict[str, pd.DataFrame]:
    """v2 effective on ``change_date`` (commercial), made ``v2_lots``, with change PC-1 from v1."""
    out = with_version(tables, "v2", effective=change_date, lots=v2_lots)
    return with_change(out, change_date=change_date, **change)


def with_comparability(tables: dict[str, pd.DataFrame], study_id: str = "CS-1", *, from_version: str = "v1",
                       to_version: str = "v2", lots: list[str] = (),
                       protocol_date: pd.Timestamp | None = D("2023-01-01")) -> dict[str, pd.DataFrame]:
    out = add_rows(tables, "comparability_studies", [{
        "comparability_study_id": study_id, "from_version": from_version, "to_version": to_version,
        "protocol_date": protocol_date, "completed_date": None}])
    if lots:
        out = add_rows(out, "comparability_lots", [{"comparability_study_id": study_id, "lot_id": lot}
                                                   for lot in lots])
    return out


def with_lots(tables: dict[str, pd.DataFrame], rows: list[dict]) -> dict[str, pd.DataFrame]:
    """Extra lots (not dosed); each row gives at least lot_id, process_version, manufacture_date, status."""
    defaults = {"purpose": "clinical", "failure_reason": None, "release_date": None, "expiry_date": None}
    return add_rows(tables, "lots", [{**defaults, **r} for r in rows])


def set_values(tables: dict[str, pd.DataFrame], values: dict[str, float], attribute_id: str = "POT"):
    """Overwrite the reportable value of ``attribute_id`` for the given lots."""
    out = dict(tables)
    r = out["results"].copy()
    for lot, value in values.items():
        r.loc[(r["lot_id"] == lot) & (r["attribute_id"] == attribute_id), "value"] = float(value)
    out["results"] = r
    return out


PRE, POST = ["L-014", "L-015", "L-016"], ["L-017", "L-018", "L-019"]
# Post-change lots are tested 5 days after manufacture: L-017 (made 2023-08-14) first, on 2023-08-19.
FIRST_POST_TEST = D("2023-08-19")


def comparability_study(pre_values=(98, 100, 102), post_values=(95, 100, 104), *, pre=PRE, post=POST,
                        protocol_date=D("2023-01-01")):
    """v2 (from 2023-08-01) made L-017..L-022; CS-1 compares v1 and v2 on the listed lots' potency."""
    tables = with_v2(base_tables(), change_date=D("2023-08-01"), v2_lots=lot_ids(17, 22),
                     comparability_study_id="CS-1")
    tables = set_values(tables, dict(zip(pre, pre_values)) | dict(zip(post, post_values)))
    return with_comparability(tables, lots=list(pre) + list(post), protocol_date=protocol_date)


def with_viability(tables, values: dict[str, float], *, cqa: bool = True):
    """A viability attribute measured on the comparability lots only (no specification)."""
    tables = add_rows(tables, "attributes", [{"attribute_id": "VIA", "name": "Viability", "unit": "%",
                                              "category": "viability", "cqa": cqa, "limit_basis": "clinical"}])
    tables = add_rows(tables, "methods", [{"method_id": "M-VIA", "attribute_id": "VIA", "name": "Dye exclusion",
                                           "validation_status": "validated", "validated_date": D("2022-01-01"),
                                           "in_use_from": D("2022-01-01"), "in_use_to": None}])
    made = tables["lots"].set_index("lot_id")["manufacture_date"]
    return add_rows(tables, "results", [{"lot_id": lot, "attribute_id": "VIA", "method_id": "M-VIA",
                                         "value": float(v), "qualifier": None,
                                         "test_date": made[lot] + pd.Timedelta(days=5), "reportable": True}
                                        for lot, v in values.items()])
