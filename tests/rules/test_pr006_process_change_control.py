"""PR006: lots made before their version took effect, versions or change rows outside change control."""

from __future__ import annotations

import pandas as pd

from tests.builders import D, audit, base_tables, findings
from tests.rules.process_builders import lot_ids, with_change, with_v2, with_version

CHANGE = D("2023-08-14")  # the day L-017 was made


def test_lot_made_before_its_version_took_effect(tmp_path):
    # v2 effective 2023-08-15, but L-017 (made 2023-08-14) is recorded as v2
    tables = with_v2(base_tables(), change_date=CHANGE + pd.Timedelta(days=1), v2_lots=lot_ids(17, 22))
    [f] = findings(audit(tables, tmp_path), "PR006")
    assert f.severity == "major"
    assert f.subjects == {"process_version": "v2", "lot_ids": ["L-017"]}
    assert f.evidence["effective_date"] == "2023-08-15"
    assert f.evidence["lots_made_before_effective_date"] == [{"lot_id": "L-017", "manufacture_date": "2023-08-14"}]
    assert f.evidence["has_change_leading_to_it"] is True
    assert f.due_date is None


def test_lot_made_on_the_effective_date_is_fine(tmp_path):
    tables = with_v2(base_tables(), change_date=CHANGE, v2_lots=lot_ids(17, 22))
    assert findings(audit(tables, tmp_path), "PR006") == []


def test_version_without_a_change_row_leading_to_it(tmp_path):
    tables = with_version(base_tables(), "v2", effective=CHANGE, lots=lot_ids(17, 22))
    [f] = findings(audit(tables, tmp_path), "PR006")
    assert f.subjects == {"process_version": "v2"}
    assert f.evidence["has_change_leading_to_it"] is False
    assert f.evidence["first_version"] == "v1"
    assert f.evidence["lots_made_before_effective_date"] == []


def test_both_version_gaps_make_one_finding(tmp_path):
    tables = with_version(base_tables(), "v2", effective=CHANGE + pd.Timedelta(days=1), lots=lot_ids(17, 22))
    [f] = findings(audit(tables, tmp_path), "PR006")
    assert f.subjects == {"process_version": "v2", "lot_ids": ["L-017"]}
    assert len(f.evidence["problems"]) == 2


def test_first_version_needs_no_change_row(tmp_path):
    # base: v1 alone, no process_changes rows
    assert findings(audit(base_tables(), tmp_path), "PR006") == []


def test_change_row_without_rationale(tmp_path):
    tables = with_v2(base_tables(), change_date=CHANGE, v2_lots=lot_ids(17, 22), rationale=None)
    [f] = findings(audit(tables, tmp_path), "PR006")
    assert f.subjects == {"change_id": "PC-1"}
    assert f.evidence["missing"] == ["rationale"]
    assert "PC-1" in f.action


def test_change_row_without_approval(tmp_path):
    tables = with_v2(base_tables(), change_date=CHANGE, v2_lots=lot_ids(17, 22), approved_by=None)
    tables["process_changes"] = tables["process_changes"].assign(approved_date=None)
    [f] = findings(audit(tables, tmp_path), "PR006")
    assert f.subjects == {"change_id": "PC-1"}
    assert f.evidence["missing"] == ["approved_by", "approved_date"]


def test_change_row_without_approval_date_only(tmp_path):
    tables = with_v2(base_tables(), change_date=CHANGE, v2_lots=lot_ids(17, 22))
    tables["process_changes"] = tables["process_changes"].assign(approved_date=None)
    [f] = findings(audit(tables, tmp_path), "PR006")
    assert f.evidence["missing"] == ["approved_date"]


def test_one_finding_per_change_row_in_date_order(tmp_path):
    tables = with_v2(base_tables(), change_date=CHANGE, v2_lots=lot_ids(17, 19), rationale=None)
    tables = with_version(tables, "v3", effective=D("2023-09-25"), lots=lot_ids(20, 22))
    tables = with_change(tables, change_id="PC-2", from_version="v2", to_version="v3",
                         change_date=D("2023-09-25"), approved_by=None)
    found = findings(audit(tables, tmp_path), "PR006")
    assert [f.subjects for f in found] == [{"change_id": "PC-1"}, {"change_id": "PC-2"}]
    assert [f.evidence["missing"] for f in found] == [["rationale"], ["approved_by"]]
