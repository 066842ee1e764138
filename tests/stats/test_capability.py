"""Tests for cmcready.stats.capability.

Fixture: Montgomery's piston-ring inside-diameter data (mm), the first 25
samples of size 5, from Montgomery, D. C., Introduction to Statistical Quality
Control (Wiley), as distributed in R as ``qcc::pistonrings``. Expected
capability values are the printed output of qcc's process.capability for
these data in Scrucca, L. (2004), "qcc: an R package for quality control
charting and statistical process control", R News 4(1):11-17, with
specification limits 73.95 and 74.05.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmcready.stats.capability import c4, capability

# Montgomery, Introduction to Statistical Quality Control: piston-ring inside
# diameters, samples 1-25 (5 rings each) = qcc::pistonrings[1:125].
PISTON_RINGS_25 = [
    [74.030, 74.002, 74.019, 73.992, 74.008],
    [73.995, 73.992, 74.001, 74.011, 74.004],
    [73.988, 74.024, 74.021, 74.005, 74.002],
    [74.002, 73.996, 73.993, 74.015, 74.009],
    [73.992, 74.007, 74.015, 73.989, 74.014],
    [74.009, 73.994, 73.997, 73.985, 73.993],
    [73.995, 74.006, 73.994, 74.000, 74.005],
    [73.985, 74.003, 73.993, 74.015, 73.988],
    [74.008, 73.995, 74.009, 74.005, 74.004],
    [73.998, 74.000, 73.990, 74.007, 73.995],
    [73.994, 73.998, 73.994, 73.995, 73.990],
    [74.004, 74.000, 74.007, 74.000, 73.996],
    [73.983, 74.002, 73.998, 73.997, 74.012],
    [74.006, 73.967, 73.994, 74.000, 73.984],
    [74.012, 74.014, 73.998, 73.999, 74.007],
    [74.000, 73.984, 74.005, 73.998, 73.996],
    [73.994, 74.012, 73.986, 74.005, 74.007],
    [74.006, 74.010, 74.018, 74.003, 74.000],
    [73.984, 74.002, 74.003, 74.005, 73.997],
    [74.000, 74.010, 74.013, 74.020, 74.003],
    [73.988, 74.001, 74.009, 74.005, 73.996],
    [74.004, 73.999, 73.990, 74.006, 74.009],
    [74.010, 73.989, 73.990, 74.009, 74.014],
    [74.015, 74.008, 73.993, 74.000, 74.010],
    [73.982, 73.984, 73.995, 74.017, 74.013],
]
LSL, USL = 73.95, 74.05


def test_fixture_matches_montgomery_summary():
    # Guards the transcription: Montgomery reports a grand mean of 74.001 and
    # an average range R-bar of 0.023 for these 25 samples.
    x = np.array(PISTON_RINGS_25)
    assert x.shape == (25, 5)
    assert round(float(x.mean()), 3) == 74.001
    assert round(float(np.ptp(x, axis=1).mean()), 3) == 0.023


def test_piston_rings_capability_matches_qcc_rnews_2004():
    r = capability(values=PISTON_RINGS_25, lower=LSL, upper=USL)
    # Scrucca (2004), R News 4(1), printed process.capability output:
    assert r.n == 125  # "Number of obs = 125"
    assert r.mean == pytest.approx(74.00118, abs=5e-6)  # "Center = 74.00118"
    assert r.sigma_within == pytest.approx(0.009887547, abs=5e-10)  # "StdDev = 0.009887547"
    assert r.cp == pytest.approx(1.686, abs=5e-4)  # "Cp 1.686"
    assert r.cpl == pytest.approx(1.725, abs=5e-4)  # "Cp_l 1.725"
    assert r.cpu == pytest.approx(1.646, abs=5e-4)  # "Cp_u 1.646"
    assert r.cpk == pytest.approx(1.646, abs=5e-4)  # "Cp_k 1.646"


def test_piston_rings_performance_matches_closed_form():
    # Pp/Ppk: same formulas with the overall SD (n - 1) of the 125 values,
    # computed independently with the statistics module.
    flat = [v for row in PISTON_RINGS_25 for v in row]
    mean, sd = statistics.mean(flat), statistics.stdev(flat)
    r = capability(values=PISTON_RINGS_25, lower=LSL, upper=USL)
    assert r.sigma_overall == pytest.approx(sd, rel=1e-10)
    assert r.pp == pytest.approx((USL - LSL) / (6 * sd), rel=1e-10)
    assert r.ppk == pytest.approx(min(mean - LSL, USL - mean) / (3 * sd), rel=1e-10)


@pytest.mark.parametrize(
    ("m", "expected"),
    # Tabulated control-chart constant c4 (Montgomery, Introduction to
    # Statistical Quality Control, Appendix VI, "factors for constructing
    # variables control charts"), four decimals.
    [(2, 0.7979), (3, 0.8862), (4, 0.9213), (5, 0.9400), (10, 0.9727), (25, 0.9896)],
)
def test_c4_table(m, expected):
    assert c4(m) == pytest.approx(expected, abs=5e-5)


def test_individuals_use_moving_range_over_d2():
    # Individuals: sigma_within = mean |x_i - x_{i-1}| / d2, d2(2) = 1.128
    # (tabulated, Montgomery Appendix VI; exactly 2/sqrt(pi)).
    x = [10.2, 9.8, 10.1, 10.4, 9.9, 10.0, 10.3, 9.7, 10.1, 10.0]
    mr = statistics.mean(abs(a - b) for a, b in zip(x[1:], x[:-1]))
    r = capability(values=x, lower=9.0, upper=11.5)
    assert r.sigma_within == pytest.approx(mr / 1.128, rel=5e-4)  # table d2 has 4 digits
    assert r.sigma_within == pytest.approx(mr * math.sqrt(math.pi) / 2, rel=1e-12)
    mean = statistics.mean(x)
    assert r.cpl == pytest.approx((mean - 9.0) / (3 * r.sigma_within), rel=1e-12)
    assert r.cpu == pytest.approx((11.5 - mean) / (3 * r.sigma_within), rel=1e-12)
    assert r.cpk == min(r.cpl, r.cpu)


def test_one_sided_limits():
    r = capability(values=PISTON_RINGS_25, upper=USL)
    assert r.cp is None and r.pp is None and r.cpl is None
    assert r.cpk == pytest.approx(1.646, abs=5e-4)  # = Cp_u, Scrucca (2004)
    r2 = capability(values=PISTON_RINGS_25, lower=LSL)
    assert r2.cpk == pytest.approx(1.725, abs=5e-4)  # = Cp_l, Scrucca (2004)


@settings(max_examples=50, deadline=None)
@given(scale=st.floats(0.01, 100.0), shift=st.floats(-1000.0, 1000.0))
def test_indices_invariant_to_units(scale, shift):
    base = capability(values=PISTON_RINGS_25, lower=LSL, upper=USL)
    x = shift + scale * np.array(PISTON_RINGS_25)
    moved = capability(values=x, lower=shift + scale * LSL, upper=shift + scale * USL)
    for name in ("cp", "cpk", "pp", "ppk"):
        assert getattr(moved, name) == pytest.approx(getattr(base, name), rel=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"values": [1.0, 2.0, 3.0]},
        {"values": [1.0, 2.0, 3.0], "lower": 5.0, "upper": 1.0},
        {"values": [1.0], "lower": 0.0},
        {"values": [1.0, float("nan")], "lower": 0.0},
        {"values": [2.0, 2.0, 2.0], "lower": 0.0},
        {"values": [[1.0], [2.0]], "lower": 0.0},
        {"values": [1.0, 2.0], "lower": float("inf")},
    ],
)
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        capability(**kwargs)


def test_c4_bad_argument():
    with pytest.raises(ValueError):
        c4(1)
