"""AM001: administered-lot results on a method with no bridging path to the reference method."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.builders import D, audit, findings
from tests.rules.am_builders import OLD_LOTS, bridge_rows, method_change_tables, method_row

NEW_LOTS = [f"L-{i:03d}" for i in range(12, 23)]
AM_CODES = [f"AM00{i}" for i in range(1, 8)]


def test_bridged_method_change_gives_no_am_finding(tmp_path):
    result = audit(method_change_tables(), tmp_path)
    assert [f.code for f in result.findings if f.code in AM_CODES] == []


def test_potency_method_changed_mid_pivotal_without_bridge_is_critical(tmp_path):
    [f] = findings(audit(method_change_tables(bridged=False), tmp_path), "AM001")
    assert f.severity == "critical"
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-OLD", "lot_ids": OLD_LOTS}
    assert f.evidence["reference_method"] == "M-NEW"
    assert f.evidence["reference_basis"].startswith("spec method")
    # L-001..L-011: one result each, all dosed in the pivotal study PIV
    assert (f.evidence["n_results"], f.evidence["n_lots"], f.evidence["n_pivotal_lots"]) == (11, 11, 11)
    assert f.evidence["first_test_date"] == "2023-01-07"
    assert f.evidence["last_test_date"] == "2023-05-27"  # 2023-01-07 + 10 * 14 days
    assert f.evidence["bridging_studies_involving_method"] == []
    assert f.due_date is None  # M-OLD retired 2023-05-31, before the as-of date
    assert any("Potency Assurance" in r for r in f.references)
    assert any("ICH Q14" in r for r in f.references)
    assert "M-OLD" in f.action and "M-NEW" in f.action


def test_non_potency_attribute_on_non_pivotal_lots_is_major(tmp_path):
    t = method_change_tables(bridged=False)
    t["attributes"] = t["attributes"].assign(category="viability")
    t["studies"] = pd.concat([t["studies"], pd.DataFrame([{
        "study_id": "P1", "phase": "1", "pivotal": False, "enrollment_start": D("2022-06-01"),
        "enrollment_end": D("2023-06-30")}])], ignore_index=True)
    adm = t["administrations"].copy()
    adm.loc[adm["lot_id"].isin(OLD_LOTS), "study_id"] = "P1"
    t["administrations"] = adm
    [f] = findings(audit(t, tmp_path), "AM001")
    assert f.severity == "major"
    assert f.evidence["n_pivotal_lots"] == 0
    assert f.evidence["pivotal_lot_ids"] == []
    assert not any("Potency Assurance" in r for r in f.references)


def test_non_potency_attribute_on_pivotal_lots_is_critical(tmp_path):
    t = method_change_tables(bridged=False)
    t["attributes"] = t["attributes"].assign(category="viability")
    [f] = findings(audit(t, tmp_path), "AM001")
    assert f.severity == "critical"
    assert f.evidence["pivotal_lot_ids"] == OLD_LOTS


def test_bridge_with_two_pairs_is_not_a_path(tmp_path):
    t = method_change_tables()
    t["bridging_results"] = pd.DataFrame(bridge_rows(n=2))
    [f] = findings(audit(t, tmp_path), "AM001")
    assert f.subjects["method_id"] == "M-OLD"
    [study] = f.evidence["bridging_studies_involving_method"]
    assert study["bridging_study_id"] == "BR-1"
    assert study["n_pairs"] == 2
    assert study["usable_for_conversion"] is False


def test_spec_on_old_method_is_reached_by_the_inverted_line(tmp_path):
    t = method_change_tables()
    spec = t["specifications"].copy()
    spec.loc[spec["kind"] == "proposed_commercial", "method_id"] = "M-OLD"
    t["specifications"] = spec
    assert findings(audit(t, tmp_path), "AM001") == []


def test_spec_on_old_method_without_bridge_flags_the_new_method(tmp_path):
    t = method_change_tables(bridged=False)
    spec = t["specifications"].copy()
    spec.loc[spec["kind"] == "proposed_commercial", "method_id"] = "M-OLD"
    t["specifications"] = spec
    [f] = findings(audit(t, tmp_path), "AM001")
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-NEW", "lot_ids": NEW_LOTS}
    assert f.evidence["reference_method"] == "M-OLD"


def _without_proposed_spec(t):
    t["specifications"] = t["specifications"].loc[t["specifications"]["kind"] == "release"].reset_index(drop=True)
    return t


def test_without_proposed_spec_the_reference_is_the_method_in_use_on_the_as_of_date(tmp_path):
    [f] = findings(audit(_without_proposed_spec(method_change_tables(bridged=False)), tmp_path), "AM001")
    assert f.subjects["method_id"] == "M-OLD"
    assert f.evidence["reference_method"] == "M-NEW"
    assert f.evidence["reference_basis"].startswith("method in use")


def test_without_proposed_spec_before_the_change_the_old_method_is_the_reference(tmp_path):
    # as of 2023-05-15 only M-OLD is in use: the M-NEW results are the unbridged ones, and the bridge is
    # due before M-OLD retires on 2023-05-31
    t = _without_proposed_spec(method_change_tables(bridged=False))
    [f] = findings(audit(t, tmp_path, as_of=dt.date(2023, 5, 15)), "AM001")
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-NEW", "lot_ids": NEW_LOTS}
    assert f.evidence["reference_method"] == "M-OLD"
    assert f.due_date == dt.date(2023, 5, 31)


def test_without_any_method_in_use_the_latest_retired_method_is_the_reference(tmp_path):
    t = _without_proposed_spec(method_change_tables(bridged=False))
    t["methods"] = pd.DataFrame([method_row("M-OLD", "2022-01-01", "2023-05-31"),
                                 method_row("M-NEW", "2023-06-01", "2024-03-31")])
    [f] = findings(audit(t, tmp_path), "AM001")
    assert f.evidence["reference_method"] == "M-NEW"
    assert f.subjects["method_id"] == "M-OLD"


def test_due_date_is_the_old_method_retirement_on_the_as_of_date(tmp_path):
    t = method_change_tables(bridged=False)
    [f] = findings(audit(t, tmp_path, as_of=dt.date(2023, 5, 31)), "AM001")
    assert f.due_date == dt.date(2023, 5, 31)


def test_due_date_is_null_the_day_after_the_old_method_retired(tmp_path):
    t = method_change_tables(bridged=False)
    [f] = findings(audit(t, tmp_path, as_of=dt.date(2023, 6, 1)), "AM001")
    assert f.due_date is None


def test_results_of_lots_never_administered_are_ignored(tmp_path):
    t = method_change_tables()
    t["methods"] = pd.concat([t["methods"], pd.DataFrame([method_row("M-DEV", "2022-01-01")])], ignore_index=True)
    t["lots"] = pd.concat([t["lots"], pd.DataFrame([{
        "lot_id": "DEV-1", "process_version": "v1", "manufacture_date": D("2023-03-01"), "purpose": "development",
        "status": "released", "failure_reason": None, "release_date": D("2023-03-10"), "expiry_date": None}])],
        ignore_index=True)
    t["results"] = pd.concat([t["results"], pd.DataFrame([{
        "lot_id": "DEV-1", "attribute_id": "POT", "method_id": "M-DEV", "value": 90.0, "qualifier": None,
        "test_date": D("2023-03-05"), "reportable": True}])], ignore_index=True)
    assert findings(audit(t, tmp_path), "AM001") == []


def test_non_reportable_results_are_ignored(tmp_path):
    t = method_change_tables(bridged=False)
    r = t["results"].copy()
    r.loc[r["method_id"] == "M-OLD", "reportable"] = False
    # each old lot keeps a reportable result on M-NEW so the lots still have potency data
    extra = r.loc[r["method_id"] == "M-OLD"].assign(method_id="M-NEW", reportable=True,
                                                   test_date=D("2023-06-05"))
    t["results"] = pd.concat([r, extra], ignore_index=True)
    assert findings(audit(t, tmp_path), "AM001") == []
