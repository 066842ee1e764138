"""AM006: a method change with no method_changes row, or a row without rationale or approval."""

from __future__ import annotations

import pandas as pd

from tests.builders import D, audit, findings
from tests.rules.am_builders import change_row, method_change_tables, method_row


def test_recorded_and_approved_change_passes(tmp_path):
    assert findings(audit(method_change_tables(), tmp_path), "AM006") == []


def test_new_method_without_a_change_row(tmp_path):
    t = method_change_tables()
    t["method_changes"] = t["method_changes"].iloc[:0]
    [f] = findings(audit(t, tmp_path), "AM006")
    assert f.severity == "major"
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-NEW"}
    assert f.evidence["previous_method"] == "M-OLD"
    assert f.evidence["method_order"] == ["M-OLD", "M-NEW"]
    assert f.evidence["first_result_date"] == "2023-06-10"  # L-012: 2023-01-07 + 11 * 14 days
    assert f.evidence["n_results"] == 11
    assert f.evidence["method_changes_row"] is False
    assert f.due_date is None
    assert any("ICH Q14" in r for r in f.references)


def test_change_row_without_approval(tmp_path):
    t = method_change_tables()
    t["method_changes"] = pd.DataFrame([change_row(approved_by=None, approved_date=None)])
    [f] = findings(audit(t, tmp_path), "AM006")
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-NEW", "change_id": "MC-1"}
    assert f.evidence["changes"] == [{"change_id": "MC-1", "from_method": "M-OLD", "change_date": "2023-06-01",
                                      "missing": ["approved_by", "approved_date"]}]
    assert "MC-1" in f.action


def test_change_row_with_a_blank_rationale(tmp_path):
    t = method_change_tables()
    t["method_changes"] = pd.DataFrame([change_row(rationale="   ")])
    [f] = findings(audit(t, tmp_path), "AM006")
    assert f.evidence["changes"][0]["missing"] == ["rationale"]


def test_first_method_needs_no_change_row(tmp_path):
    # the base program: one method, no method_changes rows
    t = method_change_tables()
    r = t["results"].copy()
    r["method_id"] = "M-OLD"
    t["results"] = r
    t["method_changes"] = t["method_changes"].iloc[:0]
    assert findings(audit(t, tmp_path), "AM006") == []


def test_methods_are_ordered_by_in_use_from_not_by_result_dates(tmp_path):
    # M-NEW introduced (in_use_from) before M-OLD although its results come later: M-OLD is the change
    # that needs a row, and MC-1 (to M-NEW) does not cover it
    t = method_change_tables()
    t["methods"] = pd.DataFrame([method_row("M-OLD", "2022-06-01", "2023-05-31"),
                                 method_row("M-NEW", "2022-01-01")])
    [f] = findings(audit(t, tmp_path), "AM006")
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-OLD"}
    assert f.evidence["method_order"] == ["M-NEW", "M-OLD"]
    assert f.evidence["previous_method"] == "M-NEW"


def test_complete_change_rows_of_another_attribute_give_nothing(tmp_path):
    t = method_change_tables()
    t["attributes"] = pd.concat([t["attributes"], pd.DataFrame([{
        "attribute_id": "VIA", "name": "Viability", "unit": "%", "category": "viability", "cqa": False,
        "limit_basis": "clinical"}])], ignore_index=True)
    t["methods"] = pd.concat([t["methods"], pd.DataFrame([method_row("V-1", "2022-01-01", attribute_id="VIA"),
                                                          method_row("V-2", "2022-01-01", attribute_id="VIA")])],
                             ignore_index=True)
    t["method_changes"] = pd.DataFrame([change_row(), change_row("MC-V", "V-1", "V-2", bridging_study_id=None,
                                                               attribute_id="VIA")])
    # results switch POT from M-OLD to M-NEW (MC-1); a VIA change row exists but is complete
    assert findings(audit(t, tmp_path), "AM006") == []


def test_every_change_row_needs_approval_even_without_results_on_its_method(tmp_path):
    t = method_change_tables()
    t["methods"] = pd.concat([t["methods"], pd.DataFrame([method_row("M-3", "2024-06-01")])], ignore_index=True)
    t["method_changes"] = pd.DataFrame([change_row(), change_row("MC-2", "M-NEW", "M-3", bridging_study_id=None,
                                                                 change_date=D("2024-06-01"), rationale=None)])
    [f] = findings(audit(t, tmp_path), "AM006")
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-3", "change_id": "MC-2"}
    assert f.evidence["changes"][0]["missing"] == ["rationale"]
