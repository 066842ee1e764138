"""Process capability (Cp, Cpk) and performance (Pp, Ppk) indices.

:func:`capability` computes the indices from results and specification
limits for the report. All arguments are keyword-only; bad arguments raise
:class:`ValueError`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

__all__ = ["CapabilityResult", "c4", "capability"]


def c4(m: int) -> float:
    """Bias-correction constant ``c4(m) = E[s] / sigma`` for samples of size ``m``.

    Parameters
    ----------
    m : int
        Sample size, ``>= 2``.

    Returns
    -------
    float
        ``sqrt(2 / (m - 1)) * Gamma(m / 2) / Gamma((m - 1) / 2)``.

    Raises
    ------
    ValueError
        For ``m < 2``.

    Notes
    -----
    Checked against the tabulated value c4(5) = 0.9400 (Montgomery,
    Introduction to Statistical Quality Control, Appendix VI).

    Examples
    --------
    >>> round(c4(5), 4)
    0.94
    """
    if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 2:
        raise ValueError(f"m must be an integer >= 2, got {m!r}")
    return float(math.sqrt(2.0 / (m - 1)) * math.exp(gammaln(m / 2.0) - gammaln((m - 1) / 2.0)))


#: d2 for moving ranges of two consecutive values: E[|X1 - X2|] / sigma = 2 / sqrt(pi).
D2_MR2 = 2.0 / math.sqrt(math.pi)


@dataclass(frozen=True)
class CapabilityResult:
    """Capability and performance indices (:func:`capability`).

    Attributes
    ----------
    n : int
        Number of values.
    mean : float
        Grand mean.
    sigma_within : float
        Within (short-term) standard deviation used by Cp/Cpk.
    sigma_overall : float
        Overall sample standard deviation (ddof=1) used by Pp/Ppk.
    within_method : str
        How ``sigma_within`` was estimated.
    lower, upper : float or None
        Specification limits.
    cp, pp : float or None
        ``(upper - lower) / (6 sigma)``; None unless both limits are given.
    cpl, cpu, ppl, ppu : float or None
        ``(mean - lower) / (3 sigma)`` and ``(upper - mean) / (3 sigma)``;
        None for a missing limit.
    cpk, ppk : float
        Minimum of the available one-sided indices.
    """

    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    within_method: str
    lower: float | None
    upper: float | None
    cp: float | None
    cpl: float | None
    cpu: float | None
    cpk: float
    pp: float | None
    ppl: float | None
    ppu: float | None
    ppk: float


def _limit(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number or None, got {value!r}")
    return float(value)


def _indices(mean: float, sigma: float, lo: float | None, hi: float | None):
    both = None if lo is None or hi is None else (hi - lo) / (6.0 * sigma)
    low = None if lo is None else (mean - lo) / (3.0 * sigma)
    up = None if hi is None else (hi - mean) / (3.0 * sigma)
    k = min(v for v in (low, up) if v is not None)
    return both, low, up, k


def capability(*, values, lower: float | None = None, upper: float | None = None) -> CapabilityResult:
    """Cp, Cpk, Pp and Ppk of a process against specification limits.

    Parameters
    ----------
    values : array_like
        Either one-dimensional individual values in production order (at
        least 2), or a two-dimensional array whose rows are rational
        subgroups of equal size (at least 2 per subgroup).
    lower, upper : float or None
        Specification limits; at least one.

    Returns
    -------
    CapabilityResult

    Raises
    ------
    ValueError
        For non-finite values, too few values, no limit, ``lower >= upper``,
        or zero within or overall spread.

    Notes
    -----
    ``Cp = (USL - LSL) / (6 sigma_w)``, ``Cpk = min(Cpl, Cpu)`` with
    ``Cpl = (mean - LSL) / (3 sigma_w)`` and ``Cpu = (USL - mean) / (3 sigma_w)``;
    Pp/Ppk use the overall SD (ddof=1) instead of ``sigma_w``.

    ``sigma_w`` (within):

    * subgroups: pooled SD ``sqrt(sum (n_i - 1) s_i^2 / sum (n_i - 1))``
      divided by ``c4(sum (n_i - 1) + 1)`` (qcc's ``"RMSDF"`` estimator);
    * individuals: average moving range of consecutive values divided by
      ``d2 = 2 / sqrt(pi) = 1.128``.

    Capability indices assume a stable (in-control), normal process; with
    the few lots typical of cell and gene therapy they are very imprecise.

    Checked against Montgomery's piston-ring example as printed by qcc
    (Scrucca 2004: sigma_w = 0.009887547, Cp = 1.686, Cpk = 1.646) in
    tests/stats/test_capability.py.

    References
    ----------
    .. [1] Montgomery, D. C. Introduction to Statistical Quality Control,
       Wiley (process-capability chapter; piston-ring inside-diameter data,
       distributed as ``qcc::pistonrings``).
    .. [2] Scrucca, L. (2004). qcc: an R package for quality control charting
       and statistical process control. R News 4(1), 11-17.

    Examples
    --------
    >>> r = capability(values=[[9.9, 10.1], [10.0, 10.2], [9.8, 10.0]], lower=9.0, upper=11.0)
    >>> r.cp > 1.0
    True
    """
    x = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite (no NaN or inf)")
    lo = _limit(lower, "lower")
    hi = _limit(upper, "upper")
    if lo is None and hi is None:
        raise ValueError("at least one of lower and upper must be given")
    if lo is not None and hi is not None and lo >= hi:
        raise ValueError(f"lower ({lo}) must be below upper ({hi})")
    if x.ndim == 1:
        if x.size < 2:
            raise ValueError("at least two values are needed")
        sigma_w = float(np.mean(np.abs(np.diff(x)))) / D2_MR2
        within_method = "average moving range / d2 (d2 = 2/sqrt(pi) = 1.128), individuals"
    elif x.ndim == 2:
        m, k = x.shape
        if m < 1 or k < 2:
            raise ValueError("subgroups need at least 2 values each")
        df = m * (k - 1)
        pooled = math.sqrt(float(np.sum(np.var(x, axis=1, ddof=1))) * (k - 1) / df)
        sigma_w = pooled / c4(df + 1)
        within_method = f"pooled within-subgroup SD / c4({df + 1}) ({m} subgroups of {k})"
    else:
        raise ValueError("values must be one- or two-dimensional")
    flat = x.ravel()
    mean = float(np.mean(flat))
    sigma_o = float(np.std(flat, ddof=1))
    if sigma_w <= 0.0 or sigma_o <= 0.0:
        raise ValueError("the values have no spread; capability indices are undefined")
    cp, cpl, cpu, cpk = _indices(mean, sigma_w, lo, hi)
    pp, ppl, ppu, ppk = _indices(mean, sigma_o, lo, hi)
    return CapabilityResult(
        n=int(flat.size), mean=mean, sigma_within=sigma_w, sigma_overall=sigma_o,
        within_method=within_method, lower=lo, upper=hi, cp=cp, cpl=cpl, cpu=cpu, cpk=cpk,
        pp=pp, ppl=ppl, ppu=ppu, ppk=ppk,
    )  # fmt: skip
