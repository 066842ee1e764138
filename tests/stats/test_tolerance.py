"""Tests for cmcready.stats.tolerance.

Published factors are quoted to the decimals of the printed tables and compared
with a tolerance of half a unit in the last printed digit. Each is cited beside it.
The three-decimal ISO 16269-6 / Odeh values could not be read from a copy of the
standard here; Berthouex & Brown's two-decimal table (42 entries, a second,
independent print) confirms the same exact factors. Independent checks: a Monte Carlo simulation of the
defining coverage/confidence property, known asymptotes, and
scipy.stats.binom for the distribution-free results.
"""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cmcready.stats.tolerance import (
    k_one_sided,
    k_two_sided,
    nonparametric_min_n,
    nonparametric_tolerance_interval,
    normal_tolerance_interval,
)

TABLE_TOL = 5e-4 + 1e-9  # half a unit in the third decimal of the printed tables

# --------------------------------------------------------------------------
# exact two-sided factor
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "coverage", "expected"),
    [
        # ISO 16269-6:2014 exact two-sided factors, sigma unknown, 1 - alpha = 0.95
        # (same exact values in Odeh 1978, Comm. Stat. Simul. Comput. 7:183-201):
        (10, 0.90, 2.856),  # ISO 16269-6:2014 / Odeh (1978), n = 10, p = 0.90
        (10, 0.95, 3.393),  # ISO 16269-6:2014 / Odeh (1978), n = 10, p = 0.95
        (10, 0.99, 4.437),  # ISO 16269-6:2014 / Odeh (1978), n = 10, p = 0.99
        (20, 0.90, 2.319),  # ISO 16269-6:2014 / Odeh (1978), n = 20, p = 0.90
        (20, 0.95, 2.760),  # ISO 16269-6:2014 / Odeh (1978), n = 20, p = 0.95
        (20, 0.99, 3.621),  # ISO 16269-6:2014 / Odeh (1978), n = 20, p = 0.99
        (30, 0.95, 2.555),  # ISO 16269-6:2014 / Odeh (1978), n = 30, p = 0.95
    ],
)
def test_k_two_sided_published_table(n, coverage, expected):
    assert abs(k_two_sided(n=n, coverage=coverage, confidence=0.95) - expected) <= TABLE_TOL


# Berthouex, P. M. and Brown, L. C. (2002). Statistics for Environmental Engineers, 2nd ed.,
# Lewis Publishers / CRC Press, chapter 21, Table 21.1: two-sided tolerance factors
# K(1 - alpha = 0.95, p, n), printed to two decimals, for p = 0.90, 0.95, 0.99.
BERTHOUEX_BROWN_TABLE_21_1 = {
    4: (5.37, 6.34, 8.22), 5: (4.29, 5.08, 6.60), 6: (3.73, 4.42, 5.76), 7: (3.39, 4.02, 5.24),
    8: (3.16, 3.75, 4.89), 9: (2.99, 3.55, 4.63), 10: (2.86, 3.39, 4.44), 12: (2.67, 3.17, 4.16),
    15: (2.49, 2.96, 3.89), 20: (2.32, 2.76, 3.62), 25: (2.22, 2.64, 3.46), 30: (2.15, 2.55, 3.35),
    40: (2.06, 2.45, 3.22), 60: (1.96, 2.34, 3.07),
}


@pytest.mark.parametrize("n", sorted(BERTHOUEX_BROWN_TABLE_21_1))
def test_k_two_sided_matches_a_second_published_table(n):
    # Every entry to half a unit of its second decimal. Howe's approximation (below) misses
    # 32 of these 42 entries, so the table is of exact factors and so is ours.
    for coverage, expected in zip((0.90, 0.95, 0.99), BERTHOUEX_BROWN_TABLE_21_1[n]):
        assert abs(k_two_sided(n=n, coverage=coverage, confidence=0.95) - expected) <= 0.005 + 1e-9


