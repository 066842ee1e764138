"""MS002: the commercial process succeeds less often than the previous version (one-sided Fisher)."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from tests.builders import D, audit, base_tables, findings
from tests.rules.process_builders import with_change, with_lots, with_v2, with_version


def version_lots(tables, version: str, released: int, failed: int, made=D("2024-02-05")):
    statuses = ["released"] * released + ["failed_manufacture"] * failed
    return with_lots(tables, [{"lot_id": f"{version}-{i + 1:03d}", "process_version": version, "purpose": "commercial",
                               "manufacture_date": made, "status": s} for i, s in enumerate(statuses)])


def commercial_v2(released: int, failed: int):
    # v1: the base program's 22 released lots; v2 (from 2024-01-01, commercial) makes new lots
    return version_lots(with_v2(base_tables(), change_date=D("2024-01-01")), "v2", released, failed)


def test_significantly_lower_commercial_rate_fires(tmp_path):
    [f] = findings(audit(commercial_v2(10, 10), tmp_path), "MS002")
    assert f.severity == "major"
    assert f.subjects == {"process_version": "v2"}
    assert (f.evidence["commercial_released"], f.evidence["commercial_attempted"]) == (10, 20)
    assert (f.evidence["previous_released"], f.evidence["previous_attempted"]) == (22, 22)
    assert f.evidence["previous_process"] == "v1"
    assert (f.evidence["commercial_success_rate"], f.evidence["previous_success_rate"]) == (0.5, 1.0)
    # Table [[10, 10], [22, 0]]: 42 lots, 32 released; v2 draws 20. P(X ≤ 10) = P(X = 10)
    # = C(32, 10)·C(10, 10) / C(42, 20) = 1.2556e-4 (also scipy.stats.hypergeom.cdf(10, 42, 32, 20))
    hand = math.comb(32, 10) * math.comb(10, 10) / math.comb(42, 20)
    assert f.evidence["p_value"] == pytest.approx(hand, rel=1e-9)
    assert f.evidence["p_value"] == pytest.approx(stats.hypergeom.cdf(10, 42, 32, 20), rel=1e-9)
    assert f.evidence["alpha"] == 0.05
    assert f.due_date is None


def test_lower_but_not_significant_rate_does_not_fire(tmp_path):
    # [[20, 1], [22, 0]]: p = 1 − C(42, 21) / C(43, 21) = 1 − 22/43 = 21/43 = 0.488 ≥ 0.05
    assert findings(audit(commercial_v2(20, 1), tmp_path), "MS002") == []


def test_higher_commercial_rate_does_not_fire(tmp_path):
    # v1 22 / 32 (10 failed lots added), v2 10 / 10
    tables = version_lots(base_tables(), "v1", 0, 10, made=D("2023-06-01"))
    tables = version_lots(with_v2(tables, change_date=D("2024-01-01")), "v2", 10, 0)
    assert findings(audit(tables, tmp_path), "MS002") == []


def three_versions(with_v1_to_v3_change: bool):
    # v1 22/22, v2 2/10 (from 2023-12-01), v3 10/20 (from 2024-01-01, commercial)
    tables = with_version(base_tables(), "v2", effective=D("2023-12-01"), commercial=False)
    tables = version_lots(tables, "v2", 2, 8, made=D("2023-12-04"))
    tables = with_version(tables, "v3", effective=D("2024-01-01"))
    tables = version_lots(tables, "v3", 10, 10)
    if with_v1_to_v3_change:
        tables = with_change(tables, change_id="PC-2", from_version="v1", to_version="v3",
                             change_date=D("2024-01-01"))
    return tables


def test_previous_version_is_the_from_version_of_the_change_to_the_commercial_process(tmp_path):
    [f] = findings(audit(three_versions(True), tmp_path), "MS002")
    assert f.evidence["previous_process"] == "v1"


def test_without_a_change_row_the_previous_version_is_the_next_earlier_one(tmp_path):
    # previous = v2 (2/10 = 0.2), below v3's 10/20 = 0.5: no finding
    assert findings(audit(three_versions(False), tmp_path), "MS002") == []


def test_single_version_no_finding(tmp_path):
    assert findings(audit(base_tables(), tmp_path), "MS002") == []
