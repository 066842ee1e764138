"""Tests for cmcready.stats.bland_altman.

Published reference: Bland JM, Altman DG. Statistical methods for assessing
agreement between two methods of clinical measurement. Lancet 1986;i:307-310,
Table 1 (peak expiratory flow rate, l/min, first reading with the large Wright
and the mini Wright meter, 17 subjects) and the worked numbers in the text:
mean difference (large - mini) -2.1, SD 38.8, limits with 2 SD -79.7 to 75.5,
SE of the mean difference 9.4, SE of a limit 16.3, t(16) = 2.12, 95% CI of the
lower limit -114.3 to -45.1.  The proportional-bias regression is checked
against statsmodels OLS (independent implementation).
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from cmcready.stats.bland_altman import BlandAltmanResult, bland_altman

# Bland & Altman (1986), Table 1, first measurement of each meter (l/min).
WRIGHT_LARGE = np.array(
    [494, 395, 516, 434, 476, 557, 413, 442, 650, 433, 417, 656, 267, 478, 178, 423, 427],
    dtype=float,
)
WRIGHT_MINI = np.array(
    [512, 430, 520, 428, 500, 600, 364, 380, 658, 445, 432, 626, 260, 477, 259, 350, 451],
    dtype=float,
)


def test_pefr_worked_example():
    # The paper's differences are large - mini, i.e. y = large meter, x = mini meter.
    r = bland_altman(x=WRIGHT_MINI, y=WRIGHT_LARGE)
    assert r.n == 17
    assert r.bias == pytest.approx(-2.1, abs=0.05)  # Lancet 1986: mean difference -2.1
    assert r.sd == pytest.approx(38.8, abs=0.05)  # Lancet 1986: SD 38.8
    # The paper's limits use 2 SD and the rounded mean and SD: -79.7 to 75.5.
    assert round(r.bias, 1) - 2 * round(r.sd, 1) == pytest.approx(-79.7, abs=1e-9)
    assert round(r.bias, 1) + 2 * round(r.sd, 1) == pytest.approx(75.5, abs=1e-9)
    # CI half-widths: 2.12 x 9.4 for the mean difference, 2.12 x 16.3 for a limit
    # (lower limit CI -114.3 to -45.1 = -79.7 -/+ 34.6).
    assert (r.bias_ci[1] - r.bias_ci[0]) / 2 == pytest.approx(2.12 * 9.4, abs=0.05)
    assert (r.loa_lower_ci[1] - r.loa_lower_ci[0]) / 2 == pytest.approx(34.6, abs=0.1)
    assert (r.loa_upper_ci[1] - r.loa_upper_ci[0]) / 2 == pytest.approx(34.6, abs=0.1)
    # This module uses 1.96 SD for the limits.
    assert r.loa_lower == pytest.approx(r.bias - 1.96 * r.sd, rel=1e-14)
    assert r.loa_upper == pytest.approx(r.bias + 1.96 * r.sd, rel=1e-14)
    assert np.mean(r.loa_lower_ci) == pytest.approx(r.loa_lower, rel=1e-12)


def test_direction_is_y_minus_x():
    r = bland_altman(x=WRIGHT_LARGE, y=WRIGHT_MINI)
    assert r.bias == pytest.approx(2.1, abs=0.05)  # mini - large = +2.1
    np.testing.assert_array_equal(r.differences, WRIGHT_MINI - WRIGHT_LARGE)
    np.testing.assert_array_equal(r.means, (WRIGHT_MINI + WRIGHT_LARGE) / 2)


@pytest.mark.parametrize("alpha", [0.05, 0.10])
def test_proportional_bias_matches_statsmodels_ols(alpha):
    r = bland_altman(x=WRIGHT_MINI, y=WRIGHT_LARGE, alpha=alpha)
    means = (WRIGHT_MINI + WRIGHT_LARGE) / 2
    ols = sm.OLS(WRIGHT_LARGE - WRIGHT_MINI, sm.add_constant(means)).fit()
    assert r.proportional_intercept == pytest.approx(ols.params[0], rel=1e-10)
    assert r.proportional_slope == pytest.approx(ols.params[1], rel=1e-10)
    assert r.proportional_p_value == pytest.approx(ols.pvalues[1], rel=1e-8)
    assert r.proportional_slope_ci == pytest.approx(tuple(ols.conf_int(alpha)[1]), rel=1e-9)
    assert r.proportional_bias == (ols.pvalues[1] < alpha)


def test_proportional_bias_is_detected():
    x = np.linspace(10.0, 100.0, 30)
    y = 1.10 * x + np.tile([0.5, -0.5, 0.2], 10)  # 10 % proportional error
    r = bland_altman(x=x, y=y)
    assert r.proportional_bias
    assert r.proportional_slope_ci[0] > 0.0


def test_percent_differences():
    x = np.array([10.0, 20.0, 40.0])
    y = np.array([11.0, 18.0, 44.0])
    r = bland_altman(x=x, y=y, percent=True)
    # 100*(y-x)/((x+y)/2): 100*1/10.5, 100*(-2)/19, 100*4/42
    expected = np.array([100.0 / 10.5, -200.0 / 19.0, 400.0 / 42.0])
    np.testing.assert_allclose(r.differences, expected, rtol=1e-14)
    assert r.bias == pytest.approx(np.mean(expected), rel=1e-14)
    assert r.sd == pytest.approx(np.std(expected, ddof=1), rel=1e-14)
    assert r.percent


# ----------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------

_pairs = st.integers(min_value=3, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(1.0, 1000.0), min_size=n, max_size=n),
        st.lists(st.floats(-0.2, 0.2), min_size=n, max_size=n),
    )
)


def _data(pairs):
    base, rel = pairs
    x = np.array(base)
    y = x * (1.0 + np.array(rel))
    return x, y


@settings(max_examples=80, deadline=None)
@given(_pairs)
def test_swapping_methods_negates_bias_and_limits(pairs):
    x, y = _data(pairs)
    a = bland_altman(x=x, y=y)
    b = bland_altman(x=y, y=x)
    assert b.bias == pytest.approx(-a.bias, rel=1e-9, abs=1e-9)
    assert b.sd == pytest.approx(a.sd, rel=1e-9, abs=1e-12)
    assert b.loa_lower == pytest.approx(-a.loa_upper, rel=1e-9, abs=1e-9)
    assert b.loa_upper == pytest.approx(-a.loa_lower, rel=1e-9, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(_pairs, st.floats(1e-3, 1e3))
def test_units(pairs, scale):
    x, y = _data(pairs)
    a = bland_altman(x=x, y=y)
    b = bland_altman(x=scale * x, y=scale * y)
    assert b.bias == pytest.approx(scale * a.bias, rel=1e-7, abs=1e-9 * scale)
    assert b.sd == pytest.approx(scale * a.sd, rel=1e-7, abs=1e-9 * scale)
    assert b.loa_upper_ci[1] == pytest.approx(
        scale * a.loa_upper_ci[1], rel=1e-7, abs=1e-9 * scale
    )
    # percentage differences do not depend on the unit at all
    p = bland_altman(x=x, y=y, percent=True)
    q = bland_altman(x=scale * x, y=scale * y, percent=True)
    assert q.bias == pytest.approx(p.bias, rel=1e-9, abs=1e-9)
    assert q.sd == pytest.approx(p.sd, rel=1e-7, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(_pairs, st.floats(-500.0, 500.0))
def test_common_offset_changes_nothing(pairs, offset):
    x, y = _data(pairs)
    a = bland_altman(x=x, y=y)
    b = bland_altman(x=x + offset, y=y + offset)
    assert b.bias == pytest.approx(a.bias, rel=1e-6, abs=1e-9)
    assert b.sd == pytest.approx(a.sd, rel=1e-6, abs=1e-9)


# ----------------------------------------------------------------------------
# Bad arguments
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0]),  # length mismatch
        dict(x=[1.0, 2.0], y=[1.1, 2.1]),  # n < 3
        dict(x=[1.0, np.nan, 3.0], y=[1.0, 2.0, 3.0]),  # NaN
        dict(x=[1.0, 2.0, 3.0], y=[1.0, np.inf, 3.0]),  # inf
        dict(x=[1.0, 2.0, 3.0], y=[1.1, 2.1, 3.3], alpha=0.0),
        dict(x=[1.0, 2.0, 3.0], y=[1.1, 2.1, 3.3], alpha=1.0),
        dict(x=[1.0, 2.0, 3.0], y=[1.1, 2.1, 3.3], percent="yes"),
        dict(x=[-1.0, 2.0, 3.0], y=[1.0, 2.1, 3.3], percent=True),  # zero pair mean
    ],
)
def test_bad_arguments_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        bland_altman(**kwargs)


def test_result_is_frozen():
    r = bland_altman(x=WRIGHT_MINI, y=WRIGHT_LARGE)
    assert isinstance(r, BlandAltmanResult)
    with pytest.raises(AttributeError):
        r.bias = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        r.differences[0] = 0.0  # read-only
