"""MS001: the commercial process's manufacturing success rate and its Clopper–Pearson lower bound.

Expected intervals come from an independent implementation,
scipy.stats.binomtest(x, n).proportion_ci(method="exact"), called beside each assertion.
"""

from __future__ import annotations

import pytest
from scipy import stats

from cmcready.config import parse_config
from tests.builders import D, audit, base_tables, findings
from tests.rules.process_builders import lot_ids, with_lots, with_v2

# The base program: 22 released clinical lots of v1 (the commercial process).


def extra_lots(tables, statuses: dict[str, int], *, version: str = "v1", purpose: str = "clinical",
               prefix: str = "X"):
    rows, i = [], 0
    for status, count in statuses.items():
        for _ in range(count):
            i += 1
            rows.append({"lot_id": f"{prefix}-{i:03d}", "process_version": version, "purpose": purpose,
                         "manufacture_date": D("2024-01-08"), "status": status,
                         "failure_reason": None if status == "released" else "low expansion"})
    return with_lots(tables, rows)


def autologous(tables):
    tables["program"] = tables["program"].assign(modality="autologous_cell")
    return tables


def exact_ci(x, n):
    ci = stats.binomtest(x, n).proportion_ci(method="exact")
    return pytest.approx([ci.low, ci.high], rel=1e-9)


def releasing_75_percent():
    # 22 + 2 released, 5 failed_manufacture, 3 rejected: 24 / 32 = 0.75
    return autologous(extra_lots(base_tables(), {"released": 2, "failed_manufacture": 5, "rejected": 3}))


def test_autologous_program_releasing_under_80_percent_is_critical_with_exact_interval(tmp_path):
    [f] = findings(audit(releasing_75_percent(), tmp_path), "MS001")
    assert f.severity == "critical"
    assert f.subjects == {"process_version": "v1"}
    assert (f.evidence["released"], f.evidence["attempted"]) == (24, 32)
    assert (f.evidence["failed_manufacture"], f.evidence["rejected"]) == (5, 3)
    assert f.evidence["success_rate"] == 0.75
    # scipy.stats.binomtest(24, 32).proportion_ci(method="exact") = (0.565950625..., 0.885383994...)
    assert f.evidence["ci"] == exact_ci(24, 32)
    assert f.evidence["ci"][0] == pytest.approx(0.5659506, abs=1e-7)
    assert (f.evidence["min_rate"], f.evidence["min_lower_bound"], f.evidence["critical_rate"]) == (0.9, 0.8, 0.8)
    assert f.evidence["failed_lot_ids"] == [f"X-{i:03d}" for i in range(3, 11)]
    assert f.evidence["failure_reasons"] == {"low expansion": 8}
    # (24 + m) / (32 + m) ≥ 0.9 needs m ≥ 48; 72 / 80 has exact lower bound 0.81 ≥ 0.8
    assert "48 more released in a row" in f.action
    assert f.due_date is None


def test_rate_above_90_percent_with_low_lower_bound_is_major(tmp_path):
    # 22 released, 2 failed: 22 / 24 = 0.9167 ≥ 0.9, but the exact lower bound is 0.730 < 0.8
    tables = extra_lots(base_tables(), {"failed_manufacture": 2})
    [f] = findings(audit(tables, tmp_path), "MS001")
    assert f.severity == "major"
    assert f.evidence["success_rate"] == pytest.approx(22 / 24)
    assert f.evidence["ci"] == exact_ci(22, 24)
    assert f.evidence["ci"][0] < 0.8


def test_rate_of_exactly_90_percent_with_lower_bound_above_80_percent_passes(tmp_path):
    # 22 + 68 released, 10 failed: 90 / 100 = 0.90 (not below); exact lower bound 0.8238 ≥ 0.8
    assert stats.binomtest(90, 100).proportion_ci(method="exact").low > 0.8
    tables = extra_lots(base_tables(), {"released": 68, "failed_manufacture": 10})
    assert findings(audit(tables, tmp_path), "MS001") == []


def test_rate_of_exactly_80_percent_is_major_not_critical(tmp_path):
    # 22 + 2 released, 6 rejected: 24 / 30 = 0.80, not below the critical rate
    tables = extra_lots(base_tables(), {"released": 2, "rejected": 6})
    [f] = findings(audit(tables, tmp_path), "MS001")
    assert f.severity == "major"
    assert f.evidence["success_rate"] == pytest.approx(0.8)


def test_only_clinical_and_commercial_lots_and_no_in_process_lots_count(tmp_path):
    tables = extra_lots(base_tables(), {"failed_manufacture": 10}, purpose="engineering", prefix="E")
    tables = extra_lots(tables, {"rejected": 4}, purpose="development", prefix="D")
    tables = extra_lots(tables, {"in_process": 5})
    assert findings(audit(tables, tmp_path), "MS001") == []  # 22 / 22


def test_commercial_lots_count(tmp_path):
    tables = extra_lots(base_tables(), {"failed_manufacture": 6}, purpose="commercial")
    [f] = findings(audit(tables, tmp_path), "MS001")
    assert (f.evidence["released"], f.evidence["attempted"]) == (22, 28)
    assert f.severity == "critical"  # 22 / 28 = 0.786 < 0.8


def test_modality_override_applies_to_its_modality(tmp_path):
    config = parse_config({"modality": {"autologous_cell": {"MS001": {
        "min_rate": 0.7, "min_lower_bound": 0.5, "critical_rate": 0.6}}}})
    # autologous: 0.75 ≥ 0.7 and lower bound 0.566 ≥ 0.5
    assert findings(audit(releasing_75_percent(), tmp_path / "auto", config=config), "MS001") == []
    # the same record as an allogeneic program keeps the defaults
    tables = releasing_75_percent()
    tables["program"] = tables["program"].assign(modality="allogeneic_cell")
    [f] = findings(audit(tables, tmp_path / "allo", config=config), "MS001")
    assert f.severity == "critical"
    assert f.evidence["min_rate"] == 0.9


def test_only_the_commercial_process_is_judged(tmp_path):
    # v1 fails 8 of 32; commercial v2 made L-017..L-022: 6 / 6 released, exact lower bound
    # 0.025 ** (1 / 6) = 0.5407 < 0.8, so MS001 fires for v2 (major), never for v1
    tables = with_v2(releasing_75_percent(), change_date=D("2023-08-14"), v2_lots=lot_ids(17, 22))
    [f] = findings(audit(tables, tmp_path), "MS001")
    assert f.subjects == {"process_version": "v2"}
    assert f.severity == "major"
    assert (f.evidence["released"], f.evidence["attempted"]) == (6, 6)
    assert f.evidence["ci"][0] == pytest.approx(0.025 ** (1 / 6))
    assert "Investigate" not in f.action  # no failure to investigate


def test_commercial_process_without_attempts_is_not_evaluated(tmp_path):
    tables = with_v2(base_tables(), change_date=D("2024-07-01"))
    tables = extra_lots(tables, {"in_process": 2}, version="v2")
    assert findings(audit(tables, tmp_path), "MS001") == []


def test_base_program_passes(tmp_path):
    # 22 / 22: exact lower bound 0.025 ** (1 / 22) = 0.8456 ≥ 0.8
    assert findings(audit(base_tables(), tmp_path), "MS001") == []
