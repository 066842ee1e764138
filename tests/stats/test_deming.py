"""Tests for cmcready.stats.deming (Deming regression, jackknife intervals).

Reference numbers, each with its source beside it:

* R package mcr (Roche Diagnostics), 1.3.x, ``inst/unitTests/runit.mcDeming.R``
  (``test.mcDeming.call``): Deming fit of the ``creatinine`` dataset shipped with
  mcr (serum vs plasma creatinine, mg/dL; the 108 complete rows).
* R package mcr, test-case collection ``inst/unitTests/TestCaseCollection/
  MC_TestCase_AnaIT_TD15.xml`` and ``..._TD75.xml``: Deming with jackknife CIs
  (error ratio 1 and 1.21) and bias at X = 1, 10, 100, reference results
  from Analyse-it ("AnalyzeIT references"); mcr asserts them to 1e-6.
* scipy.odr (independent orthogonal-distance implementation) for the point
  estimate with other error ratios; an explicit leave-one-out loop.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from cmcready.stats.deming import BiasEstimate, DemingResult, deming_regression


def _parse(text: str) -> np.ndarray:
    return np.array([float(v) for v in text.split(",")])


# R mcr dataset `creatinine` (data/creatinine.rda): serum.crea (x, reference)
# and plasma.crea (y, test), rows with NA removed as in runit.mcDeming.R
# (`creatinine[complete.cases(creatinine), ]`), 108 pairs.
CREA_SERUM = _parse(
    "0.82,1.83,1.39,0.81,1.72,3.23,1.23,1.37,1.72,0.96,0.76,1.15,0.95,1,1.52,1.56,"
    "2.45,1.85,0.89,0.82,1.01,0.96,3.38,1.31,1.1,1.26,1.15,1.2,1.01,1.33,0.87,1.66,"
    "1.41,1.08,1.17,1.77,1.33,1.23,1.21,1.2,1.49,0.89,1.09,1.03,1.07,0.89,1.39,0.96,"
    "1.06,1.17,0.9,1.39,0.91,2.28,0.9,1.34,1.32,1.02,1.04,1.27,1.08,1.1,1.39,1.07,"
    "0.79,1.02,0.94,1.99,0.7,0.84,0.66,1.1,0.9,2.06,1.31,1.03,1.61,1.52,1.11,0.85,"
    "1.2,1.09,1.27,2.06,1.21,0.77,1.06,1.02,1,1.47,0.97,1.7,1.78,0.93,0.92,1.59,0.68,"
    "0.7,1.08,0.83,1.17,0.98,0.77,0.91,1.1,0.8,0.85,0.82"
)
CREA_PLASMA = _parse(
    "0.79,1.62,1.36,1.3,1.88,3.35,1.06,1.34,1.56,0.94,0.69,1.16,0.71,0.83,1.44,1.26,"
    "2.36,1.9,0.95,0.77,0.82,0.88,3.42,1.15,0.96,1.12,1.02,1.29,0.87,1.13,0.82,1.33,"
    "1.14,0.93,1.09,1.89,1.57,1.29,1.13,1.11,1.61,0.79,1.19,0.96,1.25,0.87,1.36,0.86,"
    "1.03,0.86,0.8,1.22,0.86,2.25,0.87,1.3,1.04,0.92,1.01,1.21,1.11,1.21,1.54,0.99,"
    "0.79,1.06,1.02,2.15,0.56,1.01,0.59,1.17,0.82,2.09,1.44,1.22,1.77,1.6,1.13,1.06,"
    "1.38,1.24,1.29,2.08,1.31,0.82,1.28,1.15,1.04,1.51,1.13,1.84,1.94,1.32,1.36,1.88,"
    "0.73,0.78,1.01,0.9,1.3,0.96,0.61,1.27,1.05,1.12,0.72,0.87"
)
# mcr inst/unitTests/TestCaseCollection/MC_TestCase_AnaIT_TD15.xml, <X>, <Y>
# ("Ordinar Data Set, AnalyzeIT references").
TD15_X = _parse(
    "18.654599109456,17.0610823229594,37.8076135618173,51.1413961380522,"
    "103.985667589592,34.8605133072495,35.1146708951621,16.005996343635,"
    "68.5890100912778,62.1699013684068,18.1641040703209,94.2563842860796,"
    "31.67278631354,18.8059773112482,67.9347403613216,18.260239156489,"
    "87.1550332248675,98.5843421029197,20.3747255514258,4.20199417418543,"
    "27.7662087802102,16.6797331091928,52.3335230459024,1.25970439645986,"
    "2.55285163008995,71.1422300479687,99.342890258164,40.6747911609727,"
    "82.5924169862313,64.7062991090824,1.46968233573658,83.5389530283147,"
    "19.8368624090347,44.339918470983,19.2879672940529,86.5484515948081,"
    "79.8461255550168,66.1164680506251,32.8785828616434,85.634465208222,"
    "15.772867025856,102.866851788539,16.4442973704484,23.0916021823352,"
    "83.3011761592876,9.47357732139885,15.4574423263928,67.0394769874472,"
    "32.7239965276836,71.7361088013058"
)
TD15_Y = _parse(
    "15.9116325401596,17.9423397346645,58.1755698848695,49.0779434653576,"
    "113.758268975683,35.5525894416901,39.4088027819502,15.0167183931276,"
    "65.8450151148211,62.6667874119841,15.8020862675435,83.9418317622942,"
    "33.5524291118479,18.5775089262923,73.872592767028,21.600509295785,"
    "93.4269960011703,89.8278248717022,20.130360709819,4.94910345310486,"
    "23.1566064984898,17.336339530418,56.2280624424048,1.70969794990576,"
    "3.40128933880261,87.5197563754811,67.3466761237754,35.6882873995953,"
    "90.4041198524321,62.2603160684644,1.52718831259026,84.5412183739216,"
    "19.0003036715583,51.0624306952549,12.0291575952956,55.3970074896586,"
    "96.7628055558332,69.6940969840453,29.1380990869214,85.4597993067675,"
    "18.1508502210932,92.1385811560549,17.012175857013,23.0242126162252,"
    "95.7510267835212,8.70125548126123,13.4955271740672,45.8284262464427,"
    "31.1175741976669,69.5490311988868"
)
# mcr inst/unitTests/TestCaseCollection/MC_TestCase_AnaIT_TD75.xml, <X>, <Y>
# ("Anticorrelated Data, AnalyzeIT references").
TD75_X = _parse(
    "90.94854005,90.74311368,26.31023043,98.19235999,35.08249737,36.99690677,"
    "14.81792531,8.764773789,32.21683989,91.79760259,75.28915477,40.6420841,"
    "93.23660592,100.8471256,80.03677464,9.730728171,64.56992102,82.10274977,"
    "61.63791314,43.17260187,30.94264059,61.64897608,72.53372006,11.09710915,"
    "91.16826844,60.15221876,53.61967232,80.39919708,46.70736503,52.37101338,"
    "98.54518727,31.14062396,90.2401702,49.05895544,86.90037898,32.95798862,"
    "24.09495241,7.410090949,81.115794,85.46941938,42.14293107,38.38076364,"
    "19.80711198,4.72048213,86.48263405,88.96497344,51.42211704,88.85347618,"
    "78.63551056,11.79939259"
)
TD75_Y = _parse(
    "22.0226782,10.58496871,70.54512704,1.914978913,65.92804862,70.41573966,"
    "68.4545122,91.02227982,52.56770723,13.15890649,29.1447891,50.84089176,"
    "19.71500115,1.041030188,17.61276204,82.1291793,42.25098335,5.607386272,"
    "31.87956626,54.35851657,80.97693032,40.73274844,31.37174808,94.16128197,"
    "2.884847543,46.67507745,41.44651063,20.03167004,64.76572813,51.75592003,"
    "6.41109599,44.66418888,6.120576553,42.37232466,12.12048817,65.80434484,"
    "82.24686333,104.2000938,22.7130359,7.828136681,53.98815005,69.03135704,"
    "67.42574317,92.15529064,8.536469455,17.12510975,60.14466426,18.38495434,"
    "10.71044213,83.3322476"
)

# mcr's XML test cases use DefaultEquivalencePrecision 1e-6 (relative).
REL = 1e-6


def test_creatinine_matches_mcr_unit_test():
    fit = deming_regression(x=CREA_SERUM, y=CREA_PLASMA, error_ratio=1.0)
    assert fit.n == 108
    # runit.mcDeming.R: res <- list(b0=-0.05891341, b1=1.054539, se.b0=0.04604315,
    #                               se.b1=0.03534361, xw=1.221111), tolerance=10e-7
    assert fit.intercept == pytest.approx(-0.05891341, rel=REL)  # runit.mcDeming.R b0
    assert fit.slope == pytest.approx(1.054539, rel=REL)  # runit.mcDeming.R b1
    assert fit.analytical_intercept_se == pytest.approx(0.04604315, rel=REL)  # se.b0
    assert fit.analytical_slope_se == pytest.approx(0.03534361, rel=REL)  # se.b1
    assert fit.mean_x == pytest.approx(1.221111, rel=REL)  # runit.mcDeming.R xw


# MC_TestCase_AnaIT_TD15.xml, algorithms Deming.1 and Deming.121 (jackknife).
TD15_REFERENCE = {
    1.0: dict(
        intercept=-0.505729735057073,  # <Intercept>
        intercept_ci=(-3.06557290114323, 2.05411343102908),  # <InterceptL>, <InterceptU>
        slope=0.998922574014433,  # <Slope>
        slope_ci=(0.904225546852836, 1.09361960117603),  # <SlopeL>, <SlopeU>
        bias=(-0.5068071610, -0.516503994912743, -0.613472333613766),  # <Bias> at 1,10,100
        bias_lower=(-2.9902456299816, -2.38908787854222, -8.14993524912432),  # <BiasL>
        bias_upper=(1.97663130789632, 1.35607988871673, 6.92299058189679),  # <BiasU>
    ),
    1.21: dict(
        intercept=-0.708594035342613,
        intercept_ci=(-3.2419770759952, 1.82478900530997),
        slope=1.00329228321811,
        slope_ci=(0.909809514645456, 1.09677505179076),
        bias=(-0.705301752124507, -0.675671203161549, -0.379365713531976),
        bias_lower=(-3.16427218313045, -2.54371875379321, -7.84830151579215),
        bias_upper=(1.75366867888143, 1.19237634747011, 7.0895700887282),
    ),
}

# MC_TestCase_AnaIT_TD75.xml (negative slope), algorithms Deming.1 / Deming.121.
TD75_REFERENCE = {
    1.0: dict(
        intercept=98.7579715921876,
        intercept_ci=(93.1475426287135, 104.368400555662),
        slope=-0.982603844953479,
        slope_ci=(-1.06078853494609, -0.904419154960862),
        bias=(96.7753677472341, 78.9319331426528, -99.5024129031602),
        bias_lower=(91.2363450305506, 74.0262564014578, -103.020940471119),
        bias_upper=(102.314390463918, 83.8376098838478, -95.9838853352013),
    ),
    1.21: dict(
        intercept=98.9702992249317,
        intercept_ci=(93.3803557854578, 104.560242664406),
        slope=-0.986347386095622,
        slope_ci=(-1.0643475256593, -0.908347246531939),
        bias=(96.983951838836, 79.1068253639754, -99.6644393846305),
        bias_lower=(91.4651355822698, 74.2187089794944, -103.195134064329),
        bias_upper=(102.502768095402, 83.9949417484565, -96.1337447049318),
    ),
}


@pytest.mark.parametrize(
    "x, y, reference",
    [(TD15_X, TD15_Y, TD15_REFERENCE), (TD75_X, TD75_Y, TD75_REFERENCE)],
    ids=["TD15", "TD75"],
)
@pytest.mark.parametrize("error_ratio", [1.0, 1.21])
def test_jackknife_matches_analyse_it(x, y, reference, error_ratio):
    ref = reference[error_ratio]
    fit = deming_regression(x=x, y=y, error_ratio=error_ratio, alpha=0.05)
    assert fit.intercept == pytest.approx(ref["intercept"], rel=REL)
    assert fit.slope == pytest.approx(ref["slope"], rel=REL)
    assert fit.intercept_ci == pytest.approx(ref["intercept_ci"], rel=REL)
    assert fit.slope_ci == pytest.approx(ref["slope_ci"], rel=REL)
    # The intervals are centred on the full-data estimate (not the jackknife mean).
    assert np.mean(fit.slope_ci) == pytest.approx(fit.slope, rel=1e-12)

    bias = fit.bias_at([1.0, 10.0, 100.0])
    assert isinstance(bias, BiasEstimate)
    np.testing.assert_allclose(bias.bias, ref["bias"], rtol=REL)
    np.testing.assert_allclose(bias.ci[0], ref["bias_lower"], rtol=REL)
    np.testing.assert_allclose(bias.ci[1], ref["bias_upper"], rtol=REL)

    # Scalar level gives scalars equal to the vectorised result.
    single = fit.bias_at(10.0)
    assert isinstance(single.bias, float)
    assert single.ci == pytest.approx((bias.ci[0][1], bias.ci[1][1]), rel=1e-12)


def test_bias_se_equals_pseudo_value_definition():
    # Independent route: pseudo-values of b0 + (b1 - 1) X from the stored
    # leave-one-out fits (Linnet 1990), sd / sqrt(n).
    fit = deming_regression(x=TD15_X, y=TD15_Y)
    n = fit.n
    for level in (0.0, 37.5, 250.0):
        full = fit.intercept + (fit.slope - 1.0) * level
        loo = fit.loo_intercepts + (fit.loo_slopes - 1.0) * level
        pseudo = n * full - (n - 1) * loo
        se = np.std(pseudo, ddof=1) / np.sqrt(n)
        assert fit.bias_at(level).se == pytest.approx(se, rel=1e-10)
    assert fit.bias_at(0.0).se == pytest.approx(fit.intercept_se, rel=1e-12)


@pytest.mark.parametrize("error_ratio", [0.25, 1.0, 1.21, 4.0])
def test_point_estimate_matches_scipy_odr(error_ratio):
    # Orthogonal distance regression with sd(error x) = sqrt(ratio), sd(error y) = 1
    # is the Deming model with var(err x) / var(err y) = ratio.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # scipy.odr deprecated in 1.17
        odr = pytest.importorskip("scipy.odr")
    data = odr.RealData(CREA_SERUM, CREA_PLASMA, sx=np.sqrt(error_ratio), sy=1.0)
    out = odr.ODR(data, odr.unilinear, beta0=[1.0, 0.0], sstol=1e-15, partol=1e-15,
                  maxit=1000).run()
    fit = deming_regression(x=CREA_SERUM, y=CREA_PLASMA, error_ratio=error_ratio)
    assert fit.slope == pytest.approx(out.beta[0], rel=1e-6)  # scipy.odr (iterative)
    assert fit.intercept == pytest.approx(out.beta[1], rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("error_ratio", [0.25, 1.0, 1.21, 4.0])
def test_point_estimate_minimises_deming_objective(error_ratio):
    # Independent route: the Deming slope minimises the profile objective
    # sum((y - ybar - b (x - xbar))**2) / (1 + b**2 * ratio)
    # (residual variance of y given var(err y) = 1, var(err x) = ratio).
    x, y = TD15_X, TD15_Y
    xc, yc = x - x.mean(), y - y.mean()

    def objective(b):
        return np.sum((yc - b * xc) ** 2) / (1.0 + b * b * error_ratio)

    best = optimize.minimize_scalar(objective, bracket=(0.5, 1.0, 1.5), tol=1e-14)
    fit = deming_regression(x=x, y=y, error_ratio=error_ratio)
    assert fit.slope == pytest.approx(best.x, rel=1e-7)
    assert fit.intercept == pytest.approx(y.mean() - best.x * x.mean(), rel=1e-5)


def test_error_ratio_limits_are_the_two_ols_lines():
    # error_ratio -> 0 (no error in x): OLS of y on x.
    # error_ratio -> inf (no error in y): inverted OLS of x on y.
    x, y = CREA_SERUM, CREA_PLASMA
    xc, yc = x - x.mean(), y - y.mean()
    ols_y_on_x = np.dot(xc, yc) / np.dot(xc, xc)
    ols_x_on_y_inverted = np.dot(yc, yc) / np.dot(xc, yc)
    fit = deming_regression(x=x, y=y, error_ratio=1e-9)
    assert fit.slope == pytest.approx(ols_y_on_x, rel=1e-6)
    assert deming_regression(x=x, y=y, error_ratio=1e9).slope == pytest.approx(
        ols_x_on_y_inverted, rel=1e-6
    )


def test_leave_one_out_matches_explicit_refits():
    rng = np.random.default_rng(7)
    x = rng.uniform(1.0, 50.0, 30)
    y = 2.0 + 1.1 * x + rng.normal(0.0, 2.0, 30)
    fit = deming_regression(x=x, y=y, error_ratio=2.5)
    slopes, intercepts = [], []
    for i in range(x.size):
        sub = deming_regression(x=np.delete(x, i), y=np.delete(y, i), error_ratio=2.5)
        slopes.append(sub.slope)
        intercepts.append(sub.intercept)
    np.testing.assert_allclose(fit.loo_slopes, slopes, rtol=1e-10)
    np.testing.assert_allclose(fit.loo_intercepts, intercepts, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError):
        fit.loo_slopes[0] = 0.0  # read-only
    with pytest.raises(ValueError):
        fit.jackknife_cov[0, 0] = 0.0


def test_predict_and_inverse():
    fit = deming_regression(x=TD15_X, y=TD15_Y)
    assert fit.predict(10.0) == pytest.approx(fit.intercept + 10.0 * fit.slope, rel=1e-14)
    levels = np.array([1.0, 25.0, 80.0])
    np.testing.assert_allclose(fit.inverse(fit.predict(levels)), levels, rtol=1e-12)
    assert isinstance(fit.predict(1.0), float)
    assert fit.predict(levels).shape == (3,)


def test_large_n_is_vectorised():
    rng = np.random.default_rng(3)
    x = rng.lognormal(3.0, 0.5, 10_000)
    y = 1.02 * x + rng.normal(0.0, 1.0, x.size)
    start = time.perf_counter()
    fit = deming_regression(x=x, y=y)
    elapsed = time.perf_counter() - start
    assert fit.loo_slopes.shape == (10_000,)
    assert elapsed < 0.5  # ~1 ms when vectorised; a per-sample refit loop takes seconds
    # spot-check two leave-one-out fits against explicit refits
    for i in (0, 9_999):
        sub = deming_regression(x=np.delete(x, i), y=np.delete(y, i))
        assert fit.loo_slopes[i] == pytest.approx(sub.slope, rel=1e-9)


# ----------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------

_data = st.tuples(
    st.integers(min_value=0, max_value=2**32 - 1),  # seed
    st.integers(min_value=5, max_value=40),  # n
    st.floats(min_value=0.2, max_value=5.0),  # true slope
    st.floats(min_value=-20.0, max_value=20.0),  # intercept
    st.floats(min_value=0.01, max_value=0.5),  # noise relative to spread
)


def _sample(params):
    seed, n, slope, intercept, noise = params
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 100.0, n)
    y = intercept + slope * x + rng.normal(0.0, noise * 100.0 * slope, n)
    return x, y


@settings(max_examples=60, deadline=None)
@given(_data, st.floats(min_value=0.05, max_value=20.0))
def test_swapping_x_and_y_inverts_the_line(params, ratio):
    x, y = _sample(params)
    fit = deming_regression(x=x, y=y, error_ratio=ratio)
    back = deming_regression(x=y, y=x, error_ratio=1.0 / ratio)
    assert back.slope == pytest.approx(1.0 / fit.slope, rel=1e-9)
    assert back.intercept == pytest.approx(-fit.intercept / fit.slope, rel=1e-7, abs=1e-9)
    np.testing.assert_allclose(back.loo_slopes, 1.0 / fit.loo_slopes, rtol=1e-8)


@settings(max_examples=60, deadline=None)
@given(_data, st.floats(min_value=1e-3, max_value=1e3), st.sampled_from([0.5, 1.0, 3.0]))
def test_invariance_to_units(params, scale, ratio):
    x, y = _sample(params)
    fit = deming_regression(x=x, y=y, error_ratio=ratio)
    scaled = deming_regression(x=scale * x, y=scale * y, error_ratio=ratio)
    assert scaled.slope == pytest.approx(fit.slope, rel=1e-9)
    assert scaled.slope_ci == pytest.approx(fit.slope_ci, rel=1e-8)
    assert scaled.intercept == pytest.approx(scale * fit.intercept, rel=1e-7, abs=1e-9 * scale)
    assert scaled.intercept_se == pytest.approx(scale * fit.intercept_se, rel=1e-7)
    assert scaled.bias_at(50.0 * scale).bias == pytest.approx(
        scale * fit.bias_at(50.0).bias, rel=1e-7, abs=1e-9 * scale
    )


@settings(max_examples=40, deadline=None)
@given(_data)
def test_exact_line_is_recovered(params):
    seed, n, slope, intercept, _ = params
    x = np.random.default_rng(seed).uniform(0.0, 100.0, n)
    fit = deming_regression(x=x, y=intercept + slope * x, error_ratio=1.7)
    assert fit.slope == pytest.approx(slope, rel=1e-9)
    assert fit.intercept == pytest.approx(intercept, rel=1e-7, abs=1e-7)
    assert fit.slope_se == pytest.approx(0.0, abs=1e-7)


# ----------------------------------------------------------------------------
# Bad arguments
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0]),  # length mismatch
        dict(x=[1.0, 2.0], y=[1.0, 2.0]),  # n < 3
        dict(x=[1.0, np.nan, 3.0, 4.0], y=[1.0, 2.0, 3.0, 4.0]),  # NaN
        dict(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, np.inf, 4.0]),  # inf
        dict(x=[[1.0, 2.0], [3.0, 4.0]], y=[[1.0, 2.0], [3.0, 4.0]]),  # 2-D
        dict(x=["a", "b", "c"], y=[1.0, 2.0, 3.0]),  # not numeric
        dict(x=[1.0, 2.0, 3.0], y=[1.0, 0.0, 1.0]),  # S_xy = 0: slope undefined
        dict(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, 2.5, 4.0], error_ratio=0.0),
        dict(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, 2.5, 4.0], error_ratio=-1.0),
        dict(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, 2.5, 4.0], error_ratio=np.nan),
        dict(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, 2.5, 4.0], error_ratio=np.inf),
        dict(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, 2.5, 4.0], error_ratio="1"),
        dict(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, 2.5, 4.0], error_ratio=True),
        dict(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, 2.5, 4.0], alpha=0.0),
        dict(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, 2.5, 4.0], alpha=1.0),
        dict(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, 2.5, 4.0], alpha=np.nan),
    ],
)
def test_bad_arguments_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        deming_regression(**kwargs)


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        deming_regression([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])  # type: ignore[misc]


def test_result_is_frozen_and_bad_bias_level_raises():
    fit = deming_regression(x=TD15_X, y=TD15_Y)
    assert isinstance(fit, DemingResult)
    with pytest.raises(AttributeError):
        fit.slope = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        fit.bias_at(np.nan)


def test_inverse_of_flat_line_raises():
    fit = deming_regression(x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 2.0, 2.5, 4.0])
    flat = DemingResult(**{**fit.__dict__, "slope": 0.0})
    with pytest.raises(ValueError):
        flat.inverse(1.0)