def test_k_two_sided_is_not_the_howe_approximation():
    # Howe (1969) approximation, closed form:
    #   k = z_{(1+p)/2} sqrt((n-1)(1 + 1/n) / chi2_{alpha; n-1}).
    # For n = 10, p = 0.95, 0.95 it gives 3.3819, 0.011 below the exact 3.393
    # (ISO 16269-6:2014 / Odeh 1978); the exact factor must be the larger one.
    n, p = 10, 0.95
    howe = stats.norm.ppf((1 + p) / 2) * np.sqrt((n - 1) * (1 + 1 / n) / stats.chi2.ppf(0.05, n - 1))
    exact = k_two_sided(n=n, coverage=p, confidence=0.95)
    assert howe == pytest.approx(3.3819, abs=5e-5)
    assert exact - howe > 0.009


@pytest.mark.parametrize(("n", "coverage"), [(10, 0.90), (10, 0.95), (20, 0.99)])
def test_k_two_sided_monte_carlo_confidence(n, coverage):
    # Defining property checked by simulation: for N(0, 1) samples the
    # interval mean +/- k sd contains at least `coverage` of the population,
    # i.e. Phi(m + k s) - Phi(m - k s) >= p, with probability 0.95.
    # 400 000 samples: MC standard error sqrt(.95 * .05 / 4e5) = 3.4e-4; 4 SE.
    k = k_two_sided(n=n, coverage=coverage, confidence=0.95)
    rng = np.random.default_rng(12345)
    x = rng.standard_normal((400_000, n))
    m, s = x.mean(axis=1), x.std(axis=1, ddof=1)
    achieved = np.mean(stats.norm.cdf(m + k * s) - stats.norm.cdf(m - k * s) >= coverage)
    assert achieved == pytest.approx(0.95, abs=4 * 3.45e-4)


def test_k_two_sided_large_n_tends_to_normal_quantile():
    # As n -> infinity the factor tends to z_{(1+p)/2} (closed form).
    k = k_two_sided(n=1_000_000, coverage=0.90, confidence=0.95)
    assert k == pytest.approx(stats.norm.ppf(0.95), abs=5e-3)
    assert k > stats.norm.ppf(0.95)


# --------------------------------------------------------------------------
# exact one-sided factor
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "coverage", "expected"),
    [
        # One-sided factors, sigma unknown, 1 - alpha = 0.95: ISO 16269-6:2014
        # one-sided tables; identical in Natrella (1963), NBS Handbook 91.
        (10, 0.90, 2.355),  # ISO 16269-6:2014 / Natrella (1963), n = 10, p = 0.90
        (10, 0.95, 2.911),  # ISO 16269-6:2014 / Natrella (1963), n = 10, p = 0.95
        (10, 0.99, 3.981),  # ISO 16269-6:2014 / Natrella (1963), n = 10, p = 0.99
        (20, 0.90, 1.926),  # ISO 16269-6:2014 / Natrella (1963), n = 20, p = 0.90
        (20, 0.95, 2.396),  # ISO 16269-6:2014 / Natrella (1963), n = 20, p = 0.95
        (20, 0.99, 3.295),  # ISO 16269-6:2014 / Natrella (1963), n = 20, p = 0.99
    ],
)
def test_k_one_sided_published_table(n, coverage, expected):
    assert abs(k_one_sided(n=n, coverage=coverage, confidence=0.95) - expected) <= TABLE_TOL


def test_k_one_sided_nist_example():
    # NIST/SEMATECH e-Handbook 7.2.6.3 example: n = 43, p = 0.90, 1 - alpha =
    # 0.99 gives k1 = 1.8752 by the Natrella approximation
    #   a = 1 - z_g^2 / (2(n-1)), b = z_p^2 - z_g^2 / n, k1 = (z_p + sqrt(z_p^2 - ab)) / a.
    # The exact (noncentral t) factor is within about 1e-3 of it.
    zp, zg, n = stats.norm.ppf(0.90), stats.norm.ppf(0.99), 43
    a = 1 - zg**2 / (2 * (n - 1))
    b = zp**2 - zg**2 / n
    assert (zp + np.sqrt(zp**2 - a * b)) / a == pytest.approx(1.8752, abs=5e-5)  # NIST's number
    assert k_one_sided(n=43, coverage=0.90, confidence=0.99) == pytest.approx(1.8752, abs=2e-3)


