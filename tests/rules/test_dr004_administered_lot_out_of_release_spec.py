"""DR004: each reportable result of an administered lot against the release spec of its attribute
and method in force on its test date (inclusive limits; censored values judged conservatively)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.builders import add_rows, audit, base_tables, findings

D = pd.Timestamp
# Base: POT release spec on M-POT 50–150 from 2022-01-01, open-ended. L-00k (k = i + 1) made
# 2023-01-02 + 14·i days and tested 5 days later (L-001 2023-01-07, L-002 2023-01-21,
# L-021 2023-10-14, L-022 2023-10-28); L-001..L-020 read 95–105, L-021 55, L-022 145.
# Results rows: header = row 1, so L-00k's result is row k + 1.


def _result(t, lot, value, qualifier=None):
    r = t["results"]
    r.loc[r["lot_id"] == lot, "value"] = value
    r.loc[r["lot_id"] == lot, "qualifier"] = qualifier
    return t


def test_base_dossier_has_no_dr004(tmp_path):
    assert findings(audit(base_tables(), tmp_path), "DR004") == []


def test_values_on_the_limits_pass(tmp_path):
    t = _result(_result(base_tables(), "L-001", 50.0), "L-002", 150.0)
    assert findings(audit(t, tmp_path), "DR004") == []


def test_value_below_the_lower_limit_fires_major_per_result(tmp_path):
    t = _result(base_tables(), "L-001", 49.9)
    [f] = findings(audit(t, tmp_path), "DR004")
    assert f.severity == "major"
    assert f.subjects == {"lot_ids": ["L-001"], "attribute_id": "POT", "method_id": "M-POT"}
    e = f.evidence
    assert e["value"] == 49.9 and e["qualifier"] is None and e["censored"] is False
    assert e["limit_failed"] == "lower" and e["lower"] == 50.0 and e["upper"] == 150.0
    assert e["test_date"] == "2023-01-07" and e["results_row"] == 2
    assert e["specification_effective_from"] == "2022-01-01" and e["specification_effective_to"] is None
    assert e["lot_status"] == "released" and e["study_ids"] == ["PIV"] and e["n_patients"] == 1
    assert e["pivotal"] is True
    assert any("Q6B" in r for r in f.references) and any("610.10" in r for r in f.references)
    assert "row 2" in f.action and f.due_date is None


def test_value_above_the_upper_limit_fires(tmp_path):
    t = _result(base_tables(), "L-002", 150.1)
    [f] = findings(audit(t, tmp_path), "DR004")
    assert f.subjects["lot_ids"] == ["L-002"] and f.evidence["limit_failed"] == "upper"


@pytest.mark.parametrize("qualifier, value, fires, limit", [
    ("<", 50.0, True, "lower"),    # true value < 50 ≤ L = 50: every allowed value below the limit
    ("<", 40.0, True, "lower"),
    ("<", 50.5, False, None),      # true value could be 50–50.5, inside
    ("<", 200.0, False, None),     # <x never fails the upper limit: values below 150 are allowed
    (">", 150.0, True, "upper"),   # true value > 150 ≥ U = 150
    (">", 149.0, False, None),     # could be 149–150, inside
    (">", 10.0, False, None),      # >x never fails the lower limit
])
def test_censored_result_fails_only_when_every_allowed_value_is_outside(tmp_path, qualifier, value, fires, limit):
    t = _result(base_tables(), "L-003", value, qualifier)
    fs = findings(audit(t, tmp_path), "DR004")
    if not fires:
        assert fs == []
        return
    [f] = fs
    assert f.subjects["lot_ids"] == ["L-003"]
    assert f.evidence["limit_failed"] == limit
    assert f.evidence["qualifier"] == qualifier and f.evidence["censored"] is True
    assert f.evidence["value"] == value
    assert f"{qualifier}{value:g}" in f.title


def _two_spec_versions(t):
    # 50–150 until 2023-06-30, then 80–120
    s = t["specifications"]
    s.loc[(s["kind"] == "release"), "effective_to"] = D("2023-06-30")
    return add_rows(t, "specifications", [{"attribute_id": "POT", "kind": "release", "method_id": "M-POT",
                                           "lower": 80.0, "upper": 120.0, "effective_from": D("2023-07-01"),
                                           "effective_to": None}])


def test_each_result_is_judged_against_the_spec_in_force_on_its_test_date(tmp_path):
    t = _result(_two_spec_versions(base_tables()), "L-001", 60.0)  # tested 2023-01-07, under 50–150: passes
    fs = findings(audit(t, tmp_path), "DR004")
    got = sorted((f.subjects["lot_ids"][0], f.evidence["limit_failed"], f.evidence["lower"], f.evidence["upper"])
                 for f in fs)
    # L-021 (55, tested 2023-10-14) below 80; L-022 (145, tested 2023-10-28) above 120
    assert got == [("L-021", "lower", 80.0, 120.0), ("L-022", "upper", 80.0, 120.0)]


def test_result_on_the_last_day_of_a_spec_is_judged_against_it(tmp_path):
    t = _two_spec_versions(base_tables())
    t["results"].loc[t["results"]["lot_id"] == "L-022", "test_date"] = D("2023-06-30")  # 145 within 50–150
    fs = findings(audit(t, tmp_path), "DR004")
    assert [f.subjects["lot_ids"] for f in fs] == [["L-021"]]


def test_lot_not_administered_is_not_dr004(tmp_path):
    t = add_rows(base_tables(), "lots", [{"lot_id": "L-100", "process_version": "v1",
                                          "manufacture_date": D("2023-05-01"), "purpose": "clinical",
                                          "status": "released", "release_date": D("2023-05-11"),
                                          "expiry_date": D("2025-05-01")}])
    t = add_rows(t, "results", [{"lot_id": "L-100", "attribute_id": "POT", "method_id": "M-POT", "value": 10.0,
                                 "test_date": D("2023-05-06"), "reportable": True}])
    assert findings(audit(t, tmp_path), "DR004") == []


def test_non_reportable_result_is_not_judged(tmp_path):
    t = add_rows(base_tables(), "results", [{"lot_id": "L-005", "attribute_id": "POT", "method_id": "M-POT",
                                             "value": 10.0, "test_date": D("2023-03-04"), "reportable": False}])
    assert findings(audit(t, tmp_path), "DR004") == []


def test_only_the_spec_of_the_same_method_applies(tmp_path):
    t = add_rows(base_tables(), "methods", [{"method_id": "M-POT2", "attribute_id": "POT", "name": "New assay",
                                             "validation_status": "validated", "validated_date": D("2022-01-01"),
                                             "in_use_from": D("2022-01-01"), "in_use_to": None}])
    t = add_rows(t, "results", [{"lot_id": "L-005", "attribute_id": "POT", "method_id": "M-POT2", "value": 10.0,
                                 "test_date": D("2023-03-04"), "reportable": True}])
    assert findings(audit(t, tmp_path), "DR004") == []  # M-POT2 has no release spec


def test_one_finding_per_result_even_for_replicates(tmp_path):
    t = _result(base_tables(), "L-001", 40.0)
    t = add_rows(t, "results", [{"lot_id": "L-001", "attribute_id": "POT", "method_id": "M-POT", "value": 40.0,
                                 "test_date": D("2023-01-07"), "reportable": True}])
    fs = findings(audit(t, tmp_path), "DR004")
    assert sorted(f.evidence["results_row"] for f in fs) == [2, 24]
    assert all(f.subjects["lot_ids"] == ["L-001"] for f in fs)


def test_one_sided_spec_never_fails_on_its_open_side(tmp_path):
    t = base_tables()
    s = t["specifications"]
    s.loc[s["kind"] == "release", "lower"] = None  # upper 150 only
    t = _result(_result(t, "L-001", 1.0), "L-002", 151.0)
    [f] = findings(audit(t, tmp_path), "DR004")
    assert f.subjects["lot_ids"] == ["L-002"] and f.evidence["lower"] is None and f.evidence["upper"] == 150.0


def test_hundreds_of_thousands_of_results_are_judged_vectorised(tmp_path):
    import time

    import numpy as np

    from cmcready.context import AuditContext
    from cmcready.dossier import Dossier
    from cmcready.rules import all_rules
    from tests.builders import AS_OF, load

    d = load(base_tables(), tmp_path)
    r = d.results
    big = r.loc[np.repeat(r.index.to_numpy(), 10_000)].reset_index(drop=True)  # 220 000 rows
    rng = np.random.default_rng(7)
    big["value"] = rng.normal(100.0, 25.0, len(big))
    big["_row"] = np.arange(2, len(big) + 2)
    ctx = AuditContext(Dossier(program=d.program, tables={**d.tables, "results": big}), as_of=AS_OF)
    start = time.perf_counter()
    fs = list(all_rules()["DR004"].check(ctx))
    elapsed = time.perf_counter() - start
    # every lot is administered and every test date lies under the 50–150 spec
    values = big["value"].to_numpy()
    assert len(fs) == int(((values < 50) | (values > 150)).sum())
    assert elapsed < 30
