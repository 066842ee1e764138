"""AM007: potency of pivotal lots on an exploratory method; spec method of a CQA not validated."""

from __future__ import annotations

import pandas as pd

from tests.builders import AS_OF, D, audit, base_tables, findings, not_applicable
from tests.rules.am_builders import OLD_LOTS, method_change_tables, method_row


def _methods(t, old: dict | None = None, new: dict | None = None):
    t["methods"] = pd.DataFrame([method_row("M-OLD", "2022-01-01", "2023-05-31", **(old or {})),
                                 method_row("M-NEW", "2023-06-01", **({"validated": "2023-05-15"} | (new or {})))])
    return t


def test_validated_methods_pass(tmp_path):
    result = audit(method_change_tables(), tmp_path)
    assert findings(result, "AM007") == []
    assert "AM007" not in not_applicable(result)


def test_pivotal_potency_results_on_an_exploratory_method(tmp_path):
    t = _methods(method_change_tables(), old={"status": "exploratory", "validated": None})
    [f] = findings(audit(t, tmp_path), "AM007")
    assert f.severity == "major"
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-OLD", "lot_ids": OLD_LOTS}
    assert f.evidence["clause"] == "exploratory potency method on pivotal lots"
    assert f.evidence["n_pivotal_lots"] == 11
    assert f.evidence["exploratory_methods"] == [{"method_id": "M-OLD", "validation_status": "exploratory",
                                                  "lot_ids": OLD_LOTS, "n_lots": 11}]
    assert any("Potency Assurance" in r for r in f.references)


def test_qualified_method_on_pivotal_lots_is_not_exploratory(tmp_path):
    t = _methods(method_change_tables(), old={"status": "qualified", "validated": None})
    assert findings(audit(t, tmp_path), "AM007") == []


def test_exploratory_method_of_a_non_potency_attribute_is_not_clause_one(tmp_path):
    t = _methods(method_change_tables(), old={"status": "exploratory", "validated": None})
    t["attributes"] = t["attributes"].assign(category="viability")
    assert findings(audit(t, tmp_path), "AM007") == []


def test_exploratory_potency_on_non_pivotal_lots_only(tmp_path):
    t = _methods(method_change_tables(), old={"status": "exploratory", "validated": None})
    t["studies"] = pd.concat([t["studies"], pd.DataFrame([{
        "study_id": "P1", "phase": "1", "pivotal": False, "enrollment_start": D("2022-06-01"),
        "enrollment_end": D("2023-06-30")}])], ignore_index=True)
    adm = t["administrations"].copy()
    adm.loc[adm["lot_id"].isin(OLD_LOTS), "study_id"] = "P1"
    t["administrations"] = adm
    assert findings(audit(t, tmp_path), "AM007") == []


def test_clause_one_is_not_applicable_without_a_pivotal_study(tmp_path):
    t = _methods(method_change_tables(), old={"status": "exploratory", "validated": None})
    t["studies"] = t["studies"].assign(pivotal=False)
    result = audit(t, tmp_path)
    assert findings(result, "AM007") == []
    [na] = [n for n in result.not_applicable if n.code == "AM007"]
    assert "first clause" in na.reason and "no pivotal study" in na.reason


def test_clause_two_still_runs_without_a_pivotal_study(tmp_path):
    t = _methods(method_change_tables(), new={"status": "qualified", "validated": None})
    t["studies"] = t["studies"].assign(pivotal=False)
    result = audit(t, tmp_path)
    [f] = findings(result, "AM007")
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-NEW"}
    assert "AM007" in not_applicable(result)


def test_spec_method_not_validated(tmp_path):
    t = _methods(method_change_tables(), new={"status": "qualified", "validated": None})
    [f] = findings(audit(t, tmp_path), "AM007")
    assert f.severity == "major"
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-NEW"}
    assert f.evidence["clause"] == "spec method of a CQA not validated"
    assert f.evidence["validation_status"] == "qualified"
    assert f.evidence["validated_date"] is None
    assert "M-NEW" in f.action


def test_spec_method_validated_after_the_as_of_date(tmp_path):
    t = _methods(method_change_tables(), new={"validated": "2024-09-02"})
    [f] = findings(audit(t, tmp_path), "AM007")
    assert f.evidence["validated_date"] == "2024-09-02"
    assert f.evidence["as_of"] == AS_OF.isoformat()


def test_spec_method_validated_on_the_as_of_date_passes(tmp_path):
    t = _methods(method_change_tables(), new={"validated": AS_OF.isoformat()})
    assert findings(audit(t, tmp_path), "AM007") == []


def test_validated_without_a_date_counts_as_validated(tmp_path):
    t = _methods(method_change_tables(), new={"validated": None})
    assert findings(audit(t, tmp_path), "AM007") == []


def test_clause_two_skips_attributes_that_are_not_cqas(tmp_path):
    t = _methods(method_change_tables(), new={"status": "qualified", "validated": None})
    t["attributes"] = t["attributes"].assign(cqa=False)
    assert findings(audit(t, tmp_path), "AM007") == []


def test_both_clauses_give_two_findings(tmp_path):
    t = _methods(method_change_tables(), old={"status": "exploratory", "validated": None},
                 new={"status": "qualified", "validated": None})
    fs = findings(audit(t, tmp_path), "AM007")
    assert sorted(f.evidence["clause"] for f in fs) == ["exploratory potency method on pivotal lots",
                                                        "spec method of a CQA not validated"]


def test_due_dates_are_the_old_methods_in_use_to_while_it_is_still_in_use(tmp_path):
    # Clause 1: the exploratory method behind the pivotal data, still run until 2024-12-31.
    t = method_change_tables()
    t["methods"] = pd.DataFrame([method_row("M-OLD", "2022-01-01", "2024-12-31", status="exploratory", validated=None),
                                 method_row("M-NEW", "2023-06-01", validated="2023-05-15")])
    [f] = findings(audit(t, tmp_path / "one"), "AM007")
    assert f.evidence["clause"] == "exploratory potency method on pivotal lots"
    assert f.due_date == D("2024-12-31").date()
    # Clause 2: the spec method M-NEW is not validated; the method it replaces runs until the as-of date.
    t = method_change_tables()
    t["methods"] = pd.DataFrame([method_row("M-OLD", "2022-01-01", AS_OF.isoformat()),
                                 method_row("M-NEW", "2023-06-01", status="qualified", validated=None)])
    [f] = findings(audit(t, tmp_path / "two"), "AM007")
    assert f.evidence["clause"] == "spec method of a CQA not validated"
    assert f.due_date == AS_OF


def test_no_due_date_once_the_old_method_is_retired_or_when_there_is_none(tmp_path):
    t = _methods(method_change_tables(), old={"status": "exploratory", "validated": None})  # retired 2023-05-31
    [f] = findings(audit(t, tmp_path / "one"), "AM007")
    assert f.due_date is None
    t = base_tables()  # one method: the spec method replaces nothing
    t["methods"] = t["methods"].assign(validation_status="qualified", validated_date=None)
    [f] = findings(audit(t, tmp_path / "two"), "AM007")
    assert f.due_date is None
