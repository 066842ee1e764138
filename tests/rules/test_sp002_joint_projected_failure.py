import datetime as dt

import numpy as np
import pytest
from scipy import stats

from cmcready.config import parse_config
from cmcready.rules import references as ref
from tests.builders import audit, findings
from tests.spec_fixtures import (EXPIRED, INVENTORY, MID_DOSED, REJECTED, edge_dosed_program, lot,
                                 mid_range_program, normal_quantiles, normal_rate_outside, program)

N = 30
Z = np.array(normal_quantiles(N, 0.0, 1.0))
W = Z[[(7 * i) % N for i in range(N)]]  # a permutation of Z: partly independent of it
POT = 100 + 10 * Z
VIA = 85 + 4 * (0.8 * Z + 0.6 * W)  # correlation with POT about 0.84
IFN = np.exp(np.log(200.0) + 0.8 * W)  # log-normal, only weakly correlated with POT


def mvn_failure(columns, lowers, uppers) -> float:
    """1 - P(all inside) under the multivariate normal with the sample mean and covariance (scipy)."""
    data = np.column_stack(columns)
    dist = stats.multivariate_normal(data.mean(axis=0), np.cov(data, rowvar=False, ddof=1))
    return 1.0 - dist.cdf(np.array(uppers), lower_limit=np.array(lowers))


def only(result):
    fs = findings(result, "SP002")
    assert len(fs) == 1
    return fs[0]


def test_mid_range_dosing_is_critical_and_matches_the_single_attribute_rate(tmp_path):
    result = audit(mid_range_program(), tmp_path)
    f = only(result)
    assert f.severity == "critical"
    assert f.subjects == {}
    values = MID_DOSED + list(INVENTORY.values()) + list(EXPIRED.values()) + list(REJECTED.values())
    # one attribute: 1 - P(inside) = Phi((cmin - m)/s) + 1 - Phi((cmax - m)/s) = 0.4956
    expected = normal_rate_outside(values, min(MID_DOSED), max(MID_DOSED))
    rate = f.evidence["joint_projected_failure_rate"]
    assert abs(rate - expected) <= 4 * f.evidence["mc_se"]
    assert result.joint_projected_failure_rate == rate
    assert f.evidence["n_complete_lots"] == 27
    assert f.evidence["ci"][0] <= rate <= f.evidence["ci"][1]
    assert (f.evidence["min_rate"], f.evidence["critical_rate"]) == (0.05, 0.10)
    assert f.due_date == dt.date(2025, 6, 30)
    assert f.references == (ref.ICH_Q6B, ref.FDA_POTENCY_ASSURANCE, ref.APPROVABLE_RANGE_PRACTICE)


def _two_attribute_program(pot_limits, via_limits):
    lots = [lot(f"L-{i:03d}", POT=float(p), VIA=float(v)) for i, (p, v) in enumerate(zip(POT, VIA))]
    return program(lots, attributes=("POT", "VIA"), proposed={"POT": pot_limits, "VIA": via_limits})


def test_correlated_attributes_match_the_multivariate_normal_cdf_and_are_major(tmp_path):
    # Proposed limits inside the clinical ranges (POT 78.7–121.3, VIA 73.1–93.7), so the approvable
    # ranges are the proposed ones: POT 80–120, VIA 77–93.
    result = audit(_two_attribute_program((80.0, 120.0), (77.0, 93.0)), tmp_path)
    f = only(result)
    expected = mvn_failure([POT, VIA], [80.0, 77.0], [120.0, 93.0])  # 0.0825
    assert 0.05 <= expected < 0.10
    rate = f.evidence["joint_projected_failure_rate"]
    assert abs(rate - expected) <= 4 * f.evidence["mc_se"] + 1e-4
    assert f.severity == "major"
    attrs = {a["attribute_id"]: a for a in f.evidence["attributes"]}
    assert (attrs["POT"]["approvable_lower"], attrs["POT"]["approvable_upper"]) == (80.0, 120.0)
    assert (attrs["VIA"]["approvable_lower"], attrs["VIA"]["approvable_upper"]) == (77.0, 93.0)
    # each marginal alone is below the joint rate: the joint keeps both tails
    assert attrs["POT"]["marginal_rate"] == pytest.approx(normal_rate_outside(POT, 80.0, 120.0), rel=1e-9)
    assert max(attrs["POT"]["marginal_rate"], attrs["VIA"]["marginal_rate"]) < rate
    assert "POT" in f.action and "VIA" in f.action


def test_lognormal_attribute_is_modelled_on_the_log_scale(tmp_path):
    # IFN: Shapiro-Wilk rejects normality of the values, not of their logarithms
    assert stats.shapiro(IFN).pvalue < 0.05 <= stats.shapiro(np.log(IFN)).pvalue
    lots = [lot(f"L-{i:03d}", POT=float(p), IFN=float(v)) for i, (p, v) in enumerate(zip(POT, IFN))]
    t = program(lots, attributes=("POT", "IFN"), proposed={"POT": (80.0, 120.0), "IFN": (60.0, 700.0)})
    result = audit(t, tmp_path)
    f = only(result)
    attrs = {a["attribute_id"]: a for a in f.evidence["attributes"]}
    assert attrs["IFN"]["log_scale"] is True and attrs["POT"]["log_scale"] is False
    expected = mvn_failure([POT, np.log(IFN)], [80.0, np.log(60.0)], [120.0, np.log(700.0)])
    assert abs(f.evidence["joint_projected_failure_rate"] - expected) <= 4 * f.evidence["mc_se"] + 1e-4
    assert result.attributes["IFN"]["model"] == "lognormal"


def test_fewer_than_ten_complete_lots_is_not_estimable_and_no_finding(tmp_path):
    # 30 lots with POT, only 9 of them with VIA
    lots = [lot(f"L-{i:03d}", POT=float(p), **({"VIA": float(v)} if i < 9 else {}))
            for i, (p, v) in enumerate(zip(POT, VIA))]
    result = audit(program(lots, attributes=("POT", "VIA"), proposed={"POT": (80.0, 120.0), "VIA": (77.0, 93.0)}),
                   tmp_path)
    assert findings(result, "SP002") == []
    assert result.joint_projected_failure_rate is None


def test_lots_dosed_near_both_limits_give_no_sp002(tmp_path):
    result = audit(edge_dosed_program(), tmp_path)
    assert findings(result, "SP002") == []
    assert result.joint_projected_failure_rate < 0.05


def test_min_rate_threshold_is_configurable(tmp_path):
    # the joint rate of about 0.0825 is below a configured min_rate of 0.09
    result = audit(_two_attribute_program((80.0, 120.0), (77.0, 93.0)), tmp_path,
                   config=parse_config({"SP002": {"min_rate": 0.09}}))
    assert findings(result, "SP002") == []
    assert 0.05 < result.joint_projected_failure_rate < 0.09
