"""PR002: pivotal lots from several process versions, a pair without a comparability study."""

from __future__ import annotations

from tests.builders import D, audit, base_tables, findings
from tests.rules.process_builders import lot_ids, with_change, with_comparability, with_v2, with_version


def two_versions():
    # v1 made L-001..L-016, v2 (from 2023-08-01) made L-017..L-022
    return with_v2(base_tables(), change_date=D("2023-08-01"), v2_lots=lot_ids(17, 22))


def three_versions():
    # v3 (from 2023-09-20) made L-020..L-022 (L-020 made 2023-09-25): v1 16 lots, v2 3, v3 3
    tables = with_version(two_versions(), "v3", effective=D("2023-09-20"), lots=lot_ids(20, 22))
    return with_change(tables, change_id="PC-2", from_version="v2", to_version="v3", change_date=D("2023-09-20"))


def test_two_pivotal_versions_without_study_is_critical_with_all_pivotal_lots(tmp_path):
    [f] = findings(audit(two_versions(), tmp_path), "PR002")
    assert f.severity == "critical"
    assert f.subjects == {"lot_ids": lot_ids(1, 22)}
    assert f.evidence["versions"] == ["v1", "v2"]
    assert f.evidence["uncovered_pairs"] == [["v1", "v2"]]
    assert f.evidence["covered_pairs"] == []
    # one patient per lot in the base program
    assert f.evidence["pivotal_lots_by_version"] == {"v1": 16, "v2": 6}
    assert f.evidence["pivotal_patients_by_version"] == {"v1": 16, "v2": 6}
    assert f.due_date is None


def test_comparability_study_of_the_pair_clears_pr002(tmp_path):
    assert findings(audit(with_comparability(two_versions()), tmp_path), "PR002") == []


def test_study_in_reverse_order_covers_the_pair(tmp_path):
    tables = with_comparability(two_versions(), from_version="v2", to_version="v1")
    assert findings(audit(tables, tmp_path), "PR002") == []


def test_studies_do_not_chain_v1_v3_stays_uncovered(tmp_path):
    tables = with_comparability(three_versions(), "CS-1", from_version="v1", to_version="v2")
    tables = with_comparability(tables, "CS-2", from_version="v2", to_version="v3")
    [f] = findings(audit(tables, tmp_path), "PR002")
    assert f.evidence["versions"] == ["v1", "v2", "v3"]
    assert f.evidence["uncovered_pairs"] == [["v1", "v3"]]
    assert f.evidence["covered_pairs"] == [
        {"versions": ["v1", "v2"], "comparability_study_ids": ["CS-1"]},
        {"versions": ["v2", "v3"], "comparability_study_ids": ["CS-2"]},
    ]
    # v1 L-001..L-016, v2 L-017..L-019, v3 L-020..L-022
    assert f.evidence["pivotal_lots_by_version"] == {"v1": 16, "v2": 3, "v3": 3}


def test_version_not_given_to_pivotal_patients_does_not_count(tmp_path):
    # v2 exists and is commercial, but no pivotal lot was made with it
    tables = with_v2(base_tables(), change_date=D("2024-07-01"))
    assert findings(audit(tables, tmp_path), "PR002") == []


def test_single_version_no_finding(tmp_path):
    assert findings(audit(base_tables(), tmp_path), "PR002") == []
