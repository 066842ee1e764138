"""Bland--Altman analysis of agreement between two measurement methods.

* :func:`bland_altman` -- mean difference (bias), limits of agreement
  ``bias -/+ 1.96 SD`` with their approximate confidence intervals (Bland &
  Altman 1986, 1999), and a proportional-bias check (regression of the
  differences on the pair means).

All arguments are keyword-only; bad arguments raise :class:`ValueError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from ._checks import check_alpha as _alpha, paired_arrays as _pair, readonly as _readonly

__all__ = ["BlandAltmanResult", "bland_altman"]

#: Multiplier of the SD for the 95 % limits of agreement (Bland & Altman).
LOA_MULTIPLIER = 1.96


@dataclass(frozen=True, eq=False)
class BlandAltmanResult:
    """Result of :func:`bland_altman`.

    Attributes
    ----------
    n : int
        Number of pairs.
    alpha : float
        Significance level of all confidence intervals.
    percent : bool
        Whether the differences are percentages of the pair means.
    differences : numpy.ndarray
        Read-only ``y - x`` (or ``100 * (y - x) / ((x + y) / 2)``).
    means : numpy.ndarray
        Read-only pair means ``(x + y) / 2``.
    bias : float
        Mean difference ``d_bar``.
    sd : float
        Standard deviation of the differences ``s`` (``ddof = 1``).
    bias_ci : tuple of float
        ``d_bar -/+ t(1 - alpha/2, n - 1) * s / sqrt(n)``.
    loa_lower, loa_upper : float
        Limits of agreement ``d_bar -/+ 1.96 s``.
    loa_lower_ci, loa_upper_ci : tuple of float
        Approximate CIs of each limit, ``limit -/+ t(1 - alpha/2, n - 1) *
        sqrt(3 s**2 / n)`` (Bland & Altman 1986, 1999).
    proportional_slope : float
        Slope of the least-squares regression of the differences on the means.
    proportional_intercept : float
        Intercept of that regression.
    proportional_slope_ci : tuple of float
        ``slope -/+ t(1 - alpha/2, n - 2) * se(slope)``.
    proportional_p_value : float
        Two-sided p-value for slope = 0 (``scipy.stats.linregress``).
    proportional_bias : bool
        ``proportional_p_value < alpha``.
    """

    n: int
    alpha: float
    percent: bool
    differences: np.ndarray
    means: np.ndarray
    bias: float
    sd: float
    bias_ci: tuple[float, float]
    loa_lower: float
    loa_upper: float
    loa_lower_ci: tuple[float, float]
    loa_upper_ci: tuple[float, float]
    proportional_slope: float
    proportional_intercept: float
    proportional_slope_ci: tuple[float, float]
    proportional_p_value: float
    proportional_bias: bool


def bland_altman(*, x, y, alpha: float = 0.05, percent: bool = False) -> BlandAltmanResult:
    """Bland--Altman bias and limits of agreement of ``y`` (test) vs ``x`` (reference).

    Parameters
    ----------
    x : array_like
        Reference (comparative) method results.
    y : array_like
        Test method results, paired with ``x``.
    alpha : float, default 0.05
        Two-sided significance level for the CIs and the proportional-bias test.
    percent : bool, default False
        If True analyse ``100 * (y_i - x_i) / ((x_i + y_i) / 2)`` (difference
        as a percentage of each pair's mean) instead of ``y_i - x_i``; every
        pair mean must then be non-zero.

    Returns
    -------
    BlandAltmanResult

    Raises
    ------
    ValueError
        If ``x`` and ``y`` differ in length, have fewer than 3 pairs, contain
        NaN/inf, if ``alpha`` is not in (0, 1), if ``percent`` is not a bool,
        or (percent) if a pair mean is zero.

    Notes
    -----
    With differences ``d_i``, ``d_bar = mean(d)``, ``s = sd(d)``::

        limits of agreement = d_bar -/+ 1.96 s
        CI(d_bar)           = d_bar -/+ t(1 - alpha/2, n-1) * s / sqrt(n)
        CI(limit)           = limit -/+ t(1 - alpha/2, n-1) * sqrt(3 s^2 / n)

    the last being Bland & Altman's approximation ``var(d_bar -/+ 1.96 s) ~
    (1/n + 1.96^2 / (2(n-1))) s^2 ~ 3 s^2 / n``.  Proportional bias is checked
    by ordinary least squares of ``d_i`` on the means ``(x_i + y_i)/2``
    (``scipy.stats.linregress``), slope CI with ``t(1 - alpha/2, n - 2)``.

    Checked against the worked example of Bland & Altman (1986): peak flow
    by Wright and mini-Wright meters, 17 subjects (mean difference -2.1
    l/min, SD 38.8, limits with 2 SD -79.7 to 75.5, CI of the lower limit
    -114.3 to -45.1), and the regression against ``statsmodels`` OLS.

    References
    ----------
    Bland JM, Altman DG. Statistical methods for assessing agreement between
    two methods of clinical measurement. Lancet 1986;i:307-310.

    Bland JM, Altman DG. Measuring agreement in method comparison studies.
    Stat Methods Med Res 1999;8:135-160.

    Examples
    --------
    >>> r = bland_altman(x=[10.0, 20.0, 30.0, 40.0], y=[11.0, 19.0, 32.0, 41.0])
    >>> r.bias, round(r.sd, 4)
    (0.75, 1.2583)
    """
    xa, ya = _pair(x, y, minimum=3)
    alpha = _alpha(alpha)
    if not isinstance(percent, (bool, np.bool_)):
        raise ValueError(f"percent must be True or False, got {percent!r}")
    n = xa.size
    means = (xa + ya) / 2.0
    if percent:
        if np.any(means == 0.0):
            raise ValueError("percent differences need non-zero pair means")
        d = 100.0 * (ya - xa) / means
    else:
        d = ya - xa

    bias = float(np.mean(d))
    sd = float(np.std(d, ddof=1))
    t1 = float(stats.t.ppf(1.0 - alpha / 2.0, n - 1))
    se_bias = sd / math.sqrt(n)
    se_loa = math.sqrt(3.0 * sd * sd / n)
    lo = bias - LOA_MULTIPLIER * sd
    hi = bias + LOA_MULTIPLIER * sd

    if np.all(means == means[0]):
        slope = intercept = p_value = math.nan
        slope_ci = (math.nan, math.nan)
    else:
        reg = stats.linregress(means, d)
        slope = float(reg.slope)
        intercept = float(reg.intercept)
        t2 = float(stats.t.ppf(1.0 - alpha / 2.0, n - 2))
        slope_ci = (slope - t2 * reg.stderr, slope + t2 * reg.stderr)
        p_value = float(reg.pvalue)

    return BlandAltmanResult(
        n=int(n),
        alpha=alpha,
        percent=bool(percent),
        differences=_readonly(d),
        means=_readonly(means),
        bias=bias,
        sd=sd,
        bias_ci=(bias - t1 * se_bias, bias + t1 * se_bias),
        loa_lower=lo,
        loa_upper=hi,
        loa_lower_ci=(lo - t1 * se_loa, lo + t1 * se_loa),
        loa_upper_ci=(hi - t1 * se_loa, hi + t1 * se_loa),
        proportional_slope=slope,
        proportional_intercept=intercept,
        proportional_slope_ci=(float(slope_ci[0]), float(slope_ci[1])),
        proportional_p_value=p_value,
        proportional_bias=bool(p_value < alpha) if not math.isnan(p_value) else False,
    )
