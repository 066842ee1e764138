"""The audit JSON's ``bridging`` block against an independent calculation.

The Deming line is recomputed from the textbook formula (and checked by direct
minimisation of the Deming criterion), the jackknife by an explicit leave-one-out loop
(tests/analysis/bridging_by_hand.py), and the bias at each limit at X = (L − b0)/b1 for a
specification on the new method.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cmcready.report.json_out import audit_json, dumps
from tests.analysis.bridging_by_hand import deming_line, deming_line_by_optimisation, jackknife_ci
from tests.builders import audit
from tests.rules.am_builders import (BRIDGE_N, bridge_new, bridge_old, bridge_rows, method_change_tables,
                                     with_bridge_rows, with_study)

X = [bridge_old(k) for k in range(BRIDGE_N)]
Y = [bridge_new(k) for k in range(BRIDGE_N)]


def block(tables, tmp_path) -> dict:
    payload = audit_json(audit(tables, tmp_path))
    json.loads(dumps(payload))  # plain JSON: no NaN or Infinity
    return payload["bridging"]


@pytest.mark.parametrize("error_ratio", [1.0, 2.0])
def test_block_numbers_equal_an_independent_calculation(tmp_path, error_ratio):
    b = block(with_study(method_change_tables(), error_ratio=error_ratio), tmp_path)["BR-1"]
    b0, b1 = deming_line(X, Y, error_ratio)
    o0, o1 = deming_line_by_optimisation(X, Y, error_ratio)
    assert (b1, b0) == pytest.approx((o1, o0), rel=1e-6)
    _, slope_ci = jackknife_ci(X, Y, lambda a0, a1: a1, error_ratio)
    _, intercept_ci = jackknife_ci(X, Y, lambda a0, a1: a0, error_ratio)

    assert b["n_pairs"] == 24
    assert b["error_ratio"] == error_ratio
    assert (b["old_method"], b["new_method"], b["attribute_id"]) == ("M-OLD", "M-NEW", "POT")
    assert b["slope"] == pytest.approx(b1, rel=1e-12)
    assert b["intercept"] == pytest.approx(b0, rel=1e-10)
    assert b["slope_ci"] == pytest.approx(list(slope_ci), rel=1e-10)
    assert b["intercept_ci"] == pytest.approx(list(intercept_ci), rel=1e-9)

    for name, limit in (("lower", 50.0), ("upper", 150.0)):
        level = (limit - b0) / b1  # the old-method value whose converted value is the limit
        bias, ci = jackknife_ci(X, Y, lambda a0, a1, at=level: a0 + (a1 - 1) * at, error_ratio)
        assert bias == pytest.approx(level * (b1 - 1) + b0)
        assert b["old_value_at_limits"][name] == pytest.approx(level, rel=1e-12)
        assert b["bias_at_limits"][name] == pytest.approx(bias, rel=1e-9)
        # new minus old at X: the limit itself minus X
        assert b["bias_at_limits"][name] == pytest.approx(limit - level, rel=1e-9)
        assert b["bias_ci_at_limits"][name] == pytest.approx(list(ci), rel=1e-9)
        assert b["bias_pct_at_limits"][name] == pytest.approx(100 * bias / level, rel=1e-9)
    assert b["spec_method"] == "M-NEW"
    assert b["proposed_limits"] == {"lower": 50.0, "upper": 150.0}
    assert b["bias_note"] is None


def test_block_with_the_spec_on_the_old_method_uses_the_limits_themselves(tmp_path):
    t = method_change_tables()
    spec = t["specifications"].copy()
    spec.loc[spec["kind"] == "proposed_commercial", "method_id"] = "M-OLD"
    t["specifications"] = spec
    b = block(t, tmp_path)["BR-1"]
    b0, b1 = deming_line(X, Y)
    assert b["old_value_at_limits"] == {"lower": 50.0, "upper": 150.0}
    # b0 + (b1 - 1) * 50 and b0 + (b1 - 1) * 150
    assert b["bias_at_limits"]["lower"] == pytest.approx(b0 + (b1 - 1) * 50.0, rel=1e-9)
    assert b["bias_at_limits"]["upper"] == pytest.approx(b0 + (b1 - 1) * 150.0, rel=1e-9)


def test_block_of_a_study_without_a_fit_has_nulls(tmp_path):
    b = block(with_bridge_rows(method_change_tables(), bridge_rows(n=2)), tmp_path)["BR-1"]
    assert b["n_pairs"] == 2
    assert (b["slope"], b["slope_ci"], b["intercept"], b["intercept_ci"]) == (None, None, None, None)
    assert b["bias_at_limits"] is None  # not evaluated: null as a whole
    assert "2 paired samples" in b["fit_note"]


def test_block_has_null_bias_without_a_proposed_spec(tmp_path):
    t = method_change_tables()
    t["specifications"] = t["specifications"].loc[t["specifications"]["kind"] == "release"].reset_index(drop=True)
    b = block(t, tmp_path)["BR-1"]
    assert b["slope"] == pytest.approx(deming_line(X, Y)[1], rel=1e-12)
    assert b["bias_at_limits"] is None  # not evaluated: null as a whole
    assert b["bias_ci_at_limits"] is None
    assert "no proposed commercial specification" in b["bias_note"]


def test_block_lists_every_study_and_nothing_without_studies(tmp_path):
    assert block(method_change_tables(bridged=False), tmp_path) == {}
    t = method_change_tables()
    t["bridging_studies"] = pd.concat([t["bridging_studies"], t["bridging_studies"].assign(
        bridging_study_id="BR-0")], ignore_index=True)
    assert list(block(t, tmp_path / "two")) == ["BR-0", "BR-1"]