@pytest.mark.parametrize(("n", "coverage"), [(10, 0.90), (25, 0.99)])
def test_k_one_sided_monte_carlo_confidence(n, coverage):
    # Defining property: P(Phi(m + k s) >= p) = 0.95 for N(0, 1) samples.
    # MC standard error 3.4e-4 with 400 000 samples; 4 SE.
    k = k_one_sided(n=n, coverage=coverage, confidence=0.95)
    rng = np.random.default_rng(2024)
    x = rng.standard_normal((400_000, n))
    achieved = np.mean(stats.norm.cdf(x.mean(axis=1) + k * x.std(axis=1, ddof=1)) >= coverage)
    assert achieved == pytest.approx(0.95, abs=4 * 3.45e-4)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(3, 200),
    coverage=st.floats(0.6, 0.999),
    confidence=st.floats(0.6, 0.999),
)
def test_factor_orderings(n, coverage, confidence):
    k1 = k_one_sided(n=n, coverage=coverage, confidence=confidence)
    k2 = k_two_sided(n=n, coverage=coverage, confidence=confidence)
    # the two-sided factor exceeds the one-sided one; both exceed the
    # known-parameter normal quantiles when confidence > 0.5
    assert k2 > k1 > 0
    assert k1 > stats.norm.ppf(coverage) - 1e-9
    assert k2 > stats.norm.ppf((1 + coverage) / 2) - 1e-9
    # more data -> smaller factor
    assert k_two_sided(n=n + 5, coverage=coverage, confidence=confidence) < k2
    assert k_one_sided(n=n + 5, coverage=coverage, confidence=confidence) < k1


@pytest.mark.parametrize("func", [k_one_sided, k_two_sided])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 1, "coverage": 0.9, "confidence": 0.95},
        {"n": 10.0, "coverage": 0.9, "confidence": 0.95},
        {"n": 10, "coverage": 1.0, "confidence": 0.95},
        {"n": 10, "coverage": 0.9, "confidence": 0.0},
        {"n": 10, "coverage": float("nan"), "confidence": 0.95},
    ],
)
def test_factor_bad_arguments(func, kwargs):
    with pytest.raises(ValueError):
        func(**kwargs)


# --------------------------------------------------------------------------
# normal_tolerance_interval
# --------------------------------------------------------------------------

VALUES10 = [9.91, 10.12, 10.04, 9.87, 10.21, 9.98, 10.06, 9.95, 10.15, 10.01]


def test_normal_tolerance_interval_two_sided():
    ti = normal_tolerance_interval(values=VALUES10, coverage=0.90, confidence=0.95)
    mean, sd = statistics.mean(VALUES10), statistics.stdev(VALUES10)  # independent ddof=1 SD
    # k = 2.856: ISO 16269-6:2014 / Odeh (1978), n = 10, p = 0.90, 0.95
    assert ti.k == pytest.approx(2.856, abs=TABLE_TOL)
    assert ti.lower == pytest.approx(mean - 2.856 * sd, abs=TABLE_TOL * sd)
    assert ti.upper == pytest.approx(mean + 2.856 * sd, abs=TABLE_TOL * sd)
    assert (ti.n, ti.sides, ti.mean) == (10, 2, pytest.approx(mean, rel=1e-12))


def test_normal_tolerance_interval_one_sided():
    ti = normal_tolerance_interval(values=VALUES10, coverage=0.90, confidence=0.95, sides=1)
    mean, sd = statistics.mean(VALUES10), statistics.stdev(VALUES10)
    # k = 2.355: ISO 16269-6:2014 / Natrella (1963), n = 10, p = 0.90, 0.95
    assert ti.upper == pytest.approx(mean + 2.355 * sd, abs=TABLE_TOL * sd)
    assert ti.lower == pytest.approx(mean - 2.355 * sd, abs=TABLE_TOL * sd)


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(1e-3, 1e3), shift=st.floats(-1e3, 1e3))
def test_normal_tolerance_interval_equivariant(scale, shift):
    base = normal_tolerance_interval(values=VALUES10, coverage=0.9, confidence=0.9)
    moved = normal_tolerance_interval(values=[shift + scale * v for v in VALUES10], coverage=0.9, confidence=0.9)
    assert moved.lower == pytest.approx(shift + scale * base.lower, rel=1e-9, abs=1e-9 * scale)
    assert moved.upper == pytest.approx(shift + scale * base.upper, rel=1e-9, abs=1e-9 * scale)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"values": [1.0], "coverage": 0.9, "confidence": 0.95},
        {"values": [1.0, float("nan"), 2.0], "coverage": 0.9, "confidence": 0.95},
        {"values": [[1.0, 2.0], [3.0, 4.0]], "coverage": 0.9, "confidence": 0.95},
        {"values": [1.0, 2.0, 3.0], "coverage": 0.9, "confidence": 0.95, "sides": 3},
    ],
)
def test_normal_tolerance_interval_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        normal_tolerance_interval(**kwargs)


