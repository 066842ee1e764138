"""AM004: the bias CI at a proposed limit leaves the study's acceptance band.

BR-1's line is about new = 0.904 + 1.0209·old; with the proposed 50–150 on M-NEW the
old-method values at the limits are X = (L − b0)/b1 ≈ 48.09 and 146.05, where the bias
b0 + (b1 − 1)·X is ≈ 1.91 (95% CI ≈ 1.40..2.42, i.e. 2.9%..5.0% of X) and ≈ 3.95
(CI ≈ 3.49..4.41, i.e. 2.4%..3.0%).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.analysis.bridging_by_hand import deming_line, jackknife_ci
from tests.builders import audit, findings
from tests.rules.am_builders import BRIDGE_N, bridge_new, bridge_old, method_change_tables, method_row, with_study

SUBJECTS = {"bridging_study_id": "BR-1", "attribute_id": "POT", "method_id": "M-NEW"}
X = [bridge_old(k) for k in range(BRIDGE_N)]
Y = [bridge_new(k) for k in range(BRIDGE_N)]


def by_hand(limit: float, spec_on_old: bool = False):
    """(X, bias, bias CI) at a limit, from the independent Deming line and jackknife loop."""
    b0, b1 = deming_line(X, Y)
    level = limit if spec_on_old else (limit - b0) / b1
    bias, ci = jackknife_ci(X, Y, lambda a0, a1: a0 + (a1 - 1) * level)
    return level, bias, ci


def test_absolute_criterion_fails_at_the_upper_limit_only(tmp_path):
    [f] = findings(audit(with_study(method_change_tables(), acceptance_max_bias=4.2), tmp_path), "AM004")
    assert f.severity == "critical"
    assert f.subjects == SUBJECTS
    assert f.evidence["failing_limits"] == ["upper"]
    assert f.evidence["acceptance_max_bias"] == 4.2
    assert f.evidence["acceptance_max_bias_pct"] is None
    lower, upper = f.evidence["limits"]
    level, bias, ci = by_hand(150.0)
    assert upper["limit"] == "upper" and upper["proposed_limit"] == 150.0
    assert upper["old_method_value"] == pytest.approx(level, rel=1e-10)
    assert upper["bias"] == pytest.approx(bias, rel=1e-9)
    assert upper["bias_ci"] == pytest.approx(list(ci), rel=1e-9)
    assert upper["bias_ci"][1] > 4.2  # ≈ 4.41
    assert (upper["within_max_bias"], upper["fails"]) == (False, True)
    assert upper["within_max_bias_pct"] is None
    assert (lower["within_max_bias"], lower["fails"]) == (True, False)
    assert "upper" in f.title and "lower" not in f.title
    assert "BR-1" in f.action
    assert f.due_date is None


def test_percent_criterion_fails_at_the_lower_limit_only(tmp_path):
    t = with_study(method_change_tables(), acceptance_max_bias=None, acceptance_max_bias_pct=3.1)
    [f] = findings(audit(t, tmp_path), "AM004")
    assert f.evidence["failing_limits"] == ["lower"]
    lower = f.evidence["limits"][0]
    level, bias, ci = by_hand(50.0)
    # percent of the old-method value X ≈ 48.09: CI ≈ 2.9%..5.0%, beyond 3.1%
    assert lower["bias_pct"] == pytest.approx(100 * bias / level, rel=1e-9)
    assert lower["bias_pct_ci"] == pytest.approx([100 * ci[0] / level, 100 * ci[1] / level], rel=1e-9)
    assert lower["within_max_bias_pct"] is False
    assert lower["within_max_bias"] is None
    assert f.evidence["limits"][1]["within_max_bias_pct"] is True  # ≈ 2.4%..3.0%


def test_with_both_criteria_leaving_either_band_fails(tmp_path):
    # ±10 holds at both limits; ±3.1% fails at the lower one
    t = with_study(method_change_tables(), acceptance_max_bias=10.0, acceptance_max_bias_pct=3.1)
    [f] = findings(audit(t, tmp_path), "AM004")
    lower = f.evidence["limits"][0]
    assert (lower["within_max_bias"], lower["within_max_bias_pct"]) == (True, False)


def test_both_criteria_met_gives_no_finding(tmp_path):
    t = with_study(method_change_tables(), acceptance_max_bias=10.0, acceptance_max_bias_pct=6.0)
    assert findings(audit(t, tmp_path), "AM004") == []


def test_ci_touching_the_band_passes_and_just_beyond_fails(tmp_path):
    _, _, ci = by_hand(150.0)
    edge = findings(audit(with_study(method_change_tables(), acceptance_max_bias=1.0), tmp_path),
                    "AM004")[0].evidence["limits"][1]["bias_ci"][1]
    assert edge == pytest.approx(ci[1], rel=1e-9)
    assert findings(audit(with_study(method_change_tables(), acceptance_max_bias=edge), tmp_path / "a"),
                    "AM004") == []
    below = math.nextafter(edge, 0.0)
    [f] = findings(audit(with_study(method_change_tables(), acceptance_max_bias=below), tmp_path / "b"), "AM004")
    assert f.evidence["failing_limits"] == ["upper"]


def _spec_on(t, method_id, lower=50.0, upper=150.0):
    spec = t["specifications"].copy()
    prop = spec["kind"] == "proposed_commercial"
    spec.loc[prop, ["method_id", "lower", "upper"]] = [method_id, lower, upper]
    t["specifications"] = spec
    return t


def test_spec_on_the_old_method_takes_the_bias_at_the_limit_itself(tmp_path):
    t = _spec_on(with_study(method_change_tables(), acceptance_max_bias=4.0), "M-OLD")
    [f] = findings(audit(t, tmp_path), "AM004")
    upper = f.evidence["limits"][1]
    _, bias, ci = by_hand(150.0, spec_on_old=True)
    assert upper["old_method_value"] == 150.0
    assert upper["bias"] == pytest.approx(bias, rel=1e-9)  # b0 + (b1 - 1) * 150 ≈ 4.03
    assert upper["bias_ci"] == pytest.approx(list(ci), rel=1e-9)
    assert f.evidence["spec_method"] == "M-OLD"


def test_one_sided_spec_is_judged_at_its_one_limit(tmp_path):
    t = _spec_on(with_study(method_change_tables(), acceptance_max_bias=1.0), "M-NEW", upper=np.nan)
    [f] = findings(audit(t, tmp_path), "AM004")
    assert [lim["limit"] for lim in f.evidence["limits"]] == ["lower"]
    assert f.evidence["failing_limits"] == ["lower"]


def test_not_evaluated_without_a_proposed_spec(tmp_path):
    t = with_study(method_change_tables(), acceptance_max_bias=0.01)
    t["specifications"] = t["specifications"].loc[t["specifications"]["kind"] == "release"].reset_index(drop=True)
    result = audit(t, tmp_path)
    assert findings(result, "AM004") == []
    assert result.bridging["BR-1"]["bias_at_limits"] is None


def test_not_evaluated_when_the_spec_method_has_no_path(tmp_path):
    t = with_study(method_change_tables(), acceptance_max_bias=0.01)
    t["methods"] = pd.concat([t["methods"], pd.DataFrame([method_row("M-3", "2024-01-01")])], ignore_index=True)
    t = _spec_on(t, "M-3")
    result = audit(t, tmp_path)
    assert findings(result, "AM004") == []
    assert result.bridging["BR-1"]["bias_at_limits"] is None
    assert "no bridging path" in result.bridging["BR-1"]["bias_note"]


def test_not_evaluated_without_a_criterion(tmp_path):
    t = with_study(method_change_tables(), acceptance_max_bias=None, acceptance_max_bias_pct=None)
    assert findings(audit(t, tmp_path), "AM004") == []


def test_a_late_criterion_is_still_judged(tmp_path):
    t = with_study(method_change_tables(), acceptance_max_bias=1.0, protocol_date=pd.Timestamp("2023-09-01"))
    result = audit(t, tmp_path)
    assert [f.code for f in result.findings if f.code in ("AM004", "AM005")] == ["AM004", "AM005"]
