"""Tests for cmcready.stats.logistic.

References: the CHDAGE example of Hosmer, Lemeshow and Sturdivant (2013),
Applied Logistic Regression, 3rd ed., Wiley, chapter 1 (Table 1.3: slope
0.111, SE 0.0241, intercept -5.309, SE 1.1337, log-likelihood -53.677; Wald
interval for the slope 0.064 to 0.158); statsmodels' GLM with a binomial
family (IRLS, a code path separate from Logit's Newton solver); and closed
forms for the Wald interval and p-value.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cmcready.stats.logistic import LogisticResult, logistic_slope

# CHDAGE (Hosmer, Lemeshow & Sturdivant 2013, Table 1.1): age in years and
# presence (1) / absence (0) of coronary heart disease for 100 subjects,
# listed by ID, as (age, chd) pairs.
CHDAGE = [
    (20, 0), (23, 0), (24, 0), (25, 0), (25, 1), (26, 0), (26, 0), (28, 0), (28, 0), (29, 0),
    (30, 0), (30, 0), (30, 0), (30, 0), (30, 0), (30, 1), (32, 0), (32, 0), (33, 0), (33, 0),
    (34, 0), (34, 0), (34, 1), (34, 0), (34, 0), (35, 0), (35, 0), (36, 0), (36, 1), (36, 0),
    (37, 0), (37, 1), (37, 0), (38, 0), (38, 0), (39, 0), (39, 1), (40, 0), (40, 1), (41, 0),
    (41, 0), (42, 0), (42, 0), (42, 0), (42, 1), (43, 0), (43, 0), (43, 1), (44, 0), (44, 0),
    (44, 1), (44, 1), (45, 0), (45, 1), (46, 0), (46, 1), (47, 0), (47, 0), (47, 1), (48, 0),
    (48, 1), (48, 1), (49, 0), (49, 0), (49, 1), (50, 0), (50, 1), (51, 0), (52, 0), (52, 1),
    (53, 1), (53, 1), (54, 1), (55, 0), (55, 1), (55, 1), (56, 1), (56, 1), (56, 1), (57, 0),
    (57, 0), (57, 1), (57, 1), (57, 1), (57, 1), (58, 0), (58, 1), (58, 1), (59, 1), (59, 1),
    (60, 0), (60, 1), (61, 1), (62, 1), (62, 1), (63, 1), (64, 0), (64, 1), (65, 1), (69, 1),
]  # fmt: skip
AGE = np.array([a for a, _ in CHDAGE], dtype=float)
CHD = np.array([c for _, c in CHDAGE])


def test_chdage_matches_hosmer_lemeshow():
    assert (AGE.size, CHD.sum()) == (100, 43)  # 43 subjects with CHD (HLS 2013, ch. 1)
    r = logistic_slope(x=AGE, responder=CHD)
    assert isinstance(r, LogisticResult)
    assert r.reason is None and (r.n, r.n_responders) == (100, 43)
    assert r.slope == pytest.approx(0.111, abs=5e-4)  # HLS 2013 Table 1.3, coefficient of AGE
    assert r.se == pytest.approx(0.0241, abs=5e-5)  # HLS 2013 Table 1.3, Std. Err. of AGE
    assert r.intercept == pytest.approx(-5.309, abs=5e-4)  # HLS 2013 Table 1.3, constant
    assert r.slope / r.se == pytest.approx(4.61, abs=5e-3)  # HLS 2013 Table 1.3, z
    assert r.p_value < 0.001  # HLS 2013 Table 1.3, p < 0.001
    assert r.ci == (pytest.approx(0.064, abs=5e-4), pytest.approx(0.158, abs=5e-4))  # HLS 2013 sec. 1.4


def _logistic_data(seed: int, n: int = 60, slope: float = 0.8):
    rng = np.random.default_rng(seed)
    x = rng.normal(5.0, 2.0, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(slope * (x - 5.0))))).astype(int)
    return x, y


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("alpha", [0.05, 0.10])
def test_matches_statsmodels_glm_binomial(seed, alpha):
    # Independent fit: GLM, binomial family, IRLS.
    x, y = _logistic_data(seed)
    glm = sm.GLM(y, sm.add_constant(x), family=sm.families.Binomial()).fit(tol=1e-13, maxiter=200)
    r = logistic_slope(x=x, responder=y, alpha=alpha)
    assert r.slope == pytest.approx(glm.params[1], rel=1e-6)
    assert r.se == pytest.approx(glm.bse[1], rel=1e-5)
    assert r.p_value == pytest.approx(glm.pvalues[1], rel=1e-4)
    lo, hi = glm.conf_int(alpha=alpha)[1]
    assert r.ci == (pytest.approx(lo, rel=1e-5), pytest.approx(hi, rel=1e-5))


def test_wald_interval_and_p_closed_form():
    x, y = _logistic_data(11)
    r = logistic_slope(x=x, responder=y, alpha=0.10)
    z = stats.norm.ppf(0.95)
    assert r.ci == (pytest.approx(r.slope - z * r.se, rel=1e-10), pytest.approx(r.slope + z * r.se, rel=1e-10))
    assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(r.slope) / r.se), rel=1e-10)


def test_bool_responder_accepted():
    x, y = _logistic_data(1)
    assert logistic_slope(x=x, responder=y.astype(bool)) == logistic_slope(x=x, responder=y)


@pytest.mark.parametrize(
    ("x", "y", "reason_start"),
    [
        (range(9), [0, 1] * 4 + [1], "only 9 observations; at least 10 needed"),
        (range(12), [1] * 12, "a single outcome class"),
        (range(12), [0] * 12, "a single outcome class"),
        ([3.0] * 12, [0, 1] * 6, "x is constant"),
        (range(12), [0] * 6 + [1] * 6, "complete separation"),
        (range(12), [1] * 6 + [0] * 6, "complete separation"),  # decreasing
        ([1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11], [0] * 5 + [1] * 7, "quasi-complete separation"),
        ([1, 2, 3, 4, 5, 5, 5, 7, 8, 9, 10, 11], [0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1], "quasi-complete separation"),
    ],
)
def test_no_slope_with_reason(x, y, reason_start):
    r = logistic_slope(x=list(x), responder=y)
    assert (r.slope, r.ci, r.p_value) == (None, None, None)
    assert r.reason.startswith(reason_start)


def test_overlap_of_two_points_still_fits():
    # One responder below one non-responder: the MLE exists and is finite.
    x = list(range(12))
    y = [0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1]
    r = logistic_slope(x=x, responder=y)
    design = sm.add_constant(np.array(x, float))
    glm = sm.GLM(np.array(y), design, family=sm.families.Binomial()).fit(tol=1e-13, maxiter=200)
    assert r.reason is None
    assert r.slope == pytest.approx(glm.params[1], rel=1e-5)


@settings(max_examples=30, deadline=None)
@given(a=st.floats(0.1, 10.0), b=st.floats(-100.0, 100.0), flip=st.booleans(), mirror=st.booleans())
def test_affine_and_relabelling_equivariance(a, b, flip, mirror):
    # x -> a x + b divides the slope by a; x -> -x or y -> 1 - y flips its
    # sign; the Wald p-value is unchanged (properties of the logistic MLE).
    x, y = _logistic_data(3)
    base = logistic_slope(x=x, responder=y)
    sign = (-1) ** (flip + mirror)
    x2 = (-1 if mirror else 1) * (a * x + b)
    y2 = 1 - y if flip else y
    r = logistic_slope(x=x2, responder=y2)
    assert r.slope == pytest.approx(sign * base.slope / a, rel=1e-5)
    assert r.p_value == pytest.approx(base.p_value, rel=1e-4)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"x": [1.0, 2.0, 3.0], "responder": [0, 1]},
        {"x": [1.0, 2.0, float("nan")], "responder": [0, 1, 0]},
        {"x": [1.0, 2.0, 3.0], "responder": [0, 2, 1]},
        {"x": [1.0, 2.0, 3.0], "responder": ["a", "b", "a"]},
        {"x": [[1.0, 2.0]], "responder": [[0, 1]]},
        {"x": list(range(12)), "responder": [0, 1] * 6, "alpha": 0.0},
    ],
)
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        logistic_slope(**kwargs)
