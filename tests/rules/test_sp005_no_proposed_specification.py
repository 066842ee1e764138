"""SP005: a CQA without a proposed commercial specification in force on the as-of date."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.builders import AS_OF, add_rows, audit, base_tables, findings


def _with_viability(cqa: bool):
    t = add_rows(base_tables(), "attributes", [{"attribute_id": "VIA", "name": "Viability", "unit": "%",
                                                "category": "viability", "cqa": cqa, "limit_basis": "clinical"}])
    return t


def test_cqa_without_proposed_spec_is_sp005_minor(tmp_path):
    result = audit(_with_viability(True), tmp_path)
    (f,) = findings(result, "SP005")
    assert f.severity == "minor"
    assert f.subjects == {"attribute_id": "VIA"}
    assert f.evidence["proposed_specification_in_force"] is False
    assert f.due_date == dt.date(2025, 6, 30)  # the program's submission_target
    assert "VIA" in f.action


def test_attribute_that_is_not_a_cqa_is_not_sp005(tmp_path):
    assert findings(audit(_with_viability(False), tmp_path), "SP005") == []


def test_cqa_with_proposed_spec_is_not_sp005(tmp_path):
    assert findings(audit(base_tables(), tmp_path), "SP005") == []


def test_proposed_spec_not_yet_in_force_on_as_of_date_is_sp005(tmp_path):
    t = base_tables()
    t["specifications"].loc[1, "effective_from"] = pd.Timestamp(AS_OF) + pd.Timedelta(days=1)
    (f,) = findings(audit(t, tmp_path), "SP005")
    assert f.subjects["attribute_id"] == "POT"


def test_proposed_spec_ended_before_as_of_date_is_sp005(tmp_path):
    t = base_tables()
    t["specifications"].loc[1, "effective_to"] = pd.Timestamp(AS_OF) - pd.Timedelta(days=1)
    assert [f.subjects["attribute_id"] for f in findings(audit(t, tmp_path), "SP005")] == ["POT"]


def test_proposed_spec_ending_on_as_of_date_is_still_in_force(tmp_path):
    t = base_tables()
    t["specifications"].loc[1, "effective_to"] = pd.Timestamp(AS_OF)  # interval includes both ends
    assert findings(audit(t, tmp_path), "SP005") == []
