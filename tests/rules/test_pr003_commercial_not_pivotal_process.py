"""PR003: the commercial process is not among the versions that made the most pivotal lots."""

from __future__ import annotations

import pandas as pd

from tests.builders import D, audit, base_tables, findings
from tests.rules.process_builders import lot_ids, with_comparability, with_v2


def v2_made(first: int, **kw):
    # v2 effective the day L-<first> was made (L-k made 2023-01-02 + 14·(k − 1) days), commercial
    day = D("2023-01-02") + pd.Timedelta(days=14 * (first - 1))
    return with_v2(base_tables(), change_date=day, v2_lots=lot_ids(first, 22), **kw)


def test_commercial_version_with_minority_of_pivotal_lots_is_critical(tmp_path):
    # v2 made L-017..L-022: 6 lots against v1's 16
    [f] = findings(audit(v2_made(17), tmp_path), "PR003")
    assert f.severity == "critical"
    assert f.subjects == {"process_version": "v2"}
    assert f.evidence["commercial_process"] == "v2"
    assert f.evidence["pivotal_lots_by_version"] == {"v1": 16, "v2": 6}
    assert (f.evidence["commercial_pivotal_lots"], f.evidence["top_pivotal_lots"]) == (6, 16)
    assert f.evidence["top_versions"] == ["v1"]
    assert f.evidence["total_pivotal_lots"] == 22
    assert f.evidence["comparability_study_ids"] == []
    assert f.due_date is None


def test_comparability_study_between_commercial_and_top_version_makes_it_major(tmp_path):
    [f] = findings(audit(with_comparability(v2_made(17)), tmp_path), "PR003")
    assert f.severity == "major"
    assert f.evidence["comparability_study_ids"] == ["CS-1"]


def test_tie_for_the_top_includes_the_commercial_process(tmp_path):
    # v2 made L-012..L-022: 11 lots, v1 made L-001..L-011: 11 lots
    assert findings(audit(v2_made(12), tmp_path), "PR003") == []


def test_commercial_version_with_majority_no_finding(tmp_path):
    # v2 made L-011..L-022: 12 lots against v1's 10
    assert findings(audit(v2_made(11), tmp_path), "PR003") == []


def test_commercial_defaults_to_the_latest_version(tmp_path):
    tables = v2_made(17)
    tables["program"] = tables["program"].assign(commercial_process_version=None)
    [f] = findings(audit(tables, tmp_path), "PR003")
    assert f.subjects == {"process_version": "v2"}


def test_commercial_version_with_no_pivotal_lot_fires(tmp_path):
    tables = with_v2(base_tables(), change_date=D("2024-07-01"))
    [f] = findings(audit(tables, tmp_path), "PR003")
    assert f.evidence["pivotal_lots_by_version"] == {"v1": 22}
    assert f.evidence["commercial_pivotal_lots"] == 0


def test_base_program_no_finding(tmp_path):
    assert findings(audit(base_tables(), tmp_path), "PR003") == []
