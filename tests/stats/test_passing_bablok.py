"""Tests for cmcready.stats.passing_bablok.

Reference numbers, each with its source beside it:

* R package mcr (Roche Diagnostics), test-case collection
  ``inst/unitTests/TestCaseCollection/``: ``MC_TestCase_AnaIT_TD41.xml``
  ("Negative Intercept"), ``MC_TestCase_AnaIT_TD20.xml`` ("Slope equal Null";
  Kendall's tau < 0, so the mirrored variant applies) and
  ``MC_TestCase_Intranet_01.xml`` ("Roche Dx PaBa intranet test case 01",
  n = 100; in the mcr sources on GitHub, piodag/mcr).  Their PaBa reference
  results come from Roche's validated Calanas software ("PaBa Calanas
  references"); the Intranet.01 intercept limits are printed to 3-6 decimals.
* A brute-force transcription of the algorithm of R mcr's ``mc.paba``
  (all slopes materialised and sorted) on property-generated data with ties.
* An independent transcription of mcr's ``MCResult.calcCUSUM`` for the
  linearity statistic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cmcready.stats import passing_bablok as pb_module
from cmcready.stats.passing_bablok import PassingBablokResult, passing_bablok

ENGINES = ["materialize", "counting", "chunked"]


def _parse(text: str) -> np.ndarray:
    return np.array([float(v) for v in text.split(",")])


def _fit(x, y, engine="auto", alpha=0.05) -> PassingBablokResult:
    return pb_module._passing_bablok(np.asarray(x, float), np.asarray(y, float), alpha, engine)


# mcr MC_TestCase_AnaIT_TD41.xml, <X>, <Y>
TD41_X = _parse(
    "51.2645749891018,25.057888623163,87.7627598051843,62.7082431751683,"
    "80.1505333459012,4.62656604009068,33.8310555651344,32.0639233133885,"
    "55.2077551040875,88.035676807363,26.4910934056359,46.2676105006161,"
    "67.5309426729014,69.4845641448515,99.6168230345125,29.8740565635394,"
    "76.4074905899151,40.4037427291051,102.582022432525,77.2420615775276,"
    "54.4091160177792,31.6670196474807,35.3688444029188,48.4596331809692,"
    "27.2766177138551,16.8936814075242,21.978946351695,31.8737570958866,"
    "65.2811331882764,11.4235216747994,26.5759954950747,89.7483619905396,"
    "70.8540190812346,81.722195686426,88.8717635815042,69.8842397333777,"
    "41.3339139273995,46.7715712147959,7.2758706475883,107.885815963472,"
    "72.476537675172,5.47829692782881,54.7122861461908,100.774725860614,"
    "58.9921395982599,26.0127119387814,52.4842022010358,20.4930187951634,"
    "19.2251154457486,15.6062233212609"
)
TD41_Y = _parse(
    "57.5184652931192,20.8590706998877,108.803321969406,61.9186963049216,"
    "66.3660888378279,4.45211496523264,32.5230480583973,35.6080901524917,"
    "53.8918711450082,60.4588280634825,26.36826855427,41.3684710045443,"
    "64.2210938093771,56.4507675239752,104.375984642575,27.1349756417984,"
    "94.57022726837,29.4173054011996,65.8469193441376,72.8808353078608,"
    "52.3451209927057,29.9746067384427,41.473958110454,42.6744860392878,"
    "36.4560529958421,16.3614420035519,25.0786009186081,23.9554024584609,"
    "71.1179574648198,10.0486986665957,19.0607414061787,71.7842138052182,"
    "126.559037624235,94.0881361451604,87.2145942516959,89.5887499202462,"
    "48.5784251203412,35.6846235173564,7.12184193955352,100.323182519431,"
    "69.23017359012,3.82672858010298,49.4382345176691,77.5738341281733,"
    "52.4666442933717,14.6409084616032,49.8976536701488,21.1546025964904,"
    "12.5229666712546,13.2198613541858"
)
# mcr MC_TestCase_AnaIT_TD20.xml, <X>, <Y>
TD20_X = _parse(
    "40.7416675085396,83.2921878022294,36.4584614937195,72.0877727140495,"
    "105.023225483845,16.0054850259489,77.939023513233,67.9581547886773,"
    "72.6256313765255,76.1721718038233,53.5660975152265,44.5346723059445,"
    "65.5050371740949,34.7466804639362,96.0978992891711,22.2521041428996,"
    "22.5836249521736,62.0494626614161,61.9702908007929,28.2088726776012,"
    "31.6304427667499,44.0148198828374,104.670709377516,52.7016282328276,"
    "1.60206831757677,75.4250970942993,9.34446754429201,60.6762586794768,"
    "73.933484555705,92.9007223924939,92.1358694560978,17.1124285739673,"
    "16.8171641673365,54.6806652266699,66.5315262775023,92.626350509732,"
    "89.9333484415825,92.3201120961047,76.0988174908423,17.1096655807122,"
    "67.8811974065475,42.3956783976743,40.0315902646466,67.1597134632739,"
    "50.835099276364,35.8443954390043,1.26426041082727,41.0671736784787,"
    "11.2645309896417,99.9805522966942"
)
TD20_Y = _parse(
    "10.7521704713994,13.4509410376188,11.2856306611224,10.7072031331434,"
    "6.54511523826305,6.19341973153328,8.9913906536256,12.3132146064145,"
    "13.0068162195109,4.74699049037311,9.23390774820934,9.25776029197391,"
    "9.76777184256182,10.3206462496027,7.63552298198159,10.3097082932773,"
    "8.98004925615561,13.0747427217869,11.043558452402,10.6615472307638,"
    "9.06764709725244,12.9103504115876,10.9096799031437,7.52693609703188,"
    "9.80669510453226,10.0521231199264,9.63095814224613,8.5641931365438,"
    "9.2882644554061,10.6419750816148,11.4130646454215,11.4512769554377,"
    "13.2649021988222,13.0654807233486,8.23186894210709,12.778014425933,"
    "9.30152382689763,9.08142311092212,12.3867931320649,11.1263164725831,"
    "7.55471439942213,12.7413975083685,8.94432971745523,10.6831718241507,"
    "9.95511449623938,8.68553553767885,8.5049120707315,13.349972370573,"
    "10.3520245838025,8.71363686499155"
)
# mcr MC_TestCase_Intranet_01.xml, <X>, <Y>
INTRANET01_X = _parse(
    "37.638,72.172,44.222,63.226,56.964,64.44,59.697,56.758,66.892,45.039,43.982,"
    "81.447,56.686,56.531,68.645,15.909,65.453,54.064,70.133,74.812,53.936,53.859,"
    "54.94,39.94,60.157,58.85,42.263,58.165,84.627,50.297,63.02,73.423,82.774,65.371,"
    "85.968,57.922,67.137,61.491,38.051,92.367,63.506,71.169,65.304,102.633,90.076,"
    "52.774,77.757,60.873,46.37,60.322,52.943,74.743,44.518,51.144,64.431,86.398,"
    "93.962,36.171,40.908,59.051,61.718,41.687,58.52,67.087,30.004,79.987,76.014,"
    "78.933,94.46,65.977,80.435,68.064,91.848,31.928,70.687,58.399,53.02,59.757,"
    "51.72,68.451,75.738,64.683,52.187,75.062,97.114,62.168,58.556,58.926,45.805,"
    "76.812,66.891,68.515,55.129,47.421,40.356,46.943,57.506,81.295,59.572,40.823"
)
INTRANET01_Y = _parse(
    "38.051,70.2,41.258,64.522,59.186,65.891,58.281,62.088,61.884,45.566,46.314,"
    "80.334,50.9,57.748,70.88,16.659,70.528,55.919,77.824,72.23,52.747,52.755,60.294,"
    "42.543,63.647,57.343,45.45,60.096,77.901,46.925,66.067,82.326,80.841,75.402,"
    "93.051,59.737,60.523,64.379,36.733,89.351,53.288,68.281,62.295,99.831,75.788,"
    "57.33,86.223,58.255,44.956,56.85,49.819,78.99,40.775,48.311,56.26,92.053,95.914,"
    "36.974,47.693,54.088,63.909,40.04,61.23,65.291,27.347,78.826,74.263,71.254,"
    "95.452,62.316,82.708,68.652,84.989,34.492,75.671,58.481,57.244,69.607,52.381,"
    "67.539,72.143,60.861,59.018,74.041,93.46,69.256,63.018,61.994,42.21,75.453,"
    "66.19,79.511,51.548,44.784,44.11,45.176,54.076,81.725,53.221,36.605"
)


@pytest.mark.parametrize("engine", ENGINES)
def test_td41_matches_calanas(engine):
    fit = _fit(TD41_X, TD41_Y, engine)
    assert fit.correlation == "positive"
    # MC_TestCase_AnaIT_TD41.xml, algorithm PaBa (Calanas, 10 significant digits)
    assert fit.intercept == pytest.approx(-1.748618519, rel=1e-8)  # <Intercept>
    # <InterceptL>, <InterceptU>
    assert fit.intercept_ci == pytest.approx((-8.325836202, 0.773029866), rel=1e-8)
    assert fit.slope == pytest.approx(0.996354387, rel=1e-8)  # <Slope>
    assert fit.slope_ci == pytest.approx((0.922736244, 1.129791731), rel=1e-8)  # <SlopeL/U>
    # (The textbook rule b(M1 + K), b(M2 + K) misses these limits by ~4e-4 to 2e-3.)


@pytest.mark.parametrize("engine", ENGINES)
def test_td20_mirrored_variant_matches_calanas(engine):
    fit = _fit(TD20_X, TD20_Y, engine)
    assert fit.kendall_tau < 0
    assert fit.correlation == "negative"
    assert fit.shift < 0  # K = -#(slopes > 1)
    # MC_TestCase_AnaIT_TD20.xml, algorithm PaBa (Calanas); slopes printed to 1e-9
    assert fit.intercept == pytest.approx(10.46449894, rel=1e-8)  # <Intercept>
    assert fit.intercept_ci == pytest.approx((9.71867624, 11.6101731), rel=1e-8)  # <InterceptL/U>
    assert fit.slope == pytest.approx(-0.0079741, abs=1e-9)  # <Slope>
    assert fit.slope_ci == pytest.approx((-0.028869985, 0.010701459), abs=1e-9)  # <SlopeL/U>


@pytest.mark.parametrize("engine", ENGINES)
def test_intranet01_matches_roche_validation(engine):
    fit = _fit(INTRANET01_X, INTRANET01_Y, engine)
    assert fit.n == 100
    # MC_TestCase_Intranet_01.xml, algorithm PaBa
    assert fit.intercept == pytest.approx(-1.84079466057068, rel=1e-10)  # <Intercept>
    assert fit.slope == pytest.approx(1.01584293534659, rel=1e-10)  # <Slope>
    assert fit.slope_ci == pytest.approx((0.965210501192162, 1.07722127387334), rel=1e-10)
    assert fit.intercept_ci[0] == pytest.approx(-5.129, abs=1e-3)  # <InterceptL> (3 decimals)
    assert fit.intercept_ci[1] == pytest.approx(1.623906, abs=1e-6)  # <InterceptU>


# ----------------------------------------------------------------------------
# Brute-force definition (transcription of mcr's mc.paba, R/mcPaBa.r)
# ----------------------------------------------------------------------------


def _reference_passing_bablok(x, y, alpha=0.05):
    """All pairwise slopes materialised and sorted, then mcr's index rules."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = x.size
    positive = stats.kendalltau(x, y).statistic >= 0
    slopes = []
    for i in range(n - 1):
        for j in range(i + 1, n):
            dx = x[j] - x[i]
            dy = y[j] - y[i]
            if dx != 0.0:
                slopes.append(dy / dx)
            elif dy != 0.0:
                slopes.append(math.inf if positive else -math.inf)
    a = np.sort(np.array(slopes))
    n_all = a.size
    if positive:
        n_le, n_lt = int(np.sum(a <= -1)), int(np.sum(a < -1))
        offset = n_le + n_lt
        lowest = 2 * (n_le - n_lt) + 1
    else:
        n_ge, n_gt = int(np.sum(a >= 1)), int(np.sum(a > 1))
        offset = -(n_ge + n_gt)
        lowest = 2 * (n_ge - n_gt) + 1

    def at(q):
        if q % 2 == 1:
            return a[(q + 1) // 2 - 1]
        lo, hi = a[q // 2 - 1], a[q // 2]
        return lo if lo == hi else math.tan((math.atan(lo) + math.atan(hi)) / 2)

    c = math.floor(stats.norm.ppf(1 - alpha / 2) * math.sqrt(n * (n - 1) * (2 * n + 5) / 18) + 0.5)
    slope = at(n_all + offset)
    q_lo, q_hi = n_all - c + offset, n_all + c + offset
    lower = at(q_lo) if q_lo >= lowest else -math.inf
    upper = at(q_hi) if q_hi <= 2 * n_all - 1 else math.inf
    intercept = float(np.median(y - slope * x))
    if math.isfinite(lower) and math.isfinite(upper):
        i_ci = tuple(sorted((float(np.median(y - upper * x)), float(np.median(y - lower * x)))))
    else:
        i_ci = (-math.inf, math.inf)
    return slope, (lower, upper), intercept, i_ci


_grids = st.sampled_from([1.0, 0.5, 0.1, 0.01])


@st.composite
def _tied_data(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(3, 60))
    grid = draw(_grids)
    sign = draw(st.sampled_from([1.0, -1.0]))
    slope = draw(st.floats(0.2, 3.0))
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(0.0, 10.0, n) / grid) * grid
    y = np.round((20.0 + sign * slope * x + rng.normal(0.0, 1.0, n)) / grid) * grid
    if draw(st.booleans()):  # duplicate some points / x values
        k = draw(st.integers(1, max(1, n // 3)))
        x[:k] = x[-k:]
        if draw(st.booleans()):
            y[:k] = y[-k:]
    return x, y


@settings(max_examples=150, deadline=None)
@given(_tied_data(), st.sampled_from([0.05, 0.01, 0.2]))
def test_all_engines_equal_the_brute_force_definition(data, alpha):
    x, y = data
    if np.all(x == x[0]) or np.all(y == y[0]):
        return
    try:
        expected = _reference_passing_bablok(x, y, alpha)
    except (IndexError, ValueError):  # degenerate (e.g. shifted median out of range)
        return
    if not math.isfinite(expected[0]):
        with pytest.raises(ValueError):
            _fit(x, y, "auto", alpha)
        return
    for engine in ENGINES:
        fit = _fit(x, y, engine, alpha)
        assert fit.slope == expected[0]
        assert fit.slope_ci == expected[1]
        assert fit.intercept == expected[2]
        assert fit.intercept_ci == expected[3]


def test_counting_engine_equals_chunked_pass_on_large_tied_data():
    rng = np.random.default_rng(11)
    x = rng.integers(0, 3000, 2500) * 0.1  # decimal grid: many exact and near ties
    y = x + rng.integers(-20, 21, x.size) * 0.1
    y[:800] = x[:800]  # many slopes exactly 1
    a = _fit(x, y, "counting")
    b = _fit(x, y, "chunked")
    assert (a.slope, a.slope_ci, a.intercept, a.intercept_ci) == (
        b.slope, b.slope_ci, b.intercept, b.intercept_ci
    )
    assert (a.shift, a.n_slopes, a.n_excluded_unit) == (b.shift, b.n_slopes, b.n_excluded_unit)


def test_large_n_uses_the_fast_path(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.lognormal(3.0, 0.6, 5000)
    y = 1.03 * x + 2.0 + rng.normal(0.0, 0.05 * x + 1.0)
    reference = _fit(x, y, "chunked")  # exact pass over all 12.5e6 slopes

    def refuse(*args, **kwargs):
        raise AssertionError("fallback used")

    monkeypatch.setattr(pb_module, "_chunked_order_statistics", refuse)
    fit = passing_bablok(x=x, y=y)
    assert (fit.slope, fit.slope_ci, fit.intercept_ci) == (
        reference.slope, reference.slope_ci, reference.intercept_ci
    )


# ----------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------


@st.composite
def _continuous_data(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(5, 80))
    slope = draw(st.floats(0.2, 5.0))
    rng = np.random.default_rng(seed)
    x = rng.uniform(1.0, 100.0, n)
    y = 3.0 + slope * x + rng.normal(0.0, 5.0 * slope, n)
    return x, y


@settings(max_examples=80, deadline=None)
@given(_continuous_data())
def test_swapping_x_and_y_inverts_the_line(data):
    # Passing & Bablok (1983): the result does not depend on which method is x.
    x, y = data
    fit = passing_bablok(x=x, y=y)
    back = passing_bablok(x=y, y=x)
    assert back.slope == pytest.approx(1.0 / fit.slope, rel=1e-12)
    assert back.intercept == pytest.approx(-fit.intercept / fit.slope, rel=1e-9, abs=1e-9)
    lo, hi = fit.slope_ci
    # Where both limits exist in both orientations they map onto each other.  (For
    # tiny n the mcr/Calanas rank rule -- upper limit undefined when its doubled
    # index exceeds 2N - 1 -- can close one orientation and not the other.)
    if 0.0 < lo and np.all(np.isfinite(fit.slope_ci + back.slope_ci)):
        assert back.slope_ci == pytest.approx((1.0 / hi, 1.0 / lo), rel=1e-12)


@settings(max_examples=80, deadline=None)
@given(_tied_data(), st.sampled_from([2.0**-10, 0.25, 2.0, 1024.0]))
def test_invariance_to_units(data, scale):
    # Power-of-two scaling is exact in floating point, so the fit must scale exactly.
    x, y = data
    if np.all(x == x[0]) or np.all(y == y[0]):
        return
    try:
        fit = passing_bablok(x=x, y=y)
    except ValueError:
        return
    scaled = passing_bablok(x=scale * x, y=scale * y)
    assert scaled.slope == fit.slope
    assert scaled.slope_ci == fit.slope_ci
    assert scaled.intercept == scale * fit.intercept
    assert scaled.intercept_ci == (scale * fit.intercept_ci[0], scale * fit.intercept_ci[1])
    assert scaled.cusum_statistic == fit.cusum_statistic


@settings(max_examples=40, deadline=None)
@given(_continuous_data(), st.floats(-50.0, 50.0))
def test_shift_of_y_moves_only_the_intercept(data, shift):
    x, y = data
    fit = passing_bablok(x=x, y=y)
    moved = passing_bablok(x=x, y=y + shift)
    assert moved.slope == pytest.approx(fit.slope, rel=1e-9)
    assert moved.intercept == pytest.approx(fit.intercept + shift, rel=1e-7, abs=1e-7)


def test_zero_kendall_tau_uses_the_positive_variant():
    # pairs: 2 concordant, 2 discordant, 2 tied -> tau = 0; mcr uses tau >= 0.
    fit = passing_bablok(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, 2.0, 1.0])
    assert fit.kendall_tau == 0.0
    assert fit.correlation == "positive"


def test_slopes_of_minus_one_are_excluded():
    # Four points on y = x plus one pair with slope exactly -1 (x: 1 -> 2, y: 6 -> 5).
    x = [0.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0]
    y = [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 5.0]
    fit = passing_bablok(x=x, y=y)
    slopes = [
        (y[j] - y[i]) / (x[j] - x[i])
        for i in range(7) for j in range(i + 1, 7) if x[j] != x[i]
    ]
    assert fit.n_excluded_unit == sum(s == -1.0 for s in slopes)
    assert fit.shift == sum(s < -1.0 for s in slopes)
    assert fit.n_slopes == len(slopes) + 2 - fit.n_excluded_unit  # +2 vertical pairs (x=1, x=2)


# ----------------------------------------------------------------------------
# CUSUM linearity test
# ----------------------------------------------------------------------------


def _mcr_cusum(x, y, slope, intercept):
    """Transcription of mcr's MCResult.calcCUSUM (R/MCResultMethods.r)."""
    res = y - intercept - x * slope
    nl = np.sum(res > 0)
    nL = np.sum(res < 0)
    ri = np.where(res > 0, np.sqrt(nL / nl), np.where(res < 0, -np.sqrt(nl / nL), 0.0))
    di = (y + x / slope - intercept) / np.sqrt(1 + 1 / slope**2)
    cusum = np.cumsum(ri[np.argsort(di, kind="stable")])
    return nl, nL, np.max(np.abs(cusum))


@pytest.mark.parametrize(
    "x, y", [(TD41_X, TD41_Y), (TD20_X, TD20_Y), (INTRANET01_X, INTRANET01_Y)],
    ids=["TD41", "TD20", "Intranet01"],
)
def test_cusum_statistic_matches_mcr_formula(x, y):
    fit = passing_bablok(x=x, y=y)
    nl, nL, stat = _mcr_cusum(x, y, fit.slope, fit.intercept)
    assert (fit.n_above, fit.n_below) == (nl, nL)
    assert fit.cusum_statistic == pytest.approx(stat, rel=1e-12)
    assert fit.cusum_critical == pytest.approx(1.36 * math.sqrt(nl + nL), rel=1e-12)
    assert fit.cusum[-1] == pytest.approx(0.0, abs=1e-9)  # scores sum to zero
    assert not fit.linearity_rejected  # these reference sets are linear by design


def test_cusum_rejects_a_curved_relationship():
    x = np.linspace(1.0, 60.0, 60)
    y = x + 0.02 * (x - 30.0) ** 2 + np.tile([0.1, -0.1], 30)
    fit = passing_bablok(x=x, y=y)
    assert fit.linearity_rejected
    assert fit.cusum_p_value < 0.05
    assert fit.cusum_statistic > fit.cusum_critical


# ----------------------------------------------------------------------------
# Bad arguments
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0]),  # length mismatch
        dict(x=[1.0, 2.0], y=[1.0, 2.0]),  # n < 3
        dict(x=[1.0, np.nan, 3.0], y=[1.0, 2.0, 3.0]),  # NaN
        dict(x=[1.0, 2.0, 3.0], y=[1.0, -np.inf, 3.0]),  # inf
        dict(x=[2.0, 2.0, 2.0], y=[1.0, 2.0, 3.0]),  # constant x
        dict(x=[1.0, 2.0, 3.0], y=[5.0, 5.0, 5.0]),  # constant y
        dict(x=[[1.0, 2.0, 3.0]], y=[[1.0, 2.0, 3.0]]),  # 2-D
        dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0, 3.5], alpha=0.0),
        dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0, 3.5], alpha=1.5),
        dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0, 3.5], alpha="0.05"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        passing_bablok(**kwargs)


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        passing_bablok([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])  # type: ignore[misc]


def test_small_sample_has_unbounded_slope_interval():
    # n = 4: C = round(1.96 * sqrt(4*3*13/18)) = 6 > N, so both limits are open.
    fit = passing_bablok(x=[1.0, 2.0, 3.0, 4.0], y=[1.1, 1.9, 3.2, 3.9])
    assert fit.rank_c == 6
    assert fit.slope_ci == (-math.inf, math.inf)
    assert fit.intercept_ci == (-math.inf, math.inf)


def test_predict_and_inverse():
    fit = passing_bablok(x=TD41_X, y=TD41_Y)
    levels = np.array([5.0, 50.0, 100.0])
    np.testing.assert_allclose(fit.predict(levels), fit.intercept + fit.slope * levels, rtol=1e-14)
    np.testing.assert_allclose(fit.inverse(fit.predict(levels)), levels, rtol=1e-12)
    assert isinstance(fit.predict(1.0), float)
    with pytest.raises(AttributeError):
        fit.slope = 1.0  # type: ignore[misc]