# --------------------------------------------------------------------------
# distribution-free (Wilks)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coverage", "confidence", "sides", "expected"),
    [
        (0.95, 0.95, 1, 59),  # Wilks (1941): one-sided 95 %/95 % needs n = 59
        (0.95, 0.95, 2, 93),  # Wilks (1941): two-sided 95 %/95 % needs n = 93
    ],
)
def test_nonparametric_min_n_wilks(coverage, confidence, sides, expected):
    assert nonparametric_min_n(coverage=coverage, confidence=confidence, sides=sides) == expected


@pytest.mark.parametrize("coverage", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("sides", [1, 2])
def test_nonparametric_min_n_matches_binomial_search(coverage, confidence, sides):
    # Independent: smallest n with P(Bin(n, p) <= n - m) >= confidence, where
    # m = 2 order statistics excluded (two-sided) or 1 (one-sided).
    m = 2 if sides == 2 else 1
    n = m
    while stats.binom.cdf(n - m, n, coverage) < confidence:
        n += 1
    assert nonparametric_min_n(coverage=coverage, confidence=confidence, sides=sides) == n


@settings(max_examples=100, deadline=None)
@given(n=st.integers(2, 3000), coverage=st.floats(0.5, 0.999))
def test_nonparametric_confidence_matches_binomial(n, coverage):
    # Wilks: the coverage of [X(1), X(n)] is Beta(n-1, 2), so the confidence is
    # P(Bin(n, p) <= n - 2); one-sided P(Bin(n, p) <= n - 1) = 1 - p^n.
    two = nonparametric_tolerance_interval(n=n, coverage=coverage).confidence
    one = nonparametric_tolerance_interval(n=n, coverage=coverage, sides=1).confidence
    assert two == pytest.approx(stats.binom.cdf(n - 2, n, coverage), abs=1e-12)
    assert one == pytest.approx(stats.binom.cdf(n - 1, n, coverage), abs=1e-12)
    assert 0.0 <= two <= one <= 1.0


def test_nonparametric_interval_from_values_and_monte_carlo():
    # Monte Carlo check of Wilks' formula on uniform samples (any continuous
    # law gives the same): n = 46, p = 0.90 -> P(F(max) - F(min) >= 0.90).
    n, p = 46, 0.90
    r = nonparametric_tolerance_interval(n=n, coverage=p)
    rng = np.random.default_rng(7)
    u = rng.random((200_000, n))
    achieved = np.mean(u.max(axis=1) - u.min(axis=1) >= p)
    # MC standard error sqrt(.95 * .05 / 2e5) = 4.9e-4; 4 SE
    assert achieved == pytest.approx(r.confidence, abs=2e-3)
    vals = rng.normal(size=n)
    r2 = nonparametric_tolerance_interval(n=n, coverage=p, values=vals)
    assert (r2.lower, r2.upper) == (vals.min(), vals.max())
    assert r2.confidence == r.confidence


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 1, "coverage": 0.9},
        {"n": 0, "coverage": 0.9, "sides": 1},
        {"n": 10, "coverage": 0.0},
        {"n": 10, "coverage": 0.9, "sides": 0},
        {"n": 3, "coverage": 0.9, "values": [1.0, 2.0]},
    ],
)
def test_nonparametric_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        nonparametric_tolerance_interval(**kwargs)
