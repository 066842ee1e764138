"""The ``manufacturing`` block: every process version's attempts, releases and exact interval.

Expected intervals: scipy.stats.binomtest(x, n).proportion_ci(method="exact"), an independent
implementation, and the closed form lower = (alpha/2)^(1/n) for x = n (Clopper & Pearson 1934).
"""

from __future__ import annotations

import json

import pytest
from scipy import stats

from cmcready.analysis.manufacturing import manufacturing_block, manufacturing_outcomes, successes_needed
from cmcready.context import AuditContext
from cmcready.report.json_out import audit_json, dumps
from tests.builders import AS_OF, D, audit, base_tables, load
from tests.rules.process_builders import with_lots, with_version


def context(tables, tmp_path) -> AuditContext:
    return AuditContext(load(tables, tmp_path), as_of=AS_OF)


def mixed_record():
    # v1: 22 released clinical lots (base) + 3 failed_manufacture + 1 rejected clinical + 2 in_process
    #     + 4 failed engineering, 1 released ppq, 1 rejected development (not counted)
    # v2: 5 released commercial, 1 rejected commercial; v3: no lot at all
    tables = with_version(base_tables(), "v2", effective=D("2024-01-01"), commercial=False)
    tables = with_version(tables, "v3", effective=D("2024-06-01"))
    rows = ([("v1", "clinical", "failed_manufacture")] * 3 + [("v1", "clinical", "rejected")]
            + [("v1", "clinical", "in_process")] * 2 + [("v1", "engineering", "failed_manufacture")] * 4
            + [("v1", "ppq", "released"), ("v1", "development", "rejected")]
            + [("v2", "commercial", "released")] * 5 + [("v2", "commercial", "rejected")])
    return with_lots(tables, [{"lot_id": f"X-{i:03d}", "process_version": v, "purpose": p, "status": s,
                               "manufacture_date": D("2024-02-01") if v == "v1" else D("2024-03-01")}
                              for i, (v, p, s) in enumerate(rows)])


def test_block_lists_every_version_with_counts_and_exact_interval(tmp_path):
    block = manufacturing_block(context(mixed_record(), tmp_path))
    assert list(block) == ["v1", "v2", "v3"]
    v1 = block["v1"]
    # attempted = 22 released + 3 failed + 1 rejected = 26; in_process and other purposes left out
    assert (v1["attempted"], v1["released"], v1["failed_manufacture"], v1["rejected"], v1["in_process"]) == (
        26, 22, 3, 1, 2)
    assert v1["success_rate"] == pytest.approx(22 / 26)
    ci = stats.binomtest(22, 26).proportion_ci(method="exact")
    assert v1["ci"] == pytest.approx([ci.low, ci.high], rel=1e-9)
    v2 = block["v2"]
    assert (v2["attempted"], v2["released"], v2["rejected"]) == (6, 5, 1)
    ci = stats.binomtest(5, 6).proportion_ci(method="exact")
    assert v2["ci"] == pytest.approx([ci.low, ci.high], rel=1e-9)


def test_version_without_attempts_has_null_rate_and_interval(tmp_path):
    v3 = manufacturing_block(context(mixed_record(), tmp_path))["v3"]
    assert v3 == {"attempted": 0, "released": 0, "success_rate": None, "ci": None,
                  "failed_manufacture": 0, "rejected": 0, "in_process": 0}


def test_all_released_interval_matches_the_closed_form(tmp_path):
    v1 = manufacturing_block(context(base_tables(), tmp_path))["v1"]
    # 22 / 22: lower = 0.025 ** (1 / 22) = 0.84563, upper = 1
    assert v1["success_rate"] == 1.0
    assert v1["ci"] == [pytest.approx(0.025 ** (1 / 22), rel=1e-12), 1.0]


def test_block_in_the_audit_json_is_plain(tmp_path):
    payload = json.loads(dumps(audit_json(audit(mixed_record(), tmp_path))))
    assert payload["manufacturing"]["v3"]["success_rate"] is None
    assert payload["manufacturing"]["v3"]["ci"] is None
    assert payload["manufacturing"]["v1"]["attempted"] == 26
    assert isinstance(payload["manufacturing"]["v1"]["success_rate"], float)


def test_outcomes_table_is_indexed_by_version_in_effective_date_order(tmp_path):
    out = manufacturing_outcomes(context(mixed_record(), tmp_path))
    assert list(out.index) == ["v1", "v2", "v3"]
    assert list(out.columns) == ["released", "failed_manufacture", "rejected", "in_process", "attempted"]


@pytest.mark.parametrize(("released", "attempted"), [(24, 32), (18, 20), (22, 24), (6, 6)])
def test_successes_needed_is_the_first_count_that_clears_both_thresholds(released, attempted):
    more = successes_needed(released, attempted, min_rate=0.9, min_lower_bound=0.8)

    def clears(m):  # judged with scipy's exact interval, independent of the code under test
        x, n = released + m, attempted + m
        return x / n >= 0.9 and stats.binomtest(x, n).proportion_ci(method="exact").low >= 0.8

    assert clears(more)
    assert more == 0 or not clears(more - 1)


def test_successes_needed_out_of_reach():
    # a failure already recorded can never give a 100% rate
    assert successes_needed(9, 10, min_rate=1.0, min_lower_bound=0.5) is None
    assert successes_needed(10, 10, min_rate=0.9, min_lower_bound=1.0) is None
