"""DR003: an administered lot has a reportable result for each CQA with a release spec in force
on its manufacture date (any method of the attribute)."""

from __future__ import annotations

import pandas as pd

from tests.builders import add_rows, audit, base_tables, findings

D = pd.Timestamp
# Base lots: L-00k (k = i + 1) made 2023-01-02 + 14·i days: L-001 2023-01-02, L-002
# 2023-01-16, L-003 2023-01-30, L-004 2023-02-13. POT's release spec (M-POT, 50–150)
# is in force from 2022-01-01, open-ended.


def _drop_result(t, lot):
    t["results"] = t["results"].loc[t["results"]["lot_id"] != lot].reset_index(drop=True)
    return t


def _with_viability(t, *, cqa=True, effective_from=D("2022-01-01"), effective_to=None, tested=()):
    """A viability attribute with a release spec, and results for the ``tested`` lots only."""
    t = add_rows(t, "attributes", [{"attribute_id": "VIA", "name": "Viability", "unit": "%", "category": "viability",
                                    "cqa": cqa, "limit_basis": "safety"}])
    t = add_rows(t, "methods", [{"method_id": "M-VIA", "attribute_id": "VIA", "name": "Dye exclusion",
                                 "validation_status": "validated", "validated_date": D("2022-01-01"),
                                 "in_use_from": D("2022-01-01"), "in_use_to": None}])
    t = add_rows(t, "specifications", [{"attribute_id": "VIA", "kind": "release", "method_id": "M-VIA",
                                        "lower": 70.0, "upper": None, "effective_from": effective_from,
                                        "effective_to": effective_to}])
    made = t["lots"].set_index("lot_id")["manufacture_date"]
    return add_rows(t, "results", [{"lot_id": lot, "attribute_id": "VIA", "method_id": "M-VIA", "value": 90.0,
                                    "test_date": made[lot] + pd.Timedelta(days=5), "reportable": True}
                                   for lot in tested])


def test_base_dossier_has_no_dr003(tmp_path):
    assert findings(audit(base_tables(), tmp_path), "DR003") == []


def test_administered_lot_without_potency_result_fires_major(tmp_path):
    t = _drop_result(base_tables(), "L-004")
    [f] = findings(audit(t, tmp_path), "DR003")
    assert f.severity == "major"
    assert f.subjects == {"lot_ids": ["L-004"], "attribute_id": "POT"}
    e = f.evidence
    assert e["manufacture_date"] == "2023-02-13" and e["category"] == "potency"
    assert e["release_specifications_in_force"] == [
        {"method_id": "M-POT", "lower": 50.0, "upper": 150.0, "effective_from": "2022-01-01", "effective_to": None}]
    assert e["n_reportable_results"] == 0 and e["n_non_reportable_results"] == 0
    assert e["study_ids"] == ["PIV"] and e["n_patients"] == 1 and e["pivotal"] is True
    # potency attribute: 21 CFR 610.10 cited besides ICH Q6B
    assert any("Q6B" in r for r in f.references) and any("610.10" in r for r in f.references)
    assert "L-004" in f.action and f.due_date is None


def test_only_a_non_reportable_result_still_fires(tmp_path):
    t = base_tables()
    t["results"].loc[t["results"]["lot_id"] == "L-004", "reportable"] = False
    [f] = findings(audit(t, tmp_path), "DR003")
    assert f.subjects["lot_ids"] == ["L-004"] and f.evidence["n_non_reportable_results"] == 1
    assert "1 non-reportable result exists" in f.action


def test_a_result_on_another_method_of_the_attribute_satisfies_it(tmp_path):
    t = add_rows(base_tables(), "methods", [{"method_id": "M-POT2", "attribute_id": "POT", "name": "New assay",
                                             "validation_status": "validated", "validated_date": D("2022-01-01"),
                                             "in_use_from": D("2022-01-01"), "in_use_to": None}])
    t["results"].loc[t["results"]["lot_id"] == "L-004", "method_id"] = "M-POT2"
    assert findings(audit(t, tmp_path), "DR003") == []


def test_lot_not_administered_is_not_dr003(tmp_path):
    t = add_rows(base_tables(), "lots", [{"lot_id": "L-100", "process_version": "v1",
                                          "manufacture_date": D("2023-05-01"), "purpose": "clinical",
                                          "status": "released", "release_date": D("2023-05-11"),
                                          "expiry_date": D("2025-05-01")}])
    assert findings(audit(t, tmp_path), "DR003") == []


def test_spec_effective_after_manufacture_date_does_not_apply(tmp_path):
    # in force from 2023-02-14, the day after L-004 was made: L-001..L-004 need no VIA result
    t = _with_viability(base_tables(), effective_from=D("2023-02-14"),
                        tested=[f"L-{k:03d}" for k in range(5, 23)])
    assert findings(audit(t, tmp_path), "DR003") == []


def test_spec_effective_on_the_manufacture_date_applies(tmp_path):
    t = _with_viability(base_tables(), effective_from=D("2023-02-13"),
                        tested=[f"L-{k:03d}" for k in range(5, 23)])
    [f] = findings(audit(t, tmp_path), "DR003")
    assert f.subjects == {"lot_ids": ["L-004"], "attribute_id": "VIA"}
    # not a potency attribute: ICH Q6B only
    assert [r for r in f.references if "610.10" in r] == []


def test_spec_ending_on_the_manufacture_date_still_applies(tmp_path):
    # in force 2022-01-01..2023-01-30: L-001, L-002 and L-003 (made 2023-01-30) were made under it
    t = _with_viability(base_tables(), effective_to=D("2023-01-30"))
    fs = findings(audit(t, tmp_path), "DR003")
    assert sorted(f.subjects["lot_ids"][0] for f in fs) == ["L-001", "L-002", "L-003"]
    assert {f.subjects["attribute_id"] for f in fs} == {"VIA"}
    assert fs[0].evidence["release_specifications_in_force"][0]["effective_to"] == "2023-01-30"


def test_non_cqa_attribute_is_not_checked(tmp_path):
    t = _with_viability(base_tables(), cqa=False)
    assert findings(audit(t, tmp_path), "DR003") == []


def test_one_finding_per_lot_and_attribute_even_with_two_release_specs(tmp_path):
    t = add_rows(base_tables(), "methods", [{"method_id": "M-POT2", "attribute_id": "POT", "name": "New assay",
                                             "validation_status": "validated", "validated_date": D("2022-01-01"),
                                             "in_use_from": D("2022-01-01"), "in_use_to": None}])
    t = add_rows(t, "specifications", [{"attribute_id": "POT", "kind": "release", "method_id": "M-POT2",
                                        "lower": 40.0, "upper": 160.0, "effective_from": D("2022-01-01"),
                                        "effective_to": None}])
    t = _drop_result(t, "L-002")
    t = _with_viability(t, tested=[f"L-{k:03d}" for k in range(3, 23)])  # L-001, L-002 lack VIA
    fs = findings(audit(t, tmp_path), "DR003")
    keys = sorted((f.subjects["lot_ids"][0], f.subjects["attribute_id"]) for f in fs)
    assert keys == [("L-001", "VIA"), ("L-002", "POT"), ("L-002", "VIA")]
    [pot] = [f for f in fs if f.subjects["attribute_id"] == "POT"]
    assert [s["method_id"] for s in pot.evidence["release_specifications_in_force"]] == ["M-POT", "M-POT2"]
