"""Tests for cmcready.stats.proportions.

Expected values come from closed forms of the Clopper-Pearson limits, from an
independent implementation (scipy.stats.binomtest(...).proportion_ci with
method="exact", scipy.stats.hypergeom) and from Fisher's tea-tasting
experiment (Fisher 1935, The Design of Experiments, ch. II).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cmcready.stats.proportions import FisherResult, clopper_pearson, fisher_one_sided_lower

# --------------------------------------------------------------------------
# clopper_pearson
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 5, 10, 30, 100])
def test_clopper_pearson_zero_successes_closed_form(n):
    # Closed form for x = 0: the upper limit solves (1 - p)^n = alpha/2
    # (Clopper & Pearson 1934), i.e. upper = 1 - (alpha/2)^(1/n).
    lo, hi = clopper_pearson(successes=0, trials=n, alpha=0.05)
    assert lo == 0.0
    assert hi == pytest.approx(1.0 - 0.025 ** (1.0 / n), rel=1e-12)


@pytest.mark.parametrize("n", [1, 5, 10, 30, 100])
def test_clopper_pearson_all_successes_closed_form(n):
    # Closed form for x = n: lower solves p^n = alpha/2, i.e. lower = (alpha/2)^(1/n).
    lo, hi = clopper_pearson(successes=n, trials=n, alpha=0.05)
    assert hi == 1.0
    assert lo == pytest.approx(0.025 ** (1.0 / n), rel=1e-12)


@pytest.mark.parametrize("n", [2, 10, 59])
def test_clopper_pearson_one_success_lower_closed_form(n):
    # Closed form for x = 1: lower is the alpha/2 quantile of Beta(1, n),
    # 1 - (1 - alpha/2)^(1/n).
    lo, _ = clopper_pearson(successes=1, trials=n, alpha=0.10)
    assert lo == pytest.approx(1.0 - 0.95 ** (1.0 / n), rel=1e-10)


def test_clopper_pearson_zero_of_ten_value():
    # 0/10 at 95 %: 1 - 0.025**0.1 = 0.30849710781876 (closed form above),
    # the commonly tabulated "0.3085" exact upper limit.
    lo, hi = clopper_pearson(successes=0, trials=10)
    assert (lo, round(hi, 4)) == (0.0, 0.3085)


@pytest.mark.parametrize(
    ("x", "n", "alpha"),
    [(1, 10, 0.05), (3, 17, 0.05), (12, 40, 0.10), (81, 263, 0.05), (50, 100, 0.01), (199, 200, 0.05)],
)
def test_clopper_pearson_matches_scipy_binomtest(x, n, alpha):
    # Independent implementation: scipy.stats.binomtest(...).proportion_ci(method="exact").
    ref = stats.binomtest(x, n).proportion_ci(confidence_level=1 - alpha, method="exact")
    lo, hi = clopper_pearson(successes=x, trials=n, alpha=alpha)
    assert lo == pytest.approx(ref.low, rel=1e-9, abs=1e-12)
    assert hi == pytest.approx(ref.high, rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=500),
    frac=st.floats(min_value=0.0, max_value=1.0),
    alpha=st.floats(min_value=0.001, max_value=0.5),
)
def test_clopper_pearson_properties(n, frac, alpha):
    x = int(round(frac * n))
    lo, hi = clopper_pearson(successes=x, trials=n, alpha=alpha)
    # inside [0, 1] and contains the estimate
    assert 0.0 <= lo <= x / n <= hi <= 1.0
    # agrees with the independent scipy implementation
    ref = stats.binomtest(x, n).proportion_ci(confidence_level=1 - alpha, method="exact")
    assert lo == pytest.approx(ref.low, rel=1e-7, abs=1e-12)
    assert hi == pytest.approx(ref.high, rel=1e-7, abs=1e-12)
    # a larger alpha gives a nested (narrower) interval
    lo2, hi2 = clopper_pearson(successes=x, trials=n, alpha=min(0.9, 2 * alpha))
    assert lo <= lo2 + 1e-12 and hi2 <= hi + 1e-12


@pytest.mark.parametrize("n", [5, 20, 60])
def test_clopper_pearson_coverage_is_at_least_nominal(n):
    # Defining property (Clopper & Pearson 1934): for every true p the
    # coverage sum_x Binom(x; n, p) 1{lo_x <= p <= hi_x} is >= 1 - alpha.
    limits = np.array([clopper_pearson(successes=x, trials=n, alpha=0.05) for x in range(n + 1)])
    xs = np.arange(n + 1)
    for p in np.linspace(0.001, 0.999, 181):
        covered = (limits[:, 0] <= p) & (p <= limits[:, 1])
        coverage = stats.binom.pmf(xs, n, p)[covered].sum()
        assert coverage >= 0.95 - 1e-9


@pytest.mark.parametrize(
    "kwargs",
    [
        {"successes": 0, "trials": 0},
        {"successes": 3, "trials": 2},
        {"successes": -1, "trials": 5},
        {"successes": 1.5, "trials": 5},
        {"successes": True, "trials": 5},
        {"successes": 1, "trials": 5, "alpha": 0.0},
        {"successes": 1, "trials": 5, "alpha": 1.0},
        {"successes": 1, "trials": 5, "alpha": float("nan")},
    ],
)
def test_clopper_pearson_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        clopper_pearson(**kwargs)


def test_clopper_pearson_is_keyword_only():
    with pytest.raises(TypeError):
        clopper_pearson(1, 10)  # type: ignore[misc]


# --------------------------------------------------------------------------
# fisher_one_sided_lower
# --------------------------------------------------------------------------


def test_fisher_tea_tasting_all_correct():
    # Fisher (1935), The Design of Experiments, ch. II: 8 cups, 4 with milk
    # first; the lady names all 4 correctly.  One-sided p = 1/70.
    # A = the 4 tea-first cups ("success" = called milk-first): 0 of 4;
    # B = the 4 milk-first cups: 4 of 4.
    r = fisher_one_sided_lower(successes_a=0, trials_a=4, successes_b=4, trials_b=4)
    assert isinstance(r, FisherResult)
    assert r.p_value == pytest.approx(1.0 / 70.0, rel=1e-12)
    assert r.odds_ratio == 0.0
    assert r.table == ((0, 4), (4, 0))


def test_fisher_tea_tasting_three_correct():
    # Fisher (1935): with 3 of 4 right, P(3 or more right) = (16 + 1)/70 = 17/70.
    r = fisher_one_sided_lower(successes_a=1, trials_a=4, successes_b=3, trials_b=4)
    assert r.p_value == pytest.approx(17.0 / 70.0, rel=1e-12)
    # sample odds ratio (1*1)/(3*3) (closed form)
    assert r.odds_ratio == pytest.approx(1.0 / 9.0, rel=1e-12)


@pytest.mark.parametrize(
    ("sa", "na", "sb", "nb"),
    [(2, 10, 8, 10), (8, 10, 2, 10), (5, 12, 9, 15), (0, 3, 1, 40), (17, 20, 15, 18), (3, 30, 3, 30)],
)
def test_fisher_matches_hypergeometric_cdf(sa, na, sb, nb):
    # Independent computation: conditional on the margins, successes in A are
    # hypergeometric(M = na + nb, n = sa + sb, N = na); p = P(X <= sa).
    expected = stats.hypergeom.cdf(sa, na + nb, sa + sb, na)
    r = fisher_one_sided_lower(successes_a=sa, trials_a=na, successes_b=sb, trials_b=nb)
    assert r.p_value == pytest.approx(expected, rel=1e-9)


def test_fisher_direction():
    # A clearly worse than B -> small p; A clearly better -> p near 1.
    worse = fisher_one_sided_lower(successes_a=1, trials_a=20, successes_b=15, trials_b=20)
    better = fisher_one_sided_lower(successes_a=15, trials_a=20, successes_b=1, trials_b=20)
    assert worse.p_value < 1e-4
    assert better.p_value > 0.999


@settings(max_examples=100, deadline=None)
@given(
    na=st.integers(1, 40),
    nb=st.integers(1, 40),
    fa=st.floats(0, 1),
    fb=st.floats(0, 1),
)
def test_fisher_p_value_is_a_probability(na, nb, fa, fb):
    sa, sb = int(round(fa * na)), int(round(fb * nb))
    r = fisher_one_sided_lower(successes_a=sa, trials_a=na, successes_b=sb, trials_b=nb)
    assert 0.0 <= r.p_value <= 1.0 + 1e-12
    assert r.p_value == pytest.approx(stats.hypergeom.cdf(sa, na + nb, sa + sb, na), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"successes_a": 1, "trials_a": 0, "successes_b": 1, "trials_b": 5},
        {"successes_a": 6, "trials_a": 5, "successes_b": 1, "trials_b": 5},
        {"successes_a": 1, "trials_a": 5, "successes_b": -1, "trials_b": 5},
        {"successes_a": 1, "trials_a": 5, "successes_b": 1, "trials_b": 2.0},
    ],
)
def test_fisher_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        fisher_one_sided_lower(**kwargs)


def test_fisher_odds_ratio_closed_form():
    # sample odds ratio (sa * fb) / (fa * sb)
    r = fisher_one_sided_lower(successes_a=5, trials_a=12, successes_b=9, trials_b=15)
    assert r.odds_ratio == pytest.approx((5 * 6) / (7 * 9), rel=1e-12)
    assert math.isfinite(r.p_value)
