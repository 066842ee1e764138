"""Two one-sided t-tests (TOST) for equivalence of means.

* :func:`tost_paired` -- equivalence of paired differences ``y - x``.
* :func:`tost_paired_from_summary` -- the same from ``mean``, ``sd``, ``n`` of
  the differences.
* :func:`tost_two_sample` -- equivalence of ``mean(y) - mean(x)`` for two
  independent samples (pooled or Welch).
* :func:`tost_two_sample_from_summary` -- the same from group summaries.

Margins are in the units of the data and may be asymmetric
(``lower_margin < 0 < upper_margin``).  Equivalence is concluded when both
one-sided nulls are rejected at ``alpha``, i.e. when the ``1 - 2*alpha``
confidence interval lies strictly inside the margins.

All arguments are keyword-only; bad arguments raise :class:`ValueError`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy import stats
from ._checks import check_alpha

__all__ = [
    "TostResult",
    "tost_paired",
    "tost_paired_from_summary",
    "tost_two_sample",
    "tost_two_sample_from_summary",
]


def _real(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def _alpha(alpha: object) -> float:
    return check_alpha(alpha, upper=0.5)


def _margins(lower: object, upper: object) -> tuple[float, float]:
    lo = _real(lower, "lower_margin")
    hi = _real(upper, "upper_margin")
    if not lo < 0.0 < hi:
        raise ValueError(
            f"margins must satisfy lower_margin < 0 < upper_margin, got {lo!r}, {hi!r}"
        )
    return lo, hi


def _count(n: object, name: str, minimum: int) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _sd(value: object, name: str) -> float:
    sd = _real(value, name)
    if sd < 0.0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return sd


def _sample(values: object, name: str, minimum: int) -> np.ndarray:
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric sequence: {exc}") from None
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if a.size < minimum:
        raise ValueError(f"{name} needs at least {minimum} values, got {a.size}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (remove NaN/inf first)")
    return a


@dataclass(frozen=True)
class TostResult:
    """Result of a TOST equivalence test on ``delta = mean(y - x)`` or ``mean(y) - mean(x)``.

    Attributes
    ----------
    method : str
        ``"paired"``, ``"pooled"`` (Student) or ``"welch"``.
    mean_difference : float
        Estimated difference ``delta`` (test ``y`` minus reference ``x``).
    se : float
        Standard error of ``delta``.
    df : float
        Degrees of freedom (Welch--Satterthwaite for ``"welch"``).
    lower_margin, upper_margin : float
        Equivalence margins ``theta_L < 0 < theta_U``.
    t_lower : float
        ``(delta - theta_L) / se`` for H0: ``delta <= theta_L``.
    t_upper : float
        ``(delta - theta_U) / se`` for H0: ``delta >= theta_U``.
    p_lower : float
        ``P(T_df >= t_lower)``.
    p_upper : float
        ``P(T_df <= t_upper)``.
    p_value : float
        ``max(p_lower, p_upper)``, the TOST p-value.
    ci : tuple of float
        ``delta -/+ t(1 - alpha, df) * se``, the ``1 - 2*alpha`` interval.
    ci_level : float
        ``1 - 2*alpha`` (0.90 for ``alpha = 0.05``).
    alpha : float
        Level of each one-sided test.
    equivalent : bool
        ``p_value < alpha`` (equivalently: ``ci`` strictly inside the margins).
    n_x, n_y : int
        Sample sizes (both equal the number of pairs for ``"paired"``).
    """

    method: str
    mean_difference: float
    se: float
    df: float
    lower_margin: float
    upper_margin: float
    t_lower: float
    t_upper: float
    p_lower: float
    p_upper: float
    p_value: float
    ci: tuple[float, float]
    ci_level: float
    alpha: float
    equivalent: bool
    n_x: int
    n_y: int


def _tost(method, delta, se, df, lo, hi, alpha, n_x, n_y) -> TostResult:
    if not se > 0.0:
        raise ValueError("the standard error is zero; the t statistics are undefined")
    t_lo = (delta - lo) / se
    t_hi = (delta - hi) / se
    p_lo = float(stats.t.sf(t_lo, df))
    p_hi = float(stats.t.cdf(t_hi, df))
    p = max(p_lo, p_hi)
    q = float(stats.t.ppf(1.0 - alpha, df))
    return TostResult(
        method=method,
        mean_difference=float(delta),
        se=float(se),
        df=float(df),
        lower_margin=lo,
        upper_margin=hi,
        t_lower=float(t_lo),
        t_upper=float(t_hi),
        p_lower=p_lo,
        p_upper=p_hi,
        p_value=p,
        ci=(float(delta - q * se), float(delta + q * se)),
        ci_level=1.0 - 2.0 * alpha,
        alpha=alpha,
        equivalent=bool(p < alpha),
        n_x=int(n_x),
        n_y=int(n_y),
    )


def tost_paired_from_summary(
    *, mean_difference, sd_difference, n, lower_margin, upper_margin, alpha=0.05
) -> TostResult:
    """Paired TOST from the summary statistics of the differences ``y - x``.

    Parameters
    ----------
    mean_difference : float
        Mean of the paired differences ``y - x``.
    sd_difference : float
        Standard deviation of the differences (``ddof = 1``), > 0.
    n : int
        Number of pairs, ``>= 2``.
    lower_margin, upper_margin : float
        Equivalence margins in data units, ``lower_margin < 0 < upper_margin``.
    alpha : float, default 0.05
        Level of each one-sided test, in (0, 0.5).

    Returns
    -------
    TostResult

    Raises
    ------
    ValueError
        For non-finite inputs, ``n < 2``, ``sd_difference <= 0``, margins not
        bracketing zero, or ``alpha`` outside (0, 0.5).

    Notes
    -----
    ``se = sd / sqrt(n)``, ``df = n - 1``; see :func:`tost_paired`.  Checked
    against the documented R TOSTER example ``TOSTpaired.raw(n = 65, m1 =
    5.83, m2 = 5.75, sd1 = 1.17, sd2 = 1.30, r12 = 0.745, +/-0.34)``.

    References
    ----------
    Schuirmann DJ. A comparison of the two one-sided tests procedure and the
    power approach for assessing the equivalence of average bioavailability.
    J Pharmacokinet Biopharm 1987;15:657-680.

    Examples
    --------
    >>> r = tost_paired_from_summary(mean_difference=0.1, sd_difference=1.0, n=100,
    ...                              lower_margin=-0.5, upper_margin=0.5)
    >>> r.equivalent, round(r.ci[0], 4), round(r.ci[1], 4)
    (True, -0.066, 0.266)
    """
    delta = _real(mean_difference, "mean_difference")
    sd = _sd(sd_difference, "sd_difference")
    n = _count(n, "n", 2)
    lo, hi = _margins(lower_margin, upper_margin)
    alpha = _alpha(alpha)
    return _tost("paired", delta, sd / math.sqrt(n), n - 1, lo, hi, alpha, n, n)


def tost_paired(*, x, y, lower_margin, upper_margin, alpha=0.05) -> TostResult:
    """TOST for equivalence of the mean paired difference ``y - x``.

    Parameters
    ----------
    x : array_like
        Reference method results.
    y : array_like
        Test method results, paired with ``x``.
    lower_margin, upper_margin : float
        Equivalence margins for the mean difference, in data units,
        ``lower_margin < 0 < upper_margin`` (may be asymmetric).
    alpha : float, default 0.05
        Level of each one-sided test; the reported CI is ``1 - 2*alpha``.

    Returns
    -------
    TostResult

    Raises
    ------
    ValueError
        If the samples differ in length, have fewer than 2 pairs, contain
        NaN/inf, if all differences are equal (zero SE), or for bad margins
        or ``alpha``.

    Notes
    -----
    With ``d = y - x``, ``delta = mean(d)``, ``se = sd(d)/sqrt(n)``,
    ``df = n - 1``::

        t_L = (delta - theta_L)/se,  p_L = P(T >= t_L)   (H0: delta <= theta_L)
        t_U = (delta - theta_U)/se,  p_U = P(T <= t_U)   (H0: delta >= theta_U)
        p   = max(p_L, p_U);  equivalent iff p < alpha
        CI  = delta -/+ t(1 - alpha, df) * se

    Checked against ``statsmodels.stats.weightstats.ttost_paired``.

    References
    ----------
    Schuirmann DJ. J Pharmacokinet Biopharm 1987;15:657-680.

    Examples
    --------
    >>> r = tost_paired(x=[10.0, 12.0, 11.0, 13.0], y=[10.2, 12.1, 11.1, 13.2],
    ...                 lower_margin=-0.5, upper_margin=0.5)
    >>> round(r.mean_difference, 3), r.equivalent
    (0.15, True)
    """
    xa = _sample(x, "x", 2)
    ya = _sample(y, "y", 2)
    if xa.size != ya.size:
        raise ValueError(f"x and y must have the same length, got {xa.size} and {ya.size}")
    d = ya - xa
    n = d.size
    lo, hi = _margins(lower_margin, upper_margin)
    alpha = _alpha(alpha)
    return _tost(
        "paired", float(np.mean(d)), float(np.std(d, ddof=1)) / math.sqrt(n), n - 1,
        lo, hi, alpha, n, n,
    )


def tost_two_sample_from_summary(
    *, mean_x, sd_x, n_x, mean_y, sd_y, n_y, lower_margin, upper_margin,
    alpha=0.05, equal_var=True,
) -> TostResult:
    """Two-sample TOST for ``mean(y) - mean(x)`` from group summaries.

    Parameters
    ----------
    mean_x, sd_x, n_x : float, float, int
        Mean, standard deviation (``ddof = 1``) and size of the reference group.
    mean_y, sd_y, n_y : float, float, int
        The same for the test group.
    lower_margin, upper_margin : float
        Equivalence margins, ``lower_margin < 0 < upper_margin``.
    alpha : float, default 0.05
        Level of each one-sided test.
    equal_var : bool, default True
        Pooled (Student) standard error if True, Welch otherwise.

    Returns
    -------
    TostResult

    Raises
    ------
    ValueError
        For non-finite inputs, group sizes below 2, negative SDs, zero SE, bad
        margins or ``alpha``.

    Notes
    -----
    Pooled: ``s_p^2 = ((n_x-1) s_x^2 + (n_y-1) s_y^2)/(n_x+n_y-2)``,
    ``se = s_p sqrt(1/n_x + 1/n_y)``, ``df = n_x + n_y - 2``.  Welch:
    ``se = sqrt(s_x^2/n_x + s_y^2/n_y)``, ``df = se^4 / ((s_x^2/n_x)^2/(n_x-1)
    + (s_y^2/n_y)^2/(n_y-1))``.  Checked against the R TOSTER documented
    example ``TOSTtwo.raw(5.25, 5.22, 0.95, 0.83, 95, 89, +/-0.384)``.

    References
    ----------
    Schuirmann DJ. J Pharmacokinet Biopharm 1987;15:657-680.

    Welch BL. The generalization of "Student's" problem when several
    different population variances are involved. Biometrika 1947;34:28-35.

    Examples
    --------
    >>> r = tost_two_sample_from_summary(mean_x=10.0, sd_x=1.0, n_x=30, mean_y=10.1,
    ...                                  sd_y=1.0, n_y=30, lower_margin=-1.0,
    ...                                  upper_margin=1.0)
    >>> r.df, r.equivalent
    (58.0, True)
    """
    mx = _real(mean_x, "mean_x")
    my = _real(mean_y, "mean_y")
    sx = _sd(sd_x, "sd_x")
    sy = _sd(sd_y, "sd_y")
    nx = _count(n_x, "n_x", 2)
    ny = _count(n_y, "n_y", 2)
    lo, hi = _margins(lower_margin, upper_margin)
    alpha = _alpha(alpha)
    if not isinstance(equal_var, (bool, np.bool_)):
        raise ValueError(f"equal_var must be True or False, got {equal_var!r}")
    if equal_var:
        df = nx + ny - 2
        sp2 = ((nx - 1) * sx * sx + (ny - 1) * sy * sy) / df
        se = math.sqrt(sp2 * (1.0 / nx + 1.0 / ny))
        method = "pooled"
    else:
        vx = sx * sx / nx
        vy = sy * sy / ny
        se = math.sqrt(vx + vy)
        if se == 0.0:
            raise ValueError("the standard error is zero; the t statistics are undefined")
        # Welch-Satterthwaite on the variance shares, which cannot underflow to 0/0.
        wx, wy = vx / (vx + vy), vy / (vx + vy)
        df = 1.0 / (wx * wx / (nx - 1) + wy * wy / (ny - 1))
        method = "welch"
    return _tost(method, my - mx, se, df, lo, hi, alpha, nx, ny)


def tost_two_sample(
    *, x, y, lower_margin, upper_margin, alpha=0.05, equal_var=True
) -> TostResult:
    """Two-sample TOST for equivalence of ``mean(y) - mean(x)``.

    Parameters
    ----------
    x : array_like
        Reference group results (at least 2).
    y : array_like
        Test group results (at least 2), independent of ``x``.
    lower_margin, upper_margin : float
        Equivalence margins, ``lower_margin < 0 < upper_margin``.
    alpha : float, default 0.05
        Level of each one-sided test; the reported CI is ``1 - 2*alpha``.
    equal_var : bool, default True
        Pooled-variance Student test if True, Welch test otherwise.

    Returns
    -------
    TostResult

    Raises
    ------
    ValueError
        If a group has fewer than 2 values or NaN/inf, both groups are
        constant, or margins/``alpha``/``equal_var`` are invalid.

    Notes
    -----
    See :func:`tost_two_sample_from_summary` for the formulas.  Checked
    against the NCSS "Two-Sample T-Test for Equivalence" example (YieldA vs
    YieldB, margins -/+110, alpha = 0.025, as encoded in the R TOSTER tests)
    and ``statsmodels.stats.weightstats.ttost_ind``.

    References
    ----------
    Schuirmann DJ. J Pharmacokinet Biopharm 1987;15:657-680.

    Examples
    --------
    >>> r = tost_two_sample(x=[9.8, 10.1, 10.0, 10.3], y=[10.0, 10.2, 9.9, 10.4],
    ...                     lower_margin=-1.0, upper_margin=1.0)
    >>> r.method, round(r.mean_difference, 3), r.equivalent
    ('pooled', 0.075, True)
    """
    xa = _sample(x, "x", 2)
    ya = _sample(y, "y", 2)
    return tost_two_sample_from_summary(
        mean_x=float(np.mean(xa)), sd_x=float(np.std(xa, ddof=1)), n_x=int(xa.size),
        mean_y=float(np.mean(ya)), sd_y=float(np.std(ya, ddof=1)), n_y=int(ya.size),
        lower_margin=lower_margin, upper_margin=upper_margin, alpha=alpha,
        equal_var=equal_var,
    )
