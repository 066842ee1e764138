"""A program whose potency method changed mid-pivotal, for the assay-governance (AM) tests.

Built on :func:`tests.builders.base_tables`: the potency results of L-001..L-011 (tested
2023-01-07..2023-05-27) are on the old method M-OLD (in use until 2023-05-31), those of
L-012..L-022 (tested from 2023-06-10) on the new method M-NEW (validated, in use from
2023-06-01). The proposed commercial specification, 50–150, is on M-NEW. Bridging study
BR-1 (M-OLD → M-NEW) has 24 paired samples tested in May 2023 with both methods one day
apart, old values 40..155 on the line new = 1.02·old + 1 plus a small deterministic error,
a protocol approved on 2023-04-01 with |bias| ≤ 10 at the limits. The change is recorded
and approved (MC-1). As of ``AS_OF`` the whole audit finds nothing; each test breaks one
thing.
"""

from __future__ import annotations

import pandas as pd

from tests.builders import D, base_tables

N_OLD_LOTS = 11
OLD_LOTS = [f"L-{i + 1:03d}" for i in range(N_OLD_LOTS)]
BRIDGE_N = 24


def bridge_old(k: int) -> float:
    return 40.0 + 5.0 * k


def bridge_error(k: int) -> float:
    return ((k * 5) % 7 - 3) * 0.3


def bridge_new(k: int) -> float:
    return 1.02 * bridge_old(k) + 1.0 + bridge_error(k)


def bridge_rows(study_id: str = "BR-1", old_method: str = "M-OLD", new_method: str = "M-NEW", *,
                n: int = BRIDGE_N, old=bridge_old, new=bridge_new, old_date=None, new_date=None,
                prefix: str = "S") -> list[dict]:
    """Paired rows: sample k on the old method on old_date(k), on the new one on new_date(k)."""
    old_date = old_date or (lambda k: D("2023-05-01") + pd.Timedelta(days=k % 20))
    new_date = new_date or (lambda k: old_date(k) + pd.Timedelta(days=1))
    rows = []
    for k in range(n):
        sid = f"{prefix}-{k + 1:02d}"
        rows.append({"bridging_study_id": study_id, "sample_id": sid, "method_id": old_method,
                     "value": float(old(k)), "test_date": old_date(k)})
        rows.append({"bridging_study_id": study_id, "sample_id": sid, "method_id": new_method,
                     "value": float(new(k)), "test_date": new_date(k)})
    return rows


def study_row(study_id: str = "BR-1", old_method: str = "M-OLD", new_method: str = "M-NEW", **overrides) -> dict:
    row = {"bridging_study_id": study_id, "attribute_id": "POT", "old_method": old_method,
           "new_method": new_method, "protocol_date": D("2023-04-01"), "acceptance_max_bias": 10.0,
           "acceptance_max_bias_pct": None, "error_ratio": 1.0}
    row.update(overrides)
    return row


def method_row(method_id: str, in_use_from: str, in_use_to: str | None = None, *, status: str = "validated",
               validated: str | None = "2022-01-01", attribute_id: str = "POT") -> dict:
    return {"method_id": method_id, "attribute_id": attribute_id, "name": f"Potency assay {method_id}",
            "validation_status": status, "validated_date": D(validated) if validated else None,
            "in_use_from": D(in_use_from), "in_use_to": D(in_use_to) if in_use_to else None}


def change_row(change_id: str = "MC-1", from_method: str = "M-OLD", to_method: str = "M-NEW", *,
               bridging_study_id: str | None = "BR-1", **overrides) -> dict:
    row = {"change_id": change_id, "change_date": D("2023-06-01"), "attribute_id": "POT",
           "from_method": from_method, "to_method": to_method, "description": "new potency assay",
           "bridging_study_id": bridging_study_id, "rationale": "higher precision", "approved_by": "QA head",
           "approved_date": D("2023-05-25")}
    row.update(overrides)
    return row


def method_change_tables(*, bridged: bool = True) -> dict[str, pd.DataFrame]:
    """The mid-pivotal method change; ``bridged=False`` drops BR-1 (and its link from MC-1)."""
    t = base_tables()
    t["methods"] = pd.DataFrame([
        method_row("M-OLD", "2022-01-01", "2023-05-31"),
        method_row("M-NEW", "2023-06-01", validated="2023-05-15"),
    ])
    results = t["results"].copy()
    results["method_id"] = ["M-OLD" if lot in OLD_LOTS else "M-NEW" for lot in results["lot_id"]]
    t["results"] = results
    t["specifications"] = pd.DataFrame([
        {"attribute_id": "POT", "kind": "release", "method_id": "M-OLD", "lower": 50.0, "upper": 150.0,
         "effective_from": D("2022-01-01"), "effective_to": D("2023-05-31")},
        {"attribute_id": "POT", "kind": "release", "method_id": "M-NEW", "lower": 50.0, "upper": 150.0,
         "effective_from": D("2023-06-01"), "effective_to": None},
        {"attribute_id": "POT", "kind": "proposed_commercial", "method_id": "M-NEW", "lower": 50.0,
         "upper": 150.0, "effective_from": D("2023-01-01"), "effective_to": None},
    ])
    t["method_changes"] = pd.DataFrame([change_row(bridging_study_id="BR-1" if bridged else None)])
    if bridged:
        t["bridging_studies"] = pd.DataFrame([study_row()])
        t["bridging_results"] = pd.DataFrame(bridge_rows())
    return t


def with_study(t: dict[str, pd.DataFrame], **overrides) -> dict[str, pd.DataFrame]:
    """A copy with BR-1's bridging_studies row changed."""
    out = dict(t)
    out["bridging_studies"] = pd.DataFrame([study_row(**overrides)])
    return out


def with_bridge_rows(t: dict[str, pd.DataFrame], rows: list[dict]) -> dict[str, pd.DataFrame]:
    out = dict(t)
    out["bridging_results"] = pd.DataFrame(rows)
    return out
