"""Review of PR001–PR006, MS001–MS002, DR001–DR004 and PO001 against the catalog's
"Precise semantics": the clauses the rule tests leave implicit, odd but valid dossiers
through ``run_audit``, and a comparison with an independent reading of the catalog
(tests/rules/review_oracle.py) on random dossiers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import numpy as np
import pytest

from cmcready.audit import run_audit
from cmcready.context import AuditContext
from cmcready.report.json_out import audit_json, dumps
from cmcready.rules.po001_potency_outcome_relation import patient_potency
from tests.builders import AS_OF, D, add_rows, audit, base_tables, findings, load, not_applicable
from tests.rules.process_builders import (
    comparability_study,
    lot_ids,
    with_change,
    with_comparability,
    with_v2,
    with_version,
)
from tests.rules.review_oracle import PIVOTAL_RULES, expected, random_dossier, slope_shown

OWN_CODES = {"PR001", "PR002", "PR003", "PR004", "PR005", "PR006", "MS001", "MS002",
             "DR001", "DR002", "DR003", "DR004", "PO001"}
CONTRACT_SUBJECT_KEYS = {"attribute_id", "method_id", "study_id", "process_version", "change_id", "lot_ids",
                         "bridging_study_id", "comparability_study_id"}


def _outcomes(tables, endpoint="ORR", *, responders=True):
    """One outcome per patient: responders every third patient, or only a continuous value."""
    patients = sorted(set(tables["administrations"]["patient_id"]))
    return add_rows(tables, "outcomes", [
        {"patient_id": p, "endpoint": endpoint, "responder": (i % 3 == 0) if responders else None,
         "value": None if responders else float(i)} for i, p in enumerate(patients)])


# --- not_applicable: exactly PR001, PR002, PR003, PR005 and AM007 (first clause) ------------------

def test_not_applicable_lists_exactly_the_pivotal_rules_even_with_outcomes_without_responders(tmp_path):
    # No pivotal study, and outcomes with only a continuous endpoint: PO001 has nothing to test,
    # which is not a "not applicable" entry (the catalog lists only the pivotal-study rules there).
    t = _outcomes(base_tables(), endpoint="PFS_months", responders=False)
    t["studies"] = t["studies"].assign(pivotal=False)
    result = audit(t, tmp_path)
    assert sorted(n.code for n in result.not_applicable) == PIVOTAL_RULES
    assert findings(result, "PO001") == []


def test_pivotal_rules_are_applicable_once_a_pivotal_lot_is_administered(tmp_path):
    assert not_applicable(audit(base_tables(), tmp_path)) == set()


# --- the pivotal window ---------------------------------------------------------------------

def _second_pivotal_study_still_enrolling(tables):
    return add_rows(tables, "studies", [{"study_id": "PIV-2", "phase": "2", "pivotal": True,
                                         "enrollment_start": D("2023-06-01"), "enrollment_end": None}])


@pytest.mark.parametrize("change_day, inside", [("2024-03-01", True), ("2024-03-02", False)])
def test_window_ends_at_the_as_of_date_while_one_pivotal_study_enrolls_even_if_another_closed_later(
        tmp_path, change_day, inside):
    # PIV closed on 2024-06-30, PIV-2 still enrolling: E = max(as-of 2024-03-01, S 2023-01-01) = 2024-03-01,
    # not PIV's 2024-06-30; a change on 2024-03-02 is after the window.
    t = _second_pivotal_study_still_enrolling(with_v2(base_tables(), change_date=D(change_day),
                                                      comparability_study_id=None))
    fs = findings(audit(t, tmp_path, as_of=dt.date(2024, 3, 1)), "PR001")
    if not inside:
        assert fs == []
        return
    [f] = fs
    assert (f.severity, f.subjects) == ("critical", {"change_id": "PC-1", "process_version": "v2"})
    assert (f.evidence["pivotal_window_start"], f.evidence["pivotal_window_end"]) == ("2023-01-01", "2024-03-01")
    assert f.evidence["pivotal_window_closed"] is False
    assert f.due_date is None  # S = 2023-01-01 is not after the as-of date


@pytest.mark.parametrize("change_day, inside", [("2023-01-01", True), ("2023-01-02", False)])
def test_window_of_a_study_not_yet_enrolling_is_its_first_day(tmp_path, change_day, inside):
    # As of 2022-12-01, PIV (start 2023-01-01) has no end: E = max(2022-12-01, 2023-01-01) = S.
    t = with_v2(base_tables(), change_date=D(change_day), risk="low", comparability_study_id=None)
    t["studies"] = t["studies"].assign(enrollment_end=None)
    result = audit(t, tmp_path, as_of=dt.date(2022, 12, 1))
    fs = findings(result, "PR001")
    assert findings(result, "PR005") == []  # on or after S: never "before the window"
    if not inside:
        assert fs == []
        return
    [f] = fs
    assert f.severity == "critical"  # low risk, but no comparability study
    assert f.evidence["pivotal_window_end"] == "2023-01-01"
    assert f.due_date == dt.date(2023, 1, 1)  # S is after the as-of date


# --- counting distinct lots, not administrations ---------------------------------------------

def _eleven_and_eleven():
    """v1 made L-001..L-011, v2 (commercial, from 2023-06-01) made L-012..L-022: a tie of pivotal lots."""
    t = with_v2(base_tables(), change_date=D("2023-06-01"), v2_lots=lot_ids(12, 22))
    # L-012 was made 2023-06-05, on or after v2's effective date: no PR006 for early lots
    return t


def test_pr003_counts_distinct_pivotal_lots_not_administrations(tmp_path):
    t = _eleven_and_eleven()
    # L-001 given to three more pivotal patients: v1 has 14 administrations but still 11 lots
    t = add_rows(t, "administrations", [{"patient_id": f"P-9{i}", "study_id": "PIV", "lot_id": "L-001",
                                         "administration_date": D("2023-02-01")} for i in range(3)])
    assert findings(audit(t, tmp_path), "PR003") == []


def test_pr003_fires_when_the_other_version_has_one_more_distinct_lot(tmp_path):
    t = _eleven_and_eleven()
    t["lots"].loc[t["lots"]["lot_id"] == "L-012", "process_version"] = "v1"  # v1 12 lots, v2 10
    [f] = findings(audit(t, tmp_path), "PR003")
    assert (f.severity, f.subjects) == ("critical", {"process_version": "v2"})
    assert f.evidence["pivotal_lots_by_version"] == {"v1": 12, "v2": 10}


def test_pr002_lot_ids_are_the_distinct_pivotal_lots_sorted(tmp_path):
    t = _eleven_and_eleven()
    t = add_rows(t, "administrations", [{"patient_id": "P-900", "study_id": "PIV", "lot_id": "L-022",
                                         "administration_date": D("2023-12-01")}])
    t = add_rows(t, "studies", [{"study_id": "PH1", "phase": "1", "pivotal": False,
                                 "enrollment_start": D("2022-06-01"), "enrollment_end": D("2022-12-31")}])
    t = add_rows(t, "lots", [{"lot_id": "L-000", "process_version": "v1", "manufacture_date": D("2022-07-01"),
                              "purpose": "clinical", "status": "released", "release_date": D("2022-07-10")}])
    t = add_rows(t, "administrations", [{"patient_id": "P-000", "study_id": "PH1", "lot_id": "L-000",
                                         "administration_date": D("2022-07-20")}])
    [f] = findings(audit(t, tmp_path), "PR002")
    assert f.subjects == {"lot_ids": lot_ids(1, 22)}  # L-000 (phase 1 only) is not a pivotal lot
    assert f.evidence["uncovered_pairs"] == [["v1", "v2"]]


# --- odd but valid dossiers through run_audit --------------------------------------------------

def _plain_json(result) -> dict:
    payload = audit_json(result)
    return json.loads(dumps(payload))  # no NaN, no numpy types


def _check_contract_shape(payload: dict) -> None:
    for f in payload["findings"]:
        assert set(f["subjects"]) <= CONTRACT_SUBJECT_KEYS, f
        if "lot_ids" in f["subjects"]:
            assert f["subjects"]["lot_ids"] == sorted(set(f["subjects"]["lot_ids"]))
    assert {n["code"] for n in payload["not_applicable"]} <= set(PIVOTAL_RULES)


def test_no_process_changes_table_second_version_is_pr006(tmp_path):
    t = with_version(base_tables(), "v2", effective=D("2023-08-01"), lots=lot_ids(17, 22))
    assert "process_changes" in t
    del t["process_changes"]
    result = audit(t, tmp_path)
    payload = _plain_json(result)
    _check_contract_shape(payload)
    [f] = findings(result, "PR006")
    assert f.subjects == {"process_version": "v2"}
    assert findings(result, "PR001") == [] and findings(result, "PR005") == []
    # v1 made L-001..L-016 (16 released), v2 L-017..L-022 (6 released)
    assert {v: (m["attempted"], m["released"]) for v, m in payload["manufacturing"].items()} == \
        {"v1": (16, 16), "v2": (6, 6)}


def test_no_comparability_tables_mixed_pivotal_versions_is_pr002_and_not_pr004(tmp_path):
    t = with_v2(base_tables(), change_date=D("2023-08-01"), v2_lots=lot_ids(17, 22))
    assert "comparability_studies" not in t and "comparability_lots" not in t
    result = audit(t, tmp_path)
    _check_contract_shape(_plain_json(result))
    assert [f.severity for f in findings(result, "PR002")] == ["critical"]
    assert findings(result, "PR004") == []


def test_single_lot_dossier(tmp_path):
    t = base_tables()
    for name in ("lots", "results", "administrations"):
        t[name] = t[name].iloc[:1]
    result = audit(t, tmp_path)
    payload = _plain_json(result)
    _check_contract_shape(payload)
    [f] = findings(result, "MS001")
    # 1 of 1 released: rate 1.0; Clopper–Pearson lower = (0.05/2)^(1/1) = 0.025 < 0.80 → major
    assert f.severity == "major" and f.evidence["ci"] == [pytest.approx(0.025), 1.0]
    assert payload["manufacturing"]["v1"] == {**payload["manufacturing"]["v1"], "attempted": 1, "released": 1,
                                              "success_rate": 1.0}
    assert findings(result, "PR002") == [] and findings(result, "PR003") == []


def test_commercial_process_that_is_not_the_latest_is_the_one_judged(tmp_path):
    t = with_v2(base_tables(), change_date=D("2023-08-01"), v2_lots=lot_ids(17, 22),
                comparability_study_id=None)
    t["program"] = t["program"].assign(commercial_process_version="v1")
    result = audit(t, tmp_path)
    _check_contract_shape(_plain_json(result))
    [ms] = findings(result, "MS001")
    # v1: 16 of 16 released; lower = 0.025^(1/16) = 0.79409 < 0.80 → major, for v1 (not the latest v2)
    assert ms.subjects == {"process_version": "v1"}
    assert ms.evidence["ci"][0] == pytest.approx(0.025 ** (1 / 16))
    assert findings(result, "MS002") == []  # v1 is the first version: no previous one
    assert findings(result, "PR003") == []  # v1 made 16 of the 22 pivotal lots


def test_two_changes_on_one_day_give_one_pr001_each(tmp_path):
    t = with_v2(base_tables(), change_date=D("2023-08-01"), v2_lots=lot_ids(17, 20))
    t = with_version(t, "v3", effective=D("2023-08-02"), lots=lot_ids(21, 22))
    t = with_change(t, change_id="PC-2", from_version="v2", to_version="v3", change_date=D("2023-08-01"),
                    risk="low")
    t = with_comparability(t, "CS-23", from_version="v3", to_version="v2", lots=lot_ids(17, 22))
    result = audit(t, tmp_path)
    _check_contract_shape(_plain_json(result))
    got = sorted((f.subjects["change_id"], f.subjects["process_version"], f.severity)
                 for f in findings(result, "PR001"))
    # PC-1 high risk → critical; PC-2 low risk, covered by CS-23 (v3 → v2, reverse order) → major
    assert got == [("PC-1", "v2", "critical"), ("PC-2", "v3", "major")]
    [pr002] = findings(result, "PR002")
    assert pr002.evidence["uncovered_pairs"] == [["v1", "v2"], ["v1", "v3"]]


def test_lot_administered_twice_is_one_lot_everywhere(tmp_path):
    t = base_tables()
    # L-003 (released 2023-02-09) given again to P-003 and to a new patient, once before release
    t = add_rows(t, "administrations", [
        {"patient_id": "P-003", "study_id": "PIV", "lot_id": "L-003", "administration_date": D("2023-03-01")},
        {"patient_id": "P-100", "study_id": "PIV", "lot_id": "L-003", "administration_date": D("2023-02-08")},
    ])
    result = audit(t, tmp_path)
    _check_contract_shape(_plain_json(result))
    [f] = findings(result, "DR002")
    assert f.subjects == {"lot_ids": ["L-003"], "study_id": "PIV"}
    assert f.evidence["n_administrations"] == 1 and f.evidence["patient_ids"] == ["P-100"]
    assert findings(result, "PR002") == [] and findings(result, "PR003") == []


def test_outcomes_of_patients_with_several_lots_use_the_mean_of_distinct_lots(tmp_path):
    t = base_tables()
    # P-001 also receives L-022 (145), twice; P-002 also L-021 (55)
    t = add_rows(t, "administrations", [
        {"patient_id": "P-001", "study_id": "PIV", "lot_id": "L-022", "administration_date": D("2023-11-20")},
        {"patient_id": "P-001", "study_id": "PIV", "lot_id": "L-022", "administration_date": D("2023-12-20")},
        {"patient_id": "P-002", "study_id": "PIV", "lot_id": "L-021", "administration_date": D("2023-11-20")},
    ])
    t = _outcomes(t)
    dossier = load(t, tmp_path / "d")
    ctx = AuditContext(dossier=dossier, as_of=AS_OF)
    potency = patient_potency(ctx, "POT", "M-POT").set_index("patient_id")
    # P-001: mean(95, 145) = 120 over 2 distinct lots; P-002: mean(102, 55) = 78.5; P-003: 98 alone
    assert potency.loc["P-001", "potency"] == 120.0 and potency.loc["P-001", "n_lots"] == 2
    assert potency.loc["P-002", "potency"] == 78.5 and potency.loc["P-003", "n_lots"] == 1
    result = run_audit(dossier, as_of=AS_OF)
    _check_contract_shape(_plain_json(result))
    # Whether the finding fires is decided by an independent logistic fit of the same 22 patients.
    responders = [(i % 3 == 0) for i in range(22)]
    x = potency.loc[sorted(potency.index), "potency"].to_numpy(float)
    shown = slope_shown(x, np.array(responders, float))
    fs = findings(result, "PO001")
    assert len(fs) == (0 if shown else 1)
    assert all(f.evidence["n_patients"] == 22 for f in fs)


def test_self_referencing_change_and_degenerate_comparability_studies_do_not_raise(tmp_path):
    t = with_v2(base_tables(), change_date=D("2023-08-01"), v2_lots=lot_ids(17, 22))
    t = with_change(t, change_id="PC-loop", from_version="v2", to_version="v2", change_date=D("2023-09-01"),
                    risk="low")
    t = with_comparability(t, "CS-same", from_version="v2", to_version="v2", lots=lot_ids(17, 22))
    t = with_comparability(t, "CS-empty", from_version="v1", to_version="v2")
    result = audit(t, tmp_path)
    _check_contract_shape(_plain_json(result))
    pr004 = {f.subjects["comparability_study_id"]: f for f in findings(result, "PR004")}
    # CS-empty lists no lot: 0 and 0 per arm; CS-same compares v2 with itself, 6 lots a side, none outside
    assert set(pr004) == {"CS-empty"}
    assert (pr004["CS-empty"].evidence["n_pre_change_lots"], pr004["CS-empty"].evidence["n_post_change_lots"]) == (0, 0)
    assert findings(result, "MS002") == []  # previous of v2 is v1 (PC-1), both 100% released


def test_csv_folder_and_workbook_give_the_same_process_findings(tmp_path):
    t = comparability_study(post_values=(95, 100, 107))

    def keyed(result):
        return sorted((f.code, f.severity, json.dumps(f.subjects, sort_keys=True)) for f in result.findings
                      if f.code in OWN_CODES)

    csv = run_audit(load(t, tmp_path / "csv"), as_of=AS_OF)
    xlsx = run_audit(load(t, tmp_path / "xlsx", container="xlsx"), as_of=AS_OF)
    assert keyed(csv) == keyed(xlsx)
    assert ("PR004", "critical", json.dumps({"comparability_study_id": "CS-1", "lot_ids": ["L-019"]},
                                            sort_keys=True)) in keyed(csv)


# --- an independent reading of the catalog on random dossiers -----------------------------------

def _key(code, severity, subjects, due):
    return code, severity, json.dumps(subjects, sort_keys=True), None if due is None else str(due)


@pytest.mark.parametrize("boundaries", [False, True], ids=["spread", "boundaries"])
@pytest.mark.parametrize("seed", range(15))
def test_audit_agrees_with_an_independent_reading_of_the_catalog(tmp_path, seed, boundaries):
    tables, as_of = random_dossier(seed + (1000 if boundaries else 0), boundaries=boundaries)
    result = audit(tables, tmp_path, as_of=as_of)
    payload = _plain_json(result)
    _check_contract_shape(payload)
    want, want_na, want_manufacturing = expected(tables, as_of)
    got = Counter(_key(f["code"], f["severity"], f["subjects"], f["due_date"]) for f in payload["findings"]
                  if f["code"] in OWN_CODES)
    assert got == Counter(_key(*f) for f in want)
    assert sorted(n["code"] for n in payload["not_applicable"]) == want_na
    assert set(payload["manufacturing"]) == set(want_manufacturing)
    for version, block in want_manufacturing.items():
        mine = payload["manufacturing"][version]
        assert (mine["attempted"], mine["released"]) == (block["attempted"], block["released"])
        assert mine["success_rate"] == (None if block["success_rate"] is None else pytest.approx(block["success_rate"]))
        assert mine["ci"] == (None if block["ci"] is None else [pytest.approx(x, abs=1e-12) for x in block["ci"]])


def test_random_dossiers_are_valid_and_exercise_the_rules(tmp_path):
    # The comparison above is only worth something if the dossiers load and trigger the rules.
    codes = Counter()
    for seed in range(15):
        for boundaries in (False, True):
            tables, as_of = random_dossier(seed + (1000 if boundaries else 0), boundaries=boundaries)
            found, _, _ = expected(tables, as_of)
            codes.update({f[0] for f in found})
            load(tables, tmp_path / f"{seed}-{boundaries}")  # raises on an invalid dossier
    assert {"PR001", "PR002", "PR003", "PR004", "PR006", "MS001", "DR001", "DR002", "DR003", "DR004",
            "PO001"} <= set(codes)
