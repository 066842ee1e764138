"""Tests for cmcready.stats.quality_range.

Expected values are computed independently with Python's statistics module
(mean, stdev with n - 1) and with Samuelson's (1968) inequality.
"""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmcready.stats.quality_range import QualityRange, quality_range

REFERENCE = [98.2, 101.5, 99.7, 100.4, 102.1, 97.9, 100.8, 99.1]


def test_quality_range_matches_statistics_module():
    # independent implementation: statistics.mean / statistics.stdev (n - 1)
    mean, sd = statistics.mean(REFERENCE), statistics.stdev(REFERENCE)
    qr = quality_range(reference=REFERENCE)
    assert isinstance(qr, QualityRange)
    assert qr.mean == pytest.approx(mean, rel=1e-14)
    assert qr.sd == pytest.approx(sd, rel=1e-12)
    assert qr.lower == pytest.approx(mean - 3 * sd, rel=1e-12)
    assert qr.upper == pytest.approx(mean + 3 * sd, rel=1e-12)
    assert (qr.k, qr.n) == (3.0, 8)


def test_quality_range_hand_computed():
    # mean 12, SD sqrt(((-2)^2 + 0 + 2^2) / 2) = 2 by hand; k = 3 -> [6, 18]
    qr = quality_range(reference=[10.0, 12.0, 14.0])
    assert (qr.mean, qr.sd, qr.lower, qr.upper) == (12.0, 2.0, 6.0, 18.0)
    qr2 = quality_range(reference=[10.0, 12.0, 14.0], k=1.5)
    assert (qr2.lower, qr2.upper) == (9.0, 15.0)


def test_classify_boundaries_are_inside_and_strictly_outside_fails():
    qr = quality_range(reference=[10.0, 12.0, 14.0])  # [6, 18], see above
    c = qr.classify(values=[6.0, 18.0, 12.0, 5.999, 18.001])
    assert c.inside == (True, True, True, False, False)
    assert (c.n, c.n_outside, c.all_inside) == (5, 2, False)
    ok = qr.classify(values=[6.0, 18.0])
    assert ok.all_inside and ok.n_outside == 0
    empty = qr.classify(values=[])
    assert (empty.n, empty.n_outside, empty.all_inside) == (0, 0, True)


def test_a_value_written_on_a_bound_in_decimal_is_inside():
    # [0.4, 0.5, 0.6], k = 3: mean 0.5, SD 0.1, range [0.2, 0.8] in decimal; in binary the
    # computed bounds miss 0.2 and 0.8 by an ulp, which must not fail a lot on the bound.
    qr = quality_range(reference=[0.4, 0.5, 0.6], k=3.0)
    assert qr.classify(values=[0.8, 0.2]).inside == (True, True)
    assert qr.classify(values=[0.8 + 1e-6, 0.2 - 1e-6]).inside == (False, False)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40).filter(lambda v: statistics.stdev(v) > 1e-3))
def test_reference_values_inside_by_samuelson(values):
    # Samuelson (1968): every value of a sample lies within
    # (n - 1) / sqrt(n) SDs (ddof=1) of the mean, so with that k all
    # reference values must classify as inside.
    n = len(values)
    k = (n - 1) / math.sqrt(n) * (1 + 1e-9)  # relative slack for rounding only
    qr = quality_range(reference=values, k=k)
    assert qr.classify(values=values).all_inside


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.floats(-100, 100), min_size=2, max_size=30).filter(lambda v: statistics.stdev(v) > 1e-3),
    scale=st.floats(0.01, 100),
    shift=st.floats(-100, 100),
)
def test_quality_range_equivariant(values, scale, shift):
    base = quality_range(reference=values)
    moved = quality_range(reference=[shift + scale * v for v in values])
    tol = 1e-9 * (abs(shift) + scale * (abs(base.mean) + 3 * base.sd) + 1)
    assert moved.lower == pytest.approx(shift + scale * base.lower, abs=tol)
    assert moved.upper == pytest.approx(shift + scale * base.upper, abs=tol)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reference": [1.0]},
        {"reference": []},
        {"reference": [1.0, float("nan")]},
        {"reference": [1.0, float("inf")]},
        {"reference": [[1.0, 2.0], [3.0, 4.0]]},
        {"reference": [1.0, 2.0], "k": 0},
        {"reference": [1.0, 2.0], "k": -1.0},
        {"reference": [1.0, 2.0], "k": float("nan")},
    ],
)
def test_quality_range_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        quality_range(**kwargs)


def test_classify_bad_arguments():
    qr = quality_range(reference=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        qr.classify(values=[1.0, float("nan")])
    with pytest.raises(TypeError):
        qr.classify([1.0])  # type: ignore[misc]  # keyword-only
