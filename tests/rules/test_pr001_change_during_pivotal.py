"""PR001: a process change takes effect inside the pivotal window [2023-01-01, 2024-06-30]."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.builders import D, audit, base_tables, findings, not_applicable
from tests.rules.process_builders import WINDOW_END, WINDOW_START, lot_ids, with_comparability, with_v2

MID_PIVOTAL = D("2023-08-01")  # L-017 (2023-08-14) is the first lot made after it


def mid_pivotal_transduction_change(**change):
    # v2 makes L-017..L-022: 6 of the 22 pivotal lots; v1 made the other 16.
    return with_v2(base_tables(), change_date=MID_PIVOTAL, v2_lots=lot_ids(17, 22), **change)


def test_high_risk_transduction_change_mid_pivotal_without_study_is_critical_pr001_pr002_pr003(tmp_path):
    # The acceptance scenario: high-risk transduction change effective mid-pivotal, no comparability
    # study, most pivotal lots (16 of 22) made by the earlier version v1, commercial process v2.
    result = audit(mid_pivotal_transduction_change(risk="high", unit_operation="transduction"), tmp_path)
    pr001, pr002, pr003 = findings(result, "PR001"), findings(result, "PR002"), findings(result, "PR003")
    assert [f.severity for f in pr001 + pr002 + pr003] == ["critical", "critical", "critical"]
    f = pr001[0]
    assert f.subjects == {"change_id": "PC-1", "process_version": "v2"}
    assert f.evidence["change_date"] == "2023-08-01"
    assert f.evidence["risk"] == "high"
    assert f.evidence["unit_operation"] == "transduction"
    assert f.evidence["comparability_study_ids"] == []
    assert (f.evidence["pivotal_window_start"], f.evidence["pivotal_window_end"]) == ("2023-01-01", "2024-06-30")
    # 2023-01-01 -> 2023-08-01: 31+28+31+30+31+30+31 = 212 days
    assert f.evidence["days_after_window_start"] == 212
    assert (f.evidence["pivotal_lots_from_version"], f.evidence["pivotal_lots_to_version"]) == (16, 6)
    assert f.due_date is None  # the window opened before the as-of date
    assert pr002[0].evidence["uncovered_pairs"] == [["v1", "v2"]]
    assert pr003[0].subjects == {"process_version": "v2"}
    assert pr003[0].evidence["pivotal_lots_by_version"] == {"v1": 16, "v2": 6}


def test_medium_risk_change_with_comparability_study_is_major(tmp_path):
    tables = with_comparability(mid_pivotal_transduction_change(risk="medium", comparability_study_id="CS-1"))
    [f] = findings(audit(tables, tmp_path), "PR001")
    assert f.severity == "major"
    assert f.evidence["comparability_study_ids"] == ["CS-1"]


def test_study_of_the_two_versions_in_reverse_order_counts_as_the_changes_study(tmp_path):
    # No comparability_study_id on the change; a study v2 -> v1 has the same two versions.
    tables = with_comparability(mid_pivotal_transduction_change(risk="low"), "CS-9", from_version="v2",
                                to_version="v1")
    [f] = findings(audit(tables, tmp_path), "PR001")
    assert f.severity == "major"
    assert f.evidence["comparability_study_ids"] == ["CS-9"]


def test_high_risk_change_with_comparability_study_is_still_critical(tmp_path):
    tables = with_comparability(mid_pivotal_transduction_change(risk="high", comparability_study_id="CS-1"))
    [f] = findings(audit(tables, tmp_path), "PR001")
    assert f.severity == "critical"


def test_empty_risk_is_not_high(tmp_path):
    tables = with_comparability(mid_pivotal_transduction_change(risk=None, comparability_study_id="CS-1"))
    [f] = findings(audit(tables, tmp_path), "PR001")
    assert f.severity == "major"
    assert f.evidence["risk"] is None


def test_medium_risk_change_without_comparability_study_is_critical(tmp_path):
    [f] = findings(audit(mid_pivotal_transduction_change(risk="medium"), tmp_path), "PR001")
    assert f.severity == "critical"


def test_change_on_first_day_of_window_is_pr001_not_pr005(tmp_path):
    tables = with_v2(base_tables(), change_date=WINDOW_START, risk="low", comparability_study_id="CS-1")
    result = audit(with_comparability(tables), tmp_path)
    [f] = findings(result, "PR001")
    assert f.evidence["days_after_window_start"] == 0
    assert f.severity == "major"
    assert findings(result, "PR005") == []


def test_change_on_last_day_of_window_is_inside(tmp_path):
    tables = with_v2(base_tables(), change_date=WINDOW_END, risk="low")
    [f] = findings(audit(tables, tmp_path), "PR001")
    assert f.evidence["change_date"] == "2024-06-30"
    assert f.severity == "critical"  # no comparability study


def test_change_the_day_after_the_window_closes_is_not_pr001(tmp_path):
    tables = with_v2(base_tables(), change_date=WINDOW_END + pd.Timedelta(days=1))
    assert findings(audit(tables, tmp_path), "PR001") == []


def test_open_window_ends_on_the_as_of_date(tmp_path):
    # PIV still enrolling: E = max(as-of 2024-09-01, S); a change on 2024-08-31 is inside it.
    tables = with_v2(base_tables(), change_date=D("2024-08-31"))
    tables["studies"] = tables["studies"].assign(enrollment_end=None)
    [f] = findings(audit(tables, tmp_path), "PR001")
    assert f.evidence["pivotal_window_end"] == "2024-09-01"
    assert f.evidence["pivotal_window_closed"] is False


def test_due_date_is_the_window_start_when_it_is_after_the_as_of_date(tmp_path):
    tables = with_v2(base_tables(), change_date=WINDOW_START)
    [f] = findings(audit(tables, tmp_path, as_of=dt.date(2022, 12, 1)), "PR001")
    assert f.due_date == dt.date(2023, 1, 1)


def test_no_change_no_finding(tmp_path):
    result = audit(base_tables(), tmp_path)
    assert findings(result, "PR001") == []
    assert "PR001" not in not_applicable(result)


def test_no_pivotal_study_is_not_applicable(tmp_path):
    tables = mid_pivotal_transduction_change()
    tables["studies"] = tables["studies"].assign(pivotal=False)
    result = audit(tables, tmp_path)
    assert findings(result, "PR001") == []
    assert {"PR001", "PR002", "PR003", "PR005"} <= not_applicable(result)
    [reason] = [n.reason for n in result.not_applicable if n.code == "PR001"]
    assert "no study is marked pivotal" in reason


def test_pivotal_study_without_administration_is_not_applicable(tmp_path):
    tables = mid_pivotal_transduction_change()
    tables["studies"] = pd.concat([tables["studies"], pd.DataFrame([{
        "study_id": "P1", "phase": "1", "pivotal": False, "enrollment_start": D("2022-06-01"),
        "enrollment_end": D("2022-12-31")}])], ignore_index=True)
    tables["administrations"] = tables["administrations"].assign(study_id="P1")
    result = audit(tables, tmp_path)
    assert findings(result, "PR001") == []
    assert {"PR001", "PR002", "PR003", "PR005"} <= not_applicable(result)
    [reason] = [n.reason for n in result.not_applicable if n.code == "PR001"]
    assert "no lot has been administered in the pivotal study (PIV)" in reason
