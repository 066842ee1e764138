"""Tests for cmcready.stats.tost (two one-sided t-tests for equivalence).

Reference numbers, each with its source beside it:

* NCSS documentation, "Two-Sample T-Test for Equivalence" example (YieldA vs
  YieldB, margins -/+110, alpha = 0.025 so the interval is 95 %), with the
  values asserted in the R package TOSTER, ``tests/testthat/test-NCSS1.R``
  ("NCSS TOST 198-1 to 197-8").
* R package TOSTER (D. Lakens), documented examples ``TOSTpaired.raw(n = 65,
  m1 = 5.83, m2 = 5.75, sd1 = 1.17, sd2 = 1.30, r12 = 0.745, -/+0.34)`` and
  ``TOSTtwo.raw(m1 = 5.25, m2 = 5.22, sd1 = 0.95, sd2 = 0.83, n1 = 95, n2 = 89,
  -/+0.384)`` (Welch), values asserted in ``tests/testthat/test-known_results.R``.
* statsmodels ``ttost_paired`` / ``ttost_ind`` (independent implementation).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.weightstats import ttost_ind, ttost_paired

from cmcready.stats.tost import (
    TostResult,
    tost_paired,
    tost_paired_from_summary,
    tost_two_sample,
    tost_two_sample_from_summary,
)

# NCSS example data (TOSTER tests/testthat/test-NCSS1.R).
YIELD_A = np.array([452, 874, 554, 447, 356, 754, 558, 574, 664, 682, 547, 435, 245], float)
YIELD_B = np.array(
    [546, 547, 774, 465, 459, 665, 467, 365, 589, 534, 456, 651, 654, 665, 546, 537], float
)

# Bland & Altman (1986) Lancet, Table 1: PEFR (l/min), large and mini Wright meters.
WRIGHT_LARGE = np.array(
    [494, 395, 516, 434, 476, 557, 413, 442, 650, 433, 417, 656, 267, 478, 178, 423, 427], float
)
WRIGHT_MINI = np.array(
    [512, 430, 520, 428, 500, 600, 364, 380, 658, 445, 432, 626, 260, 477, 259, 350, 451], float
)


def test_ncss_pooled_example():
    # difference = mean(YieldA) - mean(YieldB): y = YieldA, x = YieldB
    r = tost_two_sample(x=YIELD_B, y=YIELD_A, lower_margin=-110, upper_margin=110,
                        alpha=0.025, equal_var=True)
    assert r.method == "pooled"
    assert r.df == 27  # test-NCSS1.R: expect_equal(27, test1$TOST$df[1])
    assert r.se == pytest.approx(51.114285, rel=1e-7)  # test1$TOST$SE
    assert r.mean_difference == pytest.approx(-8.1153846, rel=1e-7)  # effsize$estimate
    assert r.ci[0] == pytest.approx(-112.99323, abs=5e-6)  # round(lower.ci, 5)
    assert r.ci[1] == pytest.approx(96.76246, abs=5e-6)  # round(upper.ci, 5)
    assert r.ci_level == pytest.approx(0.95)
    assert r.p_lower == pytest.approx(0.02821, abs=5e-6)  # round(TOST$p.value[2], 5)
    assert r.p_upper == pytest.approx(0.01436, abs=5e-6)  # round(TOST$p.value[3], 5)
    assert r.p_value == r.p_lower
    assert not r.equivalent  # p = 0.028 > 0.025


def test_ncss_welch_example():
    r = tost_two_sample(x=YIELD_B, y=YIELD_A, lower_margin=-110, upper_margin=110,
                        alpha=0.025, equal_var=False)
    assert r.method == "welch"
    assert r.df == pytest.approx(19.169, abs=5e-4)  # round(test2$TOST$df[1], 3)
    assert r.se == pytest.approx(53.618547, rel=1e-7)  # test2$TOST$SE
    assert r.mean_difference == pytest.approx(-8.1153846, rel=1e-7)
    assert r.ci[0] == pytest.approx(-120.27336, abs=5e-6)
    assert r.ci[1] == pytest.approx(104.04259, abs=5e-6)
    assert r.p_lower == pytest.approx(0.03628, abs=5e-6)
    assert r.p_upper == pytest.approx(0.02002, abs=5e-6)


def test_toster_paired_summary_example():
    # TOSTpaired.raw: sd of the differences from sd1, sd2 and r12; diff = m1 - m2.
    sd_diff = math.sqrt(1.17**2 + 1.30**2 - 2 * 0.745 * 1.17 * 1.30)
    r = tost_paired_from_summary(mean_difference=5.83 - 5.75, sd_difference=sd_diff, n=65,
                                 lower_margin=-0.34, upper_margin=0.34, alpha=0.05)
    assert r.df == 64  # TOSTER test-known_results.R
    assert r.t_lower == pytest.approx(3.803437, rel=1e-6)
    assert r.p_lower == pytest.approx(0.0001606103, rel=1e-6)
    assert r.t_upper == pytest.approx(-2.354508, rel=1e-6)
    assert r.p_upper == pytest.approx(0.01081349, rel=1e-6)
    assert r.ci == pytest.approx((-0.1043032, 0.2643032), rel=1e-6)  # 90 % CI
    assert r.equivalent


def test_toster_two_sample_welch_summary_example():
    # TOSTtwo.raw(m1=5.25, m2=5.22, ...): difference m1 - m2, so group 1 is y.
    r = tost_two_sample_from_summary(mean_x=5.22, sd_x=0.83, n_x=89, mean_y=5.25, sd_y=0.95,
                                     n_y=95, lower_margin=-0.384, upper_margin=0.384,
                                     alpha=0.05, equal_var=False)
    assert r.df == pytest.approx(181.1344, rel=1e-6)  # TOSTER test-known_results.R
    assert r.t_lower == pytest.approx(3.153015, rel=1e-6)
    assert r.p_lower == pytest.approx(0.0009458745, rel=1e-6)
    assert r.t_upper == pytest.approx(-2.696056, rel=1e-6)
    assert r.p_upper == pytest.approx(0.003838994, rel=1e-6)
    assert r.ci == pytest.approx((-0.1870843, 0.2470843), rel=1e-6)
    assert r.equivalent


@pytest.mark.parametrize("margins", [(-30.0, 40.0), (-5.0, 5.0), (-60.0, 10.0)])
def test_paired_matches_statsmodels(margins):
    low, upp = margins
    r = tost_paired(x=WRIGHT_MINI, y=WRIGHT_LARGE, lower_margin=low, upper_margin=upp)
    p, (t1, p1, df1), (t2, p2, df2) = ttost_paired(WRIGHT_LARGE, WRIGHT_MINI, low, upp)
    assert r.p_value == pytest.approx(p, rel=1e-10)
    assert (r.t_lower, r.p_lower) == pytest.approx((t1, p1), rel=1e-10)
    assert (r.t_upper, r.p_upper) == pytest.approx((t2, p2), rel=1e-10)
    assert r.df == df1 == 16
    assert r.mean_difference == pytest.approx(np.mean(WRIGHT_LARGE - WRIGHT_MINI), rel=1e-14)


@pytest.mark.parametrize("equal_var, usevar", [(True, "pooled"), (False, "unequal")])
@pytest.mark.parametrize("margins", [(-110.0, 110.0), (-150.0, 60.0)])
def test_two_sample_matches_statsmodels(equal_var, usevar, margins):
    low, upp = margins
    r = tost_two_sample(x=YIELD_B, y=YIELD_A, lower_margin=low, upper_margin=upp,
                        equal_var=equal_var)
    p, (t1, p1, df1), (t2, p2, df2) = ttost_ind(YIELD_A, YIELD_B, low, upp, usevar=usevar)
    assert r.p_value == pytest.approx(p, rel=1e-10)
    assert (r.t_lower, r.p_lower, r.df) == pytest.approx((t1, p1, df1), rel=1e-10)
    assert (r.t_upper, r.p_upper) == pytest.approx((t2, p2), rel=1e-10)


def test_raw_and_summary_paths_agree():
    d = WRIGHT_LARGE - WRIGHT_MINI
    a = tost_paired(x=WRIGHT_MINI, y=WRIGHT_LARGE, lower_margin=-20, upper_margin=25)
    b = tost_paired_from_summary(mean_difference=d.mean(), sd_difference=d.std(ddof=1),
                                 n=d.size, lower_margin=-20, upper_margin=25)
    assert a == b


# ----------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------

_sample = st.integers(3, 30).flatmap(
    lambda n: st.lists(st.floats(-100.0, 100.0), min_size=n, max_size=n)
)
_margin = st.floats(0.1, 50.0)


@settings(max_examples=80, deadline=None)
@given(_sample, _sample, _margin, _margin, st.floats(0.01, 0.2))
def test_equivalence_iff_interval_inside_margins(a, b, low, upp, alpha):
    x = np.array(a)
    y = np.array(b)
    if np.std(x) == 0 and np.std(y) == 0:
        return
    r = tost_two_sample(x=x, y=y, lower_margin=-low, upper_margin=upp, alpha=alpha,
                        equal_var=False)
    inside = (-low < r.ci[0]) and (r.ci[1] < upp)
    if abs(r.p_value - alpha) > 1e-12:
        assert r.equivalent == inside
    assert r.ci_level == pytest.approx(1 - 2 * alpha)


@settings(max_examples=80, deadline=None)
@given(_sample, _margin, _margin)
def test_swapping_x_and_y_mirrors_the_test(a, low, upp):
    x = np.array(a)
    y = x + np.linspace(-1.0, 1.5, x.size)  # paired, non-constant differences
    r = tost_paired(x=x, y=y, lower_margin=-low, upper_margin=upp)
    m = tost_paired(x=y, y=x, lower_margin=-upp, upper_margin=low)
    assert m.mean_difference == pytest.approx(-r.mean_difference, rel=1e-9, abs=1e-12)
    assert m.p_value == pytest.approx(r.p_value, rel=1e-9, abs=1e-15)
    assert (m.p_lower, m.p_upper) == pytest.approx((r.p_upper, r.p_lower), rel=1e-9, abs=1e-15)


# ----------------------------------------------------------------------------
# Bad arguments
# ----------------------------------------------------------------------------

_X = [10.0, 11.0, 12.5, 9.5]
_Y = [10.2, 11.1, 12.0, 9.9]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lower_margin=0.0, upper_margin=1.0),  # margin does not bracket 0
        dict(lower_margin=-1.0, upper_margin=0.0),
        dict(lower_margin=1.0, upper_margin=-1.0),
        dict(lower_margin=-1.0, upper_margin=np.inf),
        dict(lower_margin=np.nan, upper_margin=1.0),
        dict(lower_margin="-1", upper_margin=1.0),
        dict(lower_margin=-1.0, upper_margin=1.0, alpha=0.5),
        dict(lower_margin=-1.0, upper_margin=1.0, alpha=0.0),
        dict(lower_margin=-1.0, upper_margin=1.0, alpha=True),
    ],
)
def test_bad_margins_and_alpha_raise(kwargs):
    with pytest.raises(ValueError):
        tost_paired(x=_X, y=_Y, **kwargs)
    with pytest.raises(ValueError):
        tost_two_sample(x=_X, y=_Y, **kwargs)


@pytest.mark.parametrize(
    "call",
    [
        lambda: tost_paired(x=_X, y=_Y[:3], lower_margin=-1, upper_margin=1),  # length
        lambda: tost_paired(x=[1.0], y=[2.0], lower_margin=-1, upper_margin=1),  # n < 2
        lambda: tost_paired(x=[1.0, np.nan], y=[2.0, 3.0], lower_margin=-1, upper_margin=1),
        lambda: tost_paired(x=[1.0, 2.0], y=[2.0, 3.0], lower_margin=-1, upper_margin=1),  # sd 0
        lambda: tost_two_sample(x=[1.0], y=_Y, lower_margin=-1, upper_margin=1),
        lambda: tost_two_sample(x=[1.0, 1.0], y=[2.0, 2.0], lower_margin=-1, upper_margin=1),
        lambda: tost_two_sample(x=_X, y=_Y, lower_margin=-1, upper_margin=1, equal_var="no"),
        lambda: tost_paired_from_summary(mean_difference=0.0, sd_difference=-1.0, n=10,
                                         lower_margin=-1, upper_margin=1),
        lambda: tost_paired_from_summary(mean_difference=0.0, sd_difference=1.0, n=1,
                                         lower_margin=-1, upper_margin=1),
        lambda: tost_paired_from_summary(mean_difference=0.0, sd_difference=1.0, n=10.5,
                                         lower_margin=-1, upper_margin=1),
        lambda: tost_two_sample_from_summary(mean_x=0.0, sd_x=1.0, n_x=10, mean_y=np.nan,
                                             sd_y=1.0, n_y=10, lower_margin=-1,
                                             upper_margin=1),
    ],
)
def test_bad_data_raise(call):
    with pytest.raises(ValueError):
        call()


def test_result_is_frozen():
    r = tost_paired(x=_X, y=_Y, lower_margin=-1.0, upper_margin=1.0)
    assert isinstance(r, TostResult)
    with pytest.raises(AttributeError):
        r.p_value = 0.0  # type: ignore[misc]
