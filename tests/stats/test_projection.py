"""Tests for cmcready.stats.projection.

Independent references: scipy.stats.norm / scipy.stats.lognorm closed-form
tail probabilities, scipy.stats.shapiro for the model rule, the statistics
module for mean/SD, scipy.stats.binomtest for the Clopper-Pearson
cross-check, a delta-method standard error and a frequentist coverage
simulation for the bootstrap, and scipy.stats.multivariate_normal.cdf (Genz
algorithm) for the joint rate. Monte Carlo tolerances are 4 binomial
standard errors sqrt(r (1 - r) / n_draws) plus the stated accuracy of the
reference.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cmcready.stats.projection import (
    FittedModel,
    JointProjection,
    Projection,
    fit_model,
    joint_failure_rate,
    no_spread,
    oos_rate,
    projected_oos,
)


def _lognormal(seed: int = 0, n: int = 40) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(1.0, 0.9, n)


def _normal(seed: int = 0, n: int = 40) -> np.ndarray:
    return np.random.default_rng(100 + seed).normal(50.0, 5.0, n)


# --------------------------------------------------------------------------
# fit_model
# --------------------------------------------------------------------------


def _expected_family(x: np.ndarray) -> tuple[str, float, float | None]:
    """The stated rule, evaluated directly with scipy.stats.shapiro."""
    p = stats.shapiro(x).pvalue
    if p >= 0.05 or np.any(x <= 0):
        return "normal", p, None
    p_log = stats.shapiro(np.log(x)).pvalue
    return ("lognormal" if p_log >= 0.05 else "normal"), p, p_log


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    ("kind", "family"),
    [
        ("lognormal", "lognormal"),  # normality rejected, not for the logs
        ("normal", "normal"),  # normality not rejected -> no log test
        ("shifted_exponential", "normal"),  # rejected but some values <= 0
        ("bimodal", "normal"),  # rejected for values and logs
    ],
)
def test_fit_model_rule(seed, kind, family):
    rng = np.random.default_rng(seed)
    samples = {
        "lognormal": rng.lognormal(1.0, 0.9, 40),
        "normal": rng.normal(50.0, 5.0, 40),
        "shifted_exponential": rng.exponential(1.0, 40) - 0.3,
        "bimodal": np.r_[rng.normal(10.0, 0.3, 20), rng.normal(20.0, 0.3, 20)],
    }
    x = samples[kind]
    expected, p, p_log = _expected_family(x)
    assert expected == family  # the fixture exercises the intended branch
    m = fit_model(values=x)
    assert isinstance(m, FittedModel)
    assert m.model == family
    assert m.n == 40
    assert m.shapiro_p == pytest.approx(p, rel=1e-12)
    if p_log is None:
        assert m.shapiro_p_log is None
    else:
        assert m.shapiro_p_log == pytest.approx(p_log, rel=1e-12)
    y = np.log(x) if family == "lognormal" else x
    assert m.mu == pytest.approx(statistics.mean(y.tolist()), rel=1e-12, abs=1e-12)
    assert m.sigma == pytest.approx(statistics.stdev(y.tolist()), rel=1e-10)
    assert "Shapiro-Wilk" in m.criterion and family in m.criterion


@pytest.mark.parametrize(
    "values", [[1.0, 2.0], [3.0, 3.0, 3.0, 3.0], [1.0, 2.0, float("nan")], [[1.0, 2.0, 3.0]]]
)
def test_fit_model_bad_arguments(values):
    with pytest.raises(ValueError):
        fit_model(values=values)


# --------------------------------------------------------------------------
# oos_rate
# --------------------------------------------------------------------------


def test_oos_rate_normal_closed_form():
    m = FittedModel("normal", 100.0, 2.0, 20, 0.5, None, "")
    # closed form with scipy.stats.norm
    expected = stats.norm.cdf(95.0, 100.0, 2.0) + stats.norm.sf(104.0, 100.0, 2.0)
    assert oos_rate(m, lower=95.0, upper=104.0) == pytest.approx(expected, rel=1e-12)
    assert oos_rate(m, upper=104.0) == pytest.approx(stats.norm.sf(2.0), rel=1e-12)
    assert oos_rate(m, lower=95.0) == pytest.approx(stats.norm.cdf(-2.5), rel=1e-12)
    # far tail stays accurate (survival function, not 1 - cdf)
    assert oos_rate(m, upper=100.0 + 2.0 * 10.0) == pytest.approx(stats.norm.sf(10.0), rel=1e-9)


def test_oos_rate_lognormal_closed_form():
    mu, sigma = 1.2, 0.4
    m = FittedModel("lognormal", mu, sigma, 20, 0.01, 0.5, "")
    ref = stats.lognorm(s=sigma, scale=math.exp(mu))  # independent parametrisation
    assert oos_rate(m, lower=1.5, upper=7.0) == pytest.approx(ref.cdf(1.5) + ref.sf(7.0), rel=1e-10)
    # a lower limit <= 0 contributes nothing for a positive quantity
    assert oos_rate(m, lower=0.0, upper=7.0) == pytest.approx(ref.sf(7.0), rel=1e-10)
    assert oos_rate(m, lower=-5.0, upper=7.0) == pytest.approx(ref.sf(7.0), rel=1e-10)
    # lower limit alone, <= 0: nothing can fail
    assert oos_rate(m, lower=-5.0) == 0.0
    # an upper limit <= 0 for a positive quantity is a bad argument
    with pytest.raises(ValueError):
        oos_rate(m, upper=0.0)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"lower": 5.0, "upper": 1.0}, {"lower": float("nan")}, {"upper": float("inf")}, {"lower": True}],
)
def test_oos_rate_bad_arguments(kwargs):
    m = FittedModel("normal", 0.0, 1.0, 20, 0.5, None, "")
    with pytest.raises(ValueError):
        oos_rate(m, **kwargs)


# --------------------------------------------------------------------------
# projected_oos
# --------------------------------------------------------------------------


def test_projected_oos_too_few_lots():
    p = projected_oos(values=[1.0, 2.0, 3.0, 2.5, 1.5, 2.2, 9.0], upper=5.0)
    assert isinstance(p, Projection)
    assert (p.rate, p.ci, p.model) == (None, None, None)
    assert p.reason == "only 7 lots; at least 10 needed"
    # the nonparametric cross-check is still reported: 1 of 7 above 5.0,
    # Clopper-Pearson by scipy.stats.binomtest
    ref = stats.binomtest(1, 7).proportion_ci(method="exact")
    assert (p.observed_outside, p.observed_fraction) == (1, pytest.approx(1 / 7))
    assert p.observed_ci == (pytest.approx(ref.low), pytest.approx(ref.high))


def test_projected_oos_normal_point_estimate_and_crosscheck():
    x = _normal(0, 40)
    assert _expected_family(x)[0] == "normal"
    p = projected_oos(values=x, lower=40.0, upper=58.0, n_boot=500, seed=3, n_censored=2)
    mean, sd = statistics.mean(x.tolist()), statistics.stdev(x.tolist())
    # closed form: Phi((L - mean)/sd) + Phi((mean - U)/sd)
    expected = stats.norm.cdf((40.0 - mean) / sd) + stats.norm.cdf((mean - 58.0) / sd)
    assert p.model.model == "normal"
    assert p.rate == pytest.approx(expected, rel=1e-10)
    n_out = int(np.sum((x < 40.0) | (x > 58.0)))
    ref = stats.binomtest(n_out, 40).proportion_ci(method="exact")
    assert p.observed_outside == n_out
    assert p.observed_ci == (pytest.approx(ref.low, abs=1e-12), pytest.approx(ref.high, rel=1e-9))
    assert (p.n, p.n_censored, p.reason) == (40, 2, None)
    assert 0.0 <= p.ci[0] <= p.ci[1] <= 1.0


def test_projected_oos_lognormal_point_estimate():
    x = _lognormal(1, 40)
    assert _expected_family(x)[0] == "lognormal"
    p = projected_oos(values=x, lower=-1.0, upper=25.0, n_boot=200)
    logs = np.log(x).tolist()
    ref = stats.lognorm(s=statistics.stdev(logs), scale=math.exp(statistics.mean(logs)))
    assert p.model.model == "lognormal"
    assert p.rate == pytest.approx(ref.sf(25.0), rel=1e-9)  # lower <= 0 contributes 0


def test_projected_oos_bootstrap_width_matches_delta_method():
    # For large n the percentile interval should be close to
    # rate -/+ 1.96 SE with the delta-method SE of
    # r(mu, sigma) = Phi((L - mu)/s) + Phi((mu - U)/s), Var(mean) = s^2/n,
    # Var(sd) ~ s^2 / (2(n - 1)).
    rng = np.random.default_rng(5)
    n, low, up = 400, 95.0, 104.6
    x = rng.normal(100.0, 2.0, n)
    p = projected_oos(values=x, lower=low, upper=up, n_boot=4000, seed=1)
    assert p.model.model == "normal"
    mu, s = x.mean(), x.std(ddof=1)
    a, b = (low - mu) / s, (up - mu) / s
    d_mu = (stats.norm.pdf(b) - stats.norm.pdf(a)) / s
    d_s = (b * stats.norm.pdf(b) - a * stats.norm.pdf(a)) / s
    se = math.sqrt(d_mu**2 * s**2 / n + d_s**2 * s**2 / (2 * (n - 1)))
    ratio = (p.ci[1] - p.ci[0]) / (2 * stats.norm.ppf(0.975) * se)
    assert 0.9 < ratio < 1.1


def test_projected_oos_interval_coverage_simulation():
    # Frequentist check of the bootstrap interval: N(0, 1) data, n = 30,
    # limits -/+2.5, true rate 2 Phi(-2.5).  The percentile interval is
    # expected to cover somewhat below 95 % at n = 30; with 300 data sets the
    # binomial SE of the coverage is about 0.013.
    true = 2 * stats.norm.cdf(-2.5)
    rng = np.random.default_rng(11)
    hits = total = 0
    for r in range(300):
        p = projected_oos(values=rng.normal(size=30), lower=-2.5, upper=2.5, n_boot=1000, seed=r)
        if p.model.model != "normal":
            continue
        total += 1
        hits += p.ci[0] <= true <= p.ci[1]
    assert total > 250
    assert 0.89 <= hits / total <= 0.99


def test_projected_oos_reproducible_and_seed_dependent():
    x = _normal(2, 25)
    a = projected_oos(values=x, upper=60.0, n_boot=300, seed=42)
    b = projected_oos(values=x, upper=60.0, n_boot=300, seed=42)
    c = projected_oos(values=x, upper=60.0, n_boot=300, seed=43)
    assert a == b
    assert a.rate == c.rate and a.ci != c.ci


def test_projected_oos_without_bootstrap_and_zero_spread():
    x = _normal(0, 12)
    p = projected_oos(values=x, upper=60.0, n_boot=0)
    assert p.ci is None and p.rate is not None
    flat = projected_oos(values=[5.0] * 12, upper=6.0)
    assert flat.rate is None and "identical" in flat.reason
    assert flat.observed_fraction == 0.0


@settings(max_examples=25, deadline=None)
@given(
    scale=st.floats(1e-3, 1e3),
    which=st.sampled_from(["normal", "lognormal"]),
    seed=st.integers(0, 3),
)
def test_projected_oos_invariant_to_units(scale, which, seed):
    # Values and limits in other units (scaled by a positive factor) give the
    # same model, rate and interval.
    x = _lognormal(seed, 30) if which == "lognormal" else _normal(seed, 30)
    low, up = float(np.quantile(x, 0.1)), float(np.quantile(x, 0.95))
    a = projected_oos(values=x, lower=low, upper=up, n_boot=200, seed=7)
    b = projected_oos(values=x * scale, lower=low * scale, upper=up * scale, n_boot=200, seed=7)
    assert a.model.model == b.model.model
    assert b.rate == pytest.approx(a.rate, rel=1e-7, abs=1e-12)
    assert b.ci[0] == pytest.approx(a.ci[0], rel=1e-7, abs=1e-12)
    assert b.ci[1] == pytest.approx(a.ci[1], rel=1e-7, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(-50, 50), min_size=10, max_size=40).filter(lambda v: np.ptp(v) > 1e-3),
    low=st.floats(-60, 0),
    width=st.floats(0, 120),
)
def test_projected_oos_rates_are_probabilities(values, low, width):
    p = projected_oos(values=values, lower=low, upper=low + width, n_boot=100)
    assert 0.0 <= p.rate <= 1.0
    assert 0.0 <= p.ci[0] <= p.ci[1] <= 1.0
    assert 0.0 <= p.observed_ci[0] <= p.observed_fraction <= p.observed_ci[1] <= 1.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"values": [1.0] * 12},  # no limit
        {"values": [1.0, 2.0] * 6, "lower": 3.0, "upper": 1.0},
        {"values": [1.0, float("nan")] * 6, "upper": 1.0},
        {"values": [1.0, 2.0] * 6, "upper": 1.0, "n_boot": -1},
        {"values": [1.0, 2.0] * 6, "upper": 1.0, "seed": -3},
        {"values": [1.0, 2.0] * 6, "upper": 1.0, "seed": 1.5},
        {"values": [1.0, 2.0] * 6, "upper": 1.0, "alpha": 1.2},
        {"values": [1.0, 2.0] * 6, "upper": 1.0, "min_n": 2},
        {"values": [1.0, 2.0] * 6, "upper": 1.0, "n_censored": -1},
    ],
)
def test_projected_oos_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        projected_oos(**kwargs)


# --------------------------------------------------------------------------
# joint_failure_rate
# --------------------------------------------------------------------------


def _correlated_lots(n: int = 60, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cov = np.array([[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]])
    z = rng.multivariate_normal([0.0, 0.0, 0.0], cov, size=n)
    # column 0: potency-like, linear; column 1: positive, lognormal; column 2: linear
    return np.column_stack([100.0 + 5.0 * z[:, 0], np.exp(1.0 + 0.5 * z[:, 1]), 10.0 + z[:, 2]])


def test_joint_rate_matches_scipy_multivariate_normal_cdf():
    data = _correlated_lots()
    lowers, uppers, logs = [91.0, 0.0, 8.5], [110.0, 5.5, None], [False, True, False]
    r = joint_failure_rate(data=data, lowers=lowers, uppers=uppers, log_scale=logs, n_boot=0, seed=1)
    assert isinstance(r, JointProjection)
    # independent reference: fit on the transformed scale here, then Genz's
    # algorithm (scipy.stats.multivariate_normal.cdf, abseps 1e-6)
    y = data.copy()
    y[:, 1] = np.log(y[:, 1])
    mean, cov = y.mean(axis=0), np.cov(y, rowvar=False)
    lo = np.array([91.0, -np.inf, 8.5])  # lower 0 on a log column = no bound
    hi = np.array([110.0, math.log(5.5), np.inf])
    p_inside = stats.multivariate_normal.cdf(hi, mean, cov, lower_limit=lo, abseps=1e-6, releps=1e-6, rng=0)
    expected = 1.0 - p_inside
    se = math.sqrt(expected * (1 - expected) / r.n_draws)
    assert 0.02 < expected < 0.5  # a non-trivial rate
    assert r.rate == pytest.approx(expected, abs=4 * se + 1e-5)
    assert r.mc_se == pytest.approx(se, rel=0.05)
    assert r.n == 60 and r.n_attrs == 3 and r.log_scale == (False, True, False)
    assert np.allclose(r.mean, mean) and np.allclose(r.cov, cov)


def test_joint_rate_independent_attributes_product_rule():
    # Columns made exactly uncorrelated in the sample (orthogonalised), so the
    # fitted normal has a diagonal covariance and
    # 1 - rate = prod_j (1 - marginal_j) with closed-form normal marginals.
    rng = np.random.default_rng(3)
    z = rng.normal(size=(50, 3))
    z -= z.mean(axis=0)
    q, _ = np.linalg.qr(z)
    data = 10.0 + 2.0 * q * math.sqrt(49)  # sample SD 2 in every column
    lowers, uppers = [7.0, None, 6.0], [13.5, 12.0, None]
    r = joint_failure_rate(data=data, lowers=lowers, uppers=uppers, log_scale=False, n_boot=0, n_draws=400_000)
    marg = [
        stats.norm.cdf(7.0, 10.0, 2.0) + stats.norm.sf(13.5, 10.0, 2.0),
        stats.norm.sf(12.0, 10.0, 2.0),
        stats.norm.cdf(6.0, 10.0, 2.0),
    ]
    expected = 1.0 - np.prod([1 - m for m in marg])
    se = math.sqrt(expected * (1 - expected) / 400_000)
    assert r.rate == pytest.approx(expected, abs=4 * se)
    assert np.allclose(r.marginal_rates, marg, rtol=1e-9)


def test_joint_rate_single_attribute_agrees_with_projected_oos():
    rng = np.random.default_rng(5)
    x = rng.normal(100.0, 2.0, 400)
    single = projected_oos(values=x, lower=95.0, upper=104.6, n_boot=0)
    r = joint_failure_rate(
        data=x[:, None], lowers=[95.0], uppers=[104.6], log_scale=[False], n_boot=1000, n_draws_boot=100_000, seed=2
    )
    # point estimate: closed form vs Monte Carlo, 4 MC standard errors
    assert r.rate == pytest.approx(single.rate, abs=4 * r.mc_se)
    # interval width vs the delta-method SE (see the projected_oos test);
    # bootstrap-quantile and MC noise allow +/- 15 %
    mu, s, n = x.mean(), x.std(ddof=1), x.size
    a, b = (95.0 - mu) / s, (104.6 - mu) / s
    d_mu = (stats.norm.pdf(b) - stats.norm.pdf(a)) / s
    d_s = (b * stats.norm.pdf(b) - a * stats.norm.pdf(a)) / s
    se = math.sqrt(d_mu**2 * s**2 / n + d_s**2 * s**2 / (2 * (n - 1)))
    ratio = (r.ci[1] - r.ci[0]) / (2 * stats.norm.ppf(0.975) * se)
    assert 0.85 < ratio < 1.15
    assert "100000" in r.method and "1000 replicates" in r.method


def test_joint_rate_bounds_and_incomplete_rows():
    data = _correlated_lots(40, seed=4)
    base = joint_failure_rate(
        data=data, lowers=[92.0, None, None], uppers=[108.0, 5.0, 11.5], log_scale=[False, True, False], n_boot=0
    )
    # lower <= 0 on a log column is no bound: identical draws, identical rate
    same = joint_failure_rate(
        data=data, lowers=[92.0, -1.0, float("nan")], uppers=[108.0, 5.0, 11.5], log_scale=[False, True, False],
        n_boot=0,
    )  # fmt: skip
    assert same.rate == base.rate
    # rows with NaN are dropped and counted
    holed = np.vstack([data, [[np.nan, 2.0, 10.0], [101.0, np.nan, 9.0]]])
    r = joint_failure_rate(
        data=holed, lowers=[92.0, None, None], uppers=[108.0, 5.0, 11.5], log_scale=[False, True, False], n_boot=0
    )
    assert (r.n, r.n_incomplete) == (40, 2)
    assert r.rate == base.rate


def test_joint_rate_too_few_complete_lots():
    data = _correlated_lots(12)
    data[:5, 0] = np.nan
    r = joint_failure_rate(data=data, lowers=[90, None, None], uppers=[110, 6, 12], log_scale=[False, True, False])
    assert (r.rate, r.ci, r.mean) == (None, None, None)
    assert r.reason == "only 7 complete lots; at least 10 needed"


def test_joint_rate_reproducible_and_interval_sane():
    data = _correlated_lots(30, seed=8)
    kw = dict(data=data, lowers=[92.0, None, 8.0], uppers=[108.0, 5.0, 12.0], log_scale=[False, True, False])
    a = joint_failure_rate(**kw, n_boot=100, seed=9)
    b = joint_failure_rate(**kw, n_boot=100, seed=9)
    assert a == b
    assert 0.0 <= a.ci[0] <= a.ci[1] <= 1.0
    # the point estimate does not depend on the number of bootstrap replicates
    assert joint_failure_rate(**kw, n_boot=0, seed=9).rate == a.rate


def test_joint_rate_singular_covariance():
    # 12 lots, 15 attributes: the sample covariance has rank 11, no Cholesky
    # factor exists. Reference: direct simulation from the same (singular)
    # normal with numpy's multivariate_normal (eigendecomposition), 400 000
    # draws; two independent MC estimates -> 4 * sqrt(2) standard errors.
    rng = np.random.default_rng(21)
    data = rng.normal(size=(12, 15))
    r = joint_failure_rate(data=data, lowers=[-2.0] * 15, uppers=[2.0] * 15, log_scale=False, n_boot=20, n_draws=400_000)
    assert "symmetric square root" in r.method
    mean, cov = data.mean(axis=0), np.cov(data, rowvar=False)
    sims = np.random.default_rng(99).multivariate_normal(mean, cov, size=400_000, method="eigh")
    expected = float(np.mean(np.any((sims < -2.0) | (sims > 2.0), axis=1)))
    se = math.sqrt(expected * (1 - expected) / 400_000)
    assert r.rate == pytest.approx(expected, abs=4 * math.sqrt(2) * se)
    assert 0.0 <= r.ci[0] <= r.ci[1] <= 1.0


@settings(max_examples=15, deadline=None)
@given(scale=st.floats(1e-3, 1e3), col=st.integers(0, 2))
def test_joint_rate_invariant_to_units(scale, col):
    # Rescaling one column and its limits (linear or log column) leaves the
    # rate unchanged up to draws lying within rounding error of a limit.
    data = _correlated_lots(30, seed=6)
    lowers, uppers, logs = [92.0, 1.0, 8.0], [108.0, 5.0, 12.0], [False, True, False]
    a = joint_failure_rate(data=data, lowers=lowers, uppers=uppers, log_scale=logs, n_boot=0, seed=5)
    d2 = data.copy()
    d2[:, col] *= scale
    lo2, hi2 = list(lowers), list(uppers)
    lo2[col] *= scale
    hi2[col] *= scale
    b = joint_failure_rate(data=d2, lowers=lo2, uppers=hi2, log_scale=logs, n_boot=0, seed=5)
    assert abs(a.rate - b.rate) <= 3 / a.n_draws


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("n_draws", 50_000),  # fewer than 1e5 Monte Carlo draws
        ("n_draws_boot", 10),
        ("lowers", [1.0, 2.0]),  # wrong length
        ("uppers", [90.0, 5.0, 12.0]),  # lower 92 > upper 90
        ("uppers", [108.0, 0.0, 12.0]),  # upper <= 0 on a log column
        ("log_scale", [True, True, False]),  # fine data, but see below
        ("log_scale", [False, True, "no"]),
        ("data", np.ones(5)),  # not 2-D
        ("seed", -1),
        ("alpha", 0.0),
        ("min_n", 1),
    ],
)
def test_joint_rate_bad_arguments(change, value):
    data = _correlated_lots(30)
    if change == "log_scale" and value == [True, True, False]:
        data[0, 0] = -1.0  # a value <= 0 in a log-scale column
    kw = dict(data=data, lowers=[92.0, None, 8.0], uppers=[108.0, 5.0, 12.0], log_scale=[False, True, False], n_boot=0)
    kw[change] = value
    with pytest.raises(ValueError):
        joint_failure_rate(**kw)


def test_joint_rate_no_limits_is_an_error():
    with pytest.raises(ValueError):
        joint_failure_rate(data=_correlated_lots(30), lowers=None, uppers=None, log_scale=False)


# --------------------------------------------------------------------------
# joint_failure_rate: the bootstrap interval
# --------------------------------------------------------------------------


def test_joint_rate_interval_matches_brute_force_refits():
    # Reference: the parametric bootstrap done the slow way: simulate 25 lots from the
    # fitted normal, refit mean and covariance (ddof=1), and compute each replicate's rate
    # exactly with Genz's algorithm (scipy, bivariate). The function draws the refitted
    # statistics from their sampling laws instead (normal mean, Wishart covariance) and
    # estimates each rate by Monte Carlo: the two sets of 2000 replicates must give the
    # same percentile interval up to quantile noise (observed within 6% of the width over
    # seeds 0-5; 10% allowed).
    rng = np.random.default_rng(0)
    n = 25
    z = rng.multivariate_normal([0.0, 0.0], [[1.0, 0.7], [0.7, 1.0]], size=n)
    data = np.column_stack([100.0 + 5.0 * z[:, 0], np.exp(1.0 + 0.4 * z[:, 1])])
    r = joint_failure_rate(data=data, lowers=[91.0, None], uppers=[109.0, 4.5], log_scale=[False, True],
                           n_boot=2000, n_draws_boot=50_000, seed=0)
    y = np.column_stack([data[:, 0], np.log(data[:, 1])])
    lo, hi = np.array([91.0, -np.inf]), np.array([109.0, math.log(4.5)])
    mean, cov = y.mean(axis=0), np.cov(y, rowvar=False)
    factor = np.linalg.cholesky(cov)
    ref_rng = np.random.default_rng(100)
    rates = []
    for _ in range(2000):
        sim = mean + ref_rng.standard_normal((n, 2)) @ factor.T
        inside = stats.multivariate_normal.cdf(hi, sim.mean(axis=0), np.cov(sim, rowvar=False), lower_limit=lo,
                                               abseps=1e-6, releps=1e-6, rng=0)
        rates.append(1.0 - inside)
    q = np.quantile(rates, [0.025, 0.975])
    width = q[1] - q[0]
    assert r.ci[0] == pytest.approx(q[0], abs=0.1 * width)
    assert r.ci[1] == pytest.approx(q[1], abs=0.1 * width)
    assert "exact sampling laws" in r.method and "2000 replicates of 25 lots" in r.method


def test_joint_rate_interval_holds_the_point_estimate_with_many_lots():
    # 30 000 lots: the sampling spread of the rate (about 0.0006 here) is as small as the
    # Monte Carlo error of a 20 000-draw block (sqrt(0.0065 / 20 000) = 0.00057). Estimating
    # each replicate's rate on that block alone shifted the whole interval by the block's
    # error (with seed 20231101 it was 0.0066-0.0077 around a point estimate of 0.0065);
    # as a difference from the fitted model on the same block it is centred on the point
    # estimate.
    rng = np.random.default_rng(0)
    n = 30_000
    data = np.column_stack([rng.normal(100, 12, n), rng.normal(88, 3, n), rng.normal(45, 8, n)])
    r = joint_failure_rate(data=data, lowers=[60, 80, 20], uppers=[140, None, 70], log_scale=False,
                           seed=20231101, n_boot=200)
    lo, hi = r.ci
    assert lo < r.rate < hi
    # near-normal at this n: the point estimate sits in the middle half of the interval
    # (here 0.00663 in 0.00613-0.00698; before, 0.00663 against 0.00690-0.00775)
    assert abs((lo + hi) / 2 - r.rate) < (hi - lo) / 4


@pytest.mark.parametrize(("df", "p"), [(30, 4), (3, 6)], ids=["bartlett", "fewer_lots_than_attributes"])
def test_wishart_roots_have_wishart_moments(df, p):
    # T T^T ~ Wishart_p(df, I): E = df I; Var of a diagonal entry 2 df, of an off-diagonal df.
    from cmcready.stats.projection import _wishart_roots

    t = _wishart_roots(np.random.default_rng(4), df, p, 40_000)
    w = t @ t.transpose(0, 2, 1)
    k = w.shape[0]
    assert np.allclose(w.mean(axis=0), df * np.eye(p), atol=4 * math.sqrt(2 * df / k))
    assert np.var(w[:, 0, 0]) == pytest.approx(2 * df, rel=0.05)
    assert np.var(w[:, p - 1, 0]) == pytest.approx(df, rel=0.05)
    if df < p:
        assert np.linalg.matrix_rank(w[0]) == df  # singular, as a sample covariance of df + 1 lots


def test_batched_inside_count_equals_one_replicate_at_a_time():
    from cmcready.stats.projection import _count_inside_batch

    rng = np.random.default_rng(7)
    z = rng.standard_normal((5_000, 3))
    factors = rng.normal(size=(9, 3, 3))
    means = rng.normal(size=(9, 3))
    lo, hi = np.array([-1.0, -np.inf, -np.inf]), np.array([1.5, 0.5, np.inf])  # third column unbounded
    direct = [int(np.sum(np.all(((m + z @ f.T) >= lo) & ((m + z @ f.T) <= hi), axis=1)))
              for f, m in zip(factors, means)]
    assert _count_inside_batch(z, factors, means, lo, hi).tolist() == direct


def test_values_equal_to_twelve_digits_have_no_spread():
    # A replicate mean of equal decimals can differ in its last binary digit.
    mean = (1.7 + 4.9) / 2
    assert mean != 3.3 and no_spread([3.3] * 21 + [mean])
    assert not no_spread([3.3, 3.3 * (1 + 1e-9)])
    assert no_spread([0.0, 0.0]) and no_spread([])
    p = projected_oos(values=[3.3] * 21 + [mean], lower=1.0, upper=5.0, n_boot=0)
    assert p.rate is None and "identical" in p.reason
    with pytest.raises(ValueError, match="identical"):
        fit_model(values=[3.3] * 21 + [mean])


@pytest.mark.parametrize("scale", [1e-300, 1e-120, 1e120, 1e300])
def test_projection_is_unit_free_down_to_underflow_and_up_to_overflow(scale):
    # Sums of squares of values near 1e300 overflow (and near 1e-300 underflow): the fit
    # rescales such values, so the projection is the same as in ordinary units.
    v = np.random.default_rng(3).normal(100.0, 5.0, 30)
    ref = projected_oos(values=v, lower=80.0, upper=120.0, n_boot=200)
    p = projected_oos(values=v * scale, lower=80.0 * scale, upper=120.0 * scale, n_boot=200)
    assert p.model.model == ref.model.model
    assert p.model.shapiro_p == pytest.approx(ref.model.shapiro_p, rel=1e-9)
    assert p.rate == pytest.approx(ref.rate, rel=1e-9)
    assert p.ci == pytest.approx(ref.ci, rel=1e-9)


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_joint_projection_is_unit_free_at_extreme_magnitudes(scale):
    # One column rescaled to 1e+-300 with its limits: the box probability is unchanged.
    d = np.random.default_rng(5).normal(10.0, 1.0, size=(30, 2))
    kw = {"log_scale": [False, False], "n_draws": 200_000, "n_boot": 50, "n_draws_boot": 2_000, "seed": 7}
    ref = joint_failure_rate(data=d, lowers=[8.0, 8.0], uppers=[12.0, 12.0], **kw)
    scaled = d * [scale, 1.0]
    got = joint_failure_rate(data=scaled, lowers=[8.0 * scale, 8.0], uppers=[12.0 * scale, 12.0], **kw)
    assert got.rate == pytest.approx(ref.rate, rel=1e-9)
    assert got.ci == pytest.approx(ref.ci, rel=1e-9)
    assert got.mean[0] == pytest.approx(ref.mean[0] * scale, rel=1e-9)
