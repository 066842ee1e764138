"""A deterministic generator of large, realistic dossiers for benchmarks.

    python benchmarks/generate_dossier.py --lots 100000 --out /tmp/big

An allogeneic program (so the plan has lots to choose from) with three process
versions and the changes between them, five attributes (two measured with an old and a
new method, bridged), a Phase 1 and a pivotal Phase 2, about five results per lot,
administrations for most released clinical lots, a bridging study per method change and
a comparability study per process change. Everything is vectorised with numpy.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

ATTRIBUTES = [
    # id, name, unit, category, limit basis, mean, sd, proposed lower, proposed upper
    ("POT", "Potency", "%", "potency", "clinical", 100.0, 12.0, 50.0, 150.0),
    ("VIA", "Viability", "%", "viability", "clinical", 88.0, 3.0, 70.0, None),
    ("IDN", "Identity (CAR+)", "%", "identity", "clinical", 45.0, 8.0, 15.0, 80.0),
    ("VCN", "Vector copy number", "copies/cell", "safety", "safety", 1.6, 0.4, None, 5.0),
    ("END", "Endotoxin", "EU/mL", "safety", "safety", 0.2, 0.05, None, 5.0),
]
START = pd.Timestamp("2015-01-01")


def generate(n_lots: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    span_days = 3650
    made = START + pd.to_timedelta(np.sort(rng.integers(0, span_days, n_lots)), unit="D")
    versions = np.where(made < START + pd.Timedelta(days=1200), "v1",
                        np.where(made < START + pd.Timedelta(days=2400), "v2", "v3"))
    status = rng.choice(["released", "failed_manufacture", "rejected", "in_process"], n_lots,
                        p=[0.9, 0.05, 0.04, 0.01])
    purpose = rng.choice(["clinical", "commercial", "engineering", "ppq", "development"], n_lots,
                         p=[0.5, 0.35, 0.05, 0.05, 0.05])
    lot_ids = np.char.add("L", np.char.zfill(np.arange(1, n_lots + 1).astype(str), 7))
    released = status == "released"
    release_date = pd.Series(made + pd.Timedelta(days=12)).where(released | (status == "rejected"))
    lots = pd.DataFrame({
        "lot_id": lot_ids, "process_version": versions, "manufacture_date": made, "purpose": purpose,
        "status": status, "failure_reason": np.where(status == "failed_manufacture", "low expansion", None),
        "release_date": release_date, "expiry_date": pd.Series(made + pd.Timedelta(days=365)).where(released),
    })

    # results: every produced lot gets each attribute once (failed runs none)
    produced = np.flatnonzero(status != "failed_manufacture")
    res = []
    for aid, _name, _unit, _cat, _basis, mean, sd, _lo, _hi in ATTRIBUTES:
        n = len(produced)
        values = rng.normal(mean, sd, n)
        if aid in ("VCN", "END"):
            values = np.abs(values)
        method = np.full(n, f"M-{aid}-2", dtype=object)
        old = made[produced] < START + pd.Timedelta(days=1500)
        if aid in ("POT", "VIA"):
            method[old] = f"M-{aid}-1"
            values[old] = (values[old] + 3.0) / 1.05  # the old method's scale
        qualifier = np.where((aid == "END") & (values < 0.25), "<", None)
        values = np.where(qualifier == "<", 0.25, values)
        res.append(pd.DataFrame({
            "lot_id": lot_ids[produced], "attribute_id": aid, "method_id": method, "value": np.round(values, 3),
            "qualifier": qualifier, "test_date": made[produced] + pd.Timedelta(days=7), "reportable": True,
        }))
    results = pd.concat(res, ignore_index=True)

    clinical_released = np.flatnonzero(released & (purpose == "clinical"))
    dosed = clinical_released[rng.random(len(clinical_released)) < 0.8]
    admin_date = made[dosed] + pd.Timedelta(days=20)
    administrations = pd.DataFrame({
        "patient_id": np.char.add("P", np.char.zfill(np.arange(1, len(dosed) + 1).astype(str), 7)),
        "study_id": np.where(admin_date < START + pd.Timedelta(days=2000), "PH1", "PIV"),
        "lot_id": lot_ids[dosed], "administration_date": admin_date,
    })

    d = lambda days: START + pd.Timedelta(days=days)  # noqa: E731
    methods, mchanges, bstudies, bresults, specs = [], [], [], [], []
    for aid, _name, _unit, _cat, _basis, mean, sd, lo, hi in ATTRIBUTES:
        if aid in ("POT", "VIA"):
            methods.append({"method_id": f"M-{aid}-1", "attribute_id": aid, "validation_status": "qualified",
                            "in_use_from": d(-30), "in_use_to": d(1520)})
            mchanges.append({"change_id": f"MC-{aid}", "change_date": d(1500), "attribute_id": aid,
                             "from_method": f"M-{aid}-1", "to_method": f"M-{aid}-2", "description": "new method",
                             "bridging_study_id": f"B-{aid}", "rationale": "improved precision",
                             "approved_by": "QA", "approved_date": d(1450)})
            bstudies.append({"bridging_study_id": f"B-{aid}", "attribute_id": aid, "old_method": f"M-{aid}-1",
                             "new_method": f"M-{aid}-2", "protocol_date": d(1400), "acceptance_max_bias": sd,
                             "error_ratio": 1.0})
            truth = rng.normal(mean, sd * 1.5, 40)
            old_v = (truth + 3.0) / 1.05 + rng.normal(0, sd * 0.1, 40)
            new_v = truth + rng.normal(0, sd * 0.1, 40)
            for k in range(40):
                for m, v in ((f"M-{aid}-1", old_v[k]), (f"M-{aid}-2", new_v[k])):
                    bresults.append({"bridging_study_id": f"B-{aid}", "sample_id": f"S-{aid}-{k:02d}",
                                     "method_id": m, "value": round(float(v), 3), "test_date": d(1480)})
        methods.append({"method_id": f"M-{aid}-2", "attribute_id": aid, "validation_status": "validated",
                        "validated_date": d(1450), "in_use_from": d(1460) if aid in ("POT", "VIA") else d(-30)})
        specs.append({"attribute_id": aid, "kind": "release", "method_id": f"M-{aid}-2", "lower": lo, "upper": hi,
                      "effective_from": d(1460) if aid in ("POT", "VIA") else d(-30)})
        specs.append({"attribute_id": aid, "kind": "proposed_commercial", "method_id": f"M-{aid}-2",
                      "lower": lo, "upper": hi, "effective_from": d(3000)})

    comp_lots = []
    for study, (a, b) in {"CS-12": ("v1", "v2"), "CS-23": ("v2", "v3")}.items():
        for v in (a, b):
            ids = lots.loc[(lots["process_version"] == v) & released, "lot_id"].to_numpy()[-4:] if v == a else \
                lots.loc[(lots["process_version"] == v) & released, "lot_id"].to_numpy()[:4]
            comp_lots += [{"comparability_study_id": study, "lot_id": i} for i in ids]

    return {
        "program": pd.DataFrame([{"program_id": "BIG", "product_name": "Benchmark allogeneic product",
                                  "modality": "allogeneic_cell", "approval_basis": "phase2",
                                  "commercial_process_version": "v3", "submission_target": d(3800)}]),
        "studies": pd.DataFrame([
            {"study_id": "PH1", "phase": "1", "pivotal": False, "enrollment_start": d(0), "enrollment_end": d(1999)},
            {"study_id": "PIV", "phase": "2", "pivotal": True, "enrollment_start": d(2000), "enrollment_end": None}]),
        "process_versions": pd.DataFrame([
            {"process_version": "v1", "effective_date": d(-60), "description": "initial"},
            {"process_version": "v2", "effective_date": d(1200), "description": "closed expansion"},
            {"process_version": "v3", "effective_date": d(2400), "description": "automated fill"}]),
        "process_changes": pd.DataFrame([
            {"change_id": "PC-12", "change_date": d(1200), "from_version": "v1", "to_version": "v2",
             "unit_operation": "expansion", "description": "closed bioreactor", "risk": "medium",
             "comparability_study_id": "CS-12", "rationale": "scale", "approved_by": "QA", "approved_date": d(1150)},
            {"change_id": "PC-23", "change_date": d(2400), "from_version": "v2", "to_version": "v3",
             "unit_operation": "formulation", "description": "automated fill", "risk": "low",
             "comparability_study_id": "CS-23", "rationale": "capacity", "approved_by": "QA",
             "approved_date": d(2350)}]),
        "attributes": pd.DataFrame([{"attribute_id": a[0], "name": a[1], "unit": a[2], "category": a[3],
                                     "cqa": True, "limit_basis": a[4]} for a in ATTRIBUTES]),
        "methods": pd.DataFrame(methods),
        "method_changes": pd.DataFrame(mchanges),
        "lots": lots,
        "results": results,
        "administrations": administrations,
        "specifications": pd.DataFrame(specs),
        "bridging_studies": pd.DataFrame(bstudies),
        "bridging_results": pd.DataFrame(bresults),
        "comparability_studies": pd.DataFrame([
            {"comparability_study_id": "CS-12", "from_version": "v1", "to_version": "v2", "protocol_date": d(1100),
             "completed_date": d(1300)},
            {"comparability_study_id": "CS-23", "from_version": "v2", "to_version": "v3", "protocol_date": d(2300),
             "completed_date": d(2500)}]),
        "comparability_lots": pd.DataFrame(comp_lots),
    }


def write_fast_csv(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    """Write CSVs with pandas' vectorised writer (dates ISO, missing empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lots", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    tables = generate(args.lots, args.seed)
    write_fast_csv(tables, args.out)
    print(f"wrote {args.out}: {len(tables['lots'])} lots, {len(tables['results'])} results")


if __name__ == "__main__":
    main()
