"""PO001: a relation between the potency of the lots patients received and a responder endpoint."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from cmcready.config import parse_config
from cmcready.context import AuditContext
from cmcready.rules.po001_potency_outcome_relation import patient_potency
from tests.builders import AS_OF, BASE_POTENCY, add_rows, audit, base_tables, findings, load, not_applicable

D = pd.Timestamp
approx = functools.partial(pytest.approx, rel=1e-6, abs=1e-9)
# Base: patient P-00k received lot L-00k only; L-00k's potency on M-POT (the spec method) is
# BASE_POTENCY[k − 1]: 95, 102, 98, 105, 101, 97, 104, 100, 96, 103, 99, 95, 102, 98, 105,
# 101, 97, 104, 100, 96, 55, 145.
POTENCY = np.array(BASE_POTENCY, dtype=float)
PATIENTS = [f"P-{k:03d}" for k in range(1, 23)]
# Responders every third patient: no relation to potency (p ≈ 0.14).
UNRELATED = [i % 3 == 0 for i in range(22)]
# Responders at potency ≥ 100, with P-002 (102) and P-003 (98) swapped: a clear relation (p ≈ 0.016).
RELATED = [bool(v >= 100) for v in POTENCY]
RELATED[1], RELATED[2] = False, True


def _outcomes(t, responders, endpoint="ORR", patients=PATIENTS):
    return add_rows(t, "outcomes", [{"patient_id": p, "endpoint": endpoint, "responder": bool(r)}
                                    for p, r in zip(patients, responders)])


def irls(x, y):
    """Independent logistic fit (Newton–Raphson / IRLS): slope, its 95% Wald CI, two-sided Wald p."""
    X = np.column_stack([np.ones_like(x), x])
    b = np.array([np.log(y.mean() / (1 - y.mean())), 0.0])
    for _ in range(200):
        p = 1 / (1 + np.exp(-X @ b))
        info = X.T @ (X * (p * (1 - p))[:, None])
        step = np.linalg.solve(info, X.T @ (y - p))
        b = b + step
        if np.max(np.abs(step)) < 1e-12:
            break
    p = 1 / (1 + np.exp(-X @ b))
    se = np.sqrt(np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]))[1, 1])
    z = norm.ppf(0.975)
    return b[1], (b[1] - z * se, b[1] + z * se), 2 * norm.sf(abs(b[1] / se))


def test_no_outcomes_no_po001_and_nothing_not_applicable(tmp_path):
    r = audit(base_tables(), tmp_path)
    assert findings(r, "PO001") == [] and "PO001" not in not_applicable(r)


def test_no_relation_fires_minor_with_slope_ci_and_p(tmp_path):
    [f] = findings(audit(_outcomes(base_tables(), UNRELATED), tmp_path), "PO001")
    assert f.severity == "minor" and f.subjects == {"attribute_id": "POT"}
    slope, (lo, hi), p = irls(POTENCY, np.array(UNRELATED, float))
    e = f.evidence
    assert e["slope"] == approx(slope) and e["p_value"] == approx(p)
    assert e["slope_ci"] == [approx(lo), approx(hi)] and e["ci_level"] == 0.95
    assert p > 0.05 and e["alpha"] == 0.05 and e["reason"] is None
    # 22 patients; responders are patients 1, 4, 7, ..., 22: i = 0, 3, ..., 21 → 8
    assert e["n_patients"] == 22 and e["n_responders"] == 8 and e["n_patients_without_potency_value"] == 0
    assert e["endpoint"] == "ORR" and e["scale_method"] == "M-POT" and e["scale"] == "spec method"
    assert e["potency_min"] == 55.0 and e["potency_max"] == 145.0
    assert f.due_date is None
    assert any("Potency Assurance" in r for r in f.references) and any("610.10" in r for r in f.references)
    assert "ORR" in f.title and "POT" in f.action


def test_a_significant_relation_is_not_po001(tmp_path):
    _, _, p = irls(POTENCY, np.array(RELATED, float))
    assert p < 0.05
    assert findings(audit(_outcomes(base_tables(), RELATED), tmp_path), "PO001") == []


def test_alpha_is_configurable(tmp_path):
    # p ≈ 0.138 for UNRELATED: fires at alpha 0.05, not at alpha 0.2
    _, _, p = irls(POTENCY, np.array(UNRELATED, float))
    assert 0.05 < p < 0.2
    config = parse_config({"PO001": {"alpha": 0.2}})
    assert findings(audit(_outcomes(base_tables(), UNRELATED), tmp_path, config=config), "PO001") == []


def test_nine_patients_fire_with_p_null_ten_are_tested(tmp_path):
    few = [True, False, False, True, False, True, False, False, True, False]
    [f9] = findings(audit(_outcomes(base_tables(), few[:9], patients=PATIENTS[:9]), tmp_path / "a"), "PO001")
    assert f9.evidence["n_patients"] == 9 and f9.evidence["p_value"] is None and f9.evidence["slope"] is None
    assert "9 observations" in f9.evidence["reason"] and "9 observations" in f9.title
    assert f9.severity == "minor"
    [f10] = findings(audit(_outcomes(base_tables(), few, patients=PATIENTS[:10]), tmp_path / "b"), "PO001")
    slope, _, p = irls(POTENCY[:10], np.array(few, float))
    assert f10.evidence["n_patients"] == 10 and f10.evidence["p_value"] == approx(p)
    assert f10.evidence["slope"] == approx(slope) and p >= 0.05


def test_single_outcome_class_fires_with_p_null(tmp_path):
    [f] = findings(audit(_outcomes(base_tables(), [True] * 22), tmp_path), "PO001")
    assert f.evidence["p_value"] is None and "single outcome class" in f.evidence["reason"]
    assert f.evidence["n_responders"] == 22


def test_complete_separation_fires_with_p_null_and_says_why(tmp_path):
    # responders exactly the patients with potency > 100: max non-responder 100 < min responder 101
    [f] = findings(audit(_outcomes(base_tables(), list(POTENCY > 100)), tmp_path), "PO001")
    assert f.evidence["p_value"] is None and f.evidence["slope_ci"] is None
    assert f.evidence["reason"].startswith("complete separation")
    assert "separation" in f.why and "separation" in f.action


def test_no_potency_attribute_fires_once_without_attribute(tmp_path):
    t = base_tables()
    t["attributes"]["category"] = "purity"
    [f] = findings(audit(_outcomes(t, UNRELATED), tmp_path), "PO001")
    assert f.subjects == {} and f.severity == "minor"
    assert f.evidence["n_potency_attributes"] == 0 and f.evidence["responder_endpoints"] == ["ORR"]
    assert f.evidence["n_patients_with_outcomes"] == 22


def test_outcomes_without_responder_values_give_no_test_and_no_not_applicable_entry(tmp_path):
    # One test per (potency attribute, endpoint with responder values): none here, so no finding;
    # the JSON's not_applicable list holds only PR001, PR002, PR003, PR005 and AM007.
    t = add_rows(base_tables(), "outcomes", [{"patient_id": p, "endpoint": "PFS_months", "value": float(i)}
                                             for i, p in enumerate(PATIENTS)])
    r = audit(t, tmp_path)
    assert findings(r, "PO001") == [] and "PO001" not in not_applicable(r)


def test_one_test_per_responder_endpoint_continuous_endpoints_ignored(tmp_path):
    t = _outcomes(base_tables(), UNRELATED, endpoint="ORR_m3")
    t = _outcomes(t, RELATED, endpoint="CR_m6")
    t = add_rows(t, "outcomes", [{"patient_id": p, "endpoint": "PFS_months", "value": 3.0} for p in PATIENTS])
    fs = findings(audit(t, tmp_path), "PO001")
    # CR_m6 shows a relation (p ≈ 0.016): only ORR_m3 fires
    assert [f.evidence["endpoint"] for f in fs] == ["ORR_m3"]


def test_patient_potency_is_the_mean_of_the_distinct_lots_received(tmp_path):
    t = add_rows(base_tables(), "administrations", [
        {"patient_id": "P-001", "study_id": "PIV", "lot_id": "L-022", "administration_date": D("2023-11-20")},
        {"patient_id": "P-001", "study_id": "PIV", "lot_id": "L-001", "administration_date": D("2023-12-01")},
    ])
    ctx = AuditContext(load(t, tmp_path), as_of=AS_OF)
    pp = patient_potency(ctx, "POT", "M-POT").set_index("patient_id")
    # P-001: lots L-001 (95) and L-022 (145), L-001 twice counts once → (95 + 145) / 2 = 120
    assert pp.at["P-001", "potency"] == 120.0 and pp.at["P-001", "n_lots"] == 2
    assert pp.at["P-002", "potency"] == 102.0 and len(pp) == 22


def test_patients_without_a_potency_value_are_left_out_and_counted(tmp_path):
    t = add_rows(base_tables(), "lots", [{"lot_id": "L-100", "process_version": "v1",
                                          "manufacture_date": D("2023-11-01"), "purpose": "clinical",
                                          "status": "released", "release_date": D("2023-11-11"),
                                          "expiry_date": D("2025-11-01")}])
    t = add_rows(t, "administrations", [{"patient_id": "P-100", "study_id": "PIV", "lot_id": "L-100",
                                         "administration_date": D("2023-11-20")}])
    t = _outcomes(t, UNRELATED + [True], patients=PATIENTS + ["P-100"])
    [f] = findings(audit(t, tmp_path), "PO001")
    assert f.evidence["n_patients"] == 22 and f.evidence["n_patients_without_potency_value"] == 1


def test_values_of_another_method_are_put_on_the_spec_scale(tmp_path):
    # M-OLD bridged to M-POT by BR-1 with new = 2·old exactly: L-001..L-003 measured on M-OLD at
    # half their base values convert back to 95, 102, 98.
    t = add_rows(base_tables(), "methods", [{"method_id": "M-OLD", "attribute_id": "POT", "name": "Old assay",
                                             "validation_status": "qualified", "validated_date": None,
                                             "in_use_from": D("2022-01-01"), "in_use_to": D("2023-02-28")}])
    t = add_rows(t, "bridging_studies", [{"bridging_study_id": "BR-1", "attribute_id": "POT",
                                          "old_method": "M-OLD", "new_method": "M-POT",
                                          "protocol_date": D("2022-12-01")}])
    t = add_rows(t, "bridging_results", [
        {"bridging_study_id": "BR-1", "sample_id": f"S-{j}", "method_id": m, "value": v * (2 if m == "M-POT" else 1),
         "test_date": D("2023-01-10")}
        for j, v in enumerate([30.0, 40.0, 50.0, 60.0, 70.0]) for m in ("M-OLD", "M-POT")])
    r = t["results"]
    first3 = r["lot_id"].isin(["L-001", "L-002", "L-003"])
    r.loc[first3, "method_id"] = "M-OLD"
    r.loc[first3, "value"] = r.loc[first3, "value"] / 2
    ctx = AuditContext(load(t, tmp_path), as_of=AS_OF)
    pp = patient_potency(ctx, "POT", "M-POT").set_index("patient_id")["potency"]
    assert pp[["P-001", "P-002", "P-003"]].tolist() == [approx(95.0), approx(102.0),
                                                        approx(98.0)]


def test_without_a_proposed_spec_the_reference_method_scale_is_used(tmp_path):
    t = base_tables()
    t["specifications"] = t["specifications"].loc[t["specifications"]["kind"] == "release"].reset_index(drop=True)
    [f] = findings(audit(_outcomes(t, UNRELATED), tmp_path), "PO001")
    assert f.evidence["scale_method"] == "M-POT"
    assert f.evidence["scale"] == "reference method (no proposed specification)"
