"""Exact inference for binomial proportions.

Two small routines used when a dossier reports pass/fail counts (for example
lots meeting a release specification, or responders in two process versions):

* :func:`clopper_pearson` -- the exact two-sided confidence interval for one
  binomial proportion.
* :func:`fisher_one_sided_lower` -- the one-sided Fisher exact test that the
  success odds of group A are *lower* than those of group B.

All arguments are keyword-only; bad arguments raise :class:`ValueError`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy import stats
from ._checks import check_alpha as _alpha

__all__ = ["FisherResult", "clopper_pearson", "fisher_one_sided_lower"]


def _count(value: object, name: str) -> int:
    """Return ``value`` as a non-negative ``int`` or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def clopper_pearson(*, successes: int, trials: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper--Pearson) two-sided confidence interval for a proportion.

    Parameters
    ----------
    successes : int
        Number of successes, ``0 <= successes <= trials``.
    trials : int
        Number of independent Bernoulli trials, ``>= 1``.
    alpha : float, default 0.05
        One minus the confidence level; each tail receives ``alpha / 2``.

    Returns
    -------
    tuple of float
        ``(lower, upper)``, with ``0 <= lower <= successes / trials <= upper <= 1``.

    Raises
    ------
    ValueError
        If ``trials`` is 0, a count is negative, not an integer, or
        ``successes > trials``, or ``alpha`` is not in (0, 1).

    Notes
    -----
    Method: inversion of two one-sided binomial tests, written through the
    beta quantiles (``scipy.stats.beta.ppf``)::

        lower = B(alpha/2;     x,     n - x + 1)   (0 when x = 0)
        upper = B(1 - alpha/2; x + 1, n - x)       (1 when x = n)

    where ``B(q; a, b)`` is the ``q`` quantile of a Beta(a, b) distribution.
    The interval is conservative: its coverage is at least ``1 - alpha`` for
    every true proportion.

    Checked against ``scipy.stats.binomtest(...).proportion_ci(method="exact")``
    and the closed forms ``upper = 1 - (alpha/2)**(1/n)`` for ``x = 0`` and
    ``lower = (alpha/2)**(1/n)`` for ``x = n`` (tests/stats/test_proportions.py).

    References
    ----------
    .. [1] Clopper, C. J. and Pearson, E. S. (1934). The use of confidence or
       fiducial limits illustrated in the case of the binomial. Biometrika
       26(4), 404-413.
    .. [2] Agresti, A. (2013). Categorical Data Analysis, 3rd ed., Wiley,
       section 1.4.

    Examples
    --------
    >>> lo, hi = clopper_pearson(successes=0, trials=10)
    >>> round(lo, 4), round(hi, 4)
    (0.0, 0.3085)
    """
    x = _count(successes, "successes")
    n = _count(trials, "trials")
    a = _alpha(alpha)
    if n == 0:
        raise ValueError("trials must be at least 1")
    if x > n:
        raise ValueError(f"successes ({x}) cannot exceed trials ({n})")
    lower = 0.0 if x == 0 else float(stats.beta.ppf(a / 2.0, x, n - x + 1))
    upper = 1.0 if x == n else float(stats.beta.ppf(1.0 - a / 2.0, x + 1, n - x))
    return lower, upper


@dataclass(frozen=True)
class FisherResult:
    """Result of :func:`fisher_one_sided_lower`.

    Attributes
    ----------
    odds_ratio : float
        Sample (unconditional) odds ratio ``(s_a * f_b) / (f_a * s_b)`` of A
        relative to B, where ``s`` are successes and ``f`` failures; may be
        ``0.0`` or ``inf``, and ``nan`` when the table has a zero row or column.
    p_value : float
        One-sided Fisher exact p-value for H1: the success odds of A are lower
        than those of B.
    table : tuple of tuple of int
        The 2x2 table ``((s_a, f_a), (s_b, f_b))`` that was tested.
    alternative : str
        A sentence stating the alternative hypothesis that was tested.
    """

    odds_ratio: float
    p_value: float
    table: tuple[tuple[int, int], tuple[int, int]]
    alternative: str


def fisher_one_sided_lower(
    *, successes_a: int, trials_a: int, successes_b: int, trials_b: int
) -> FisherResult:
    """One-sided Fisher exact test that group A succeeds less often than group B.

    Parameters
    ----------
    successes_a, trials_a : int
        Successes and trials in group A (``0 <= successes_a <= trials_a``,
        ``trials_a >= 1``).
    successes_b, trials_b : int
        Successes and trials in group B, same constraints.

    Returns
    -------
    FisherResult
        Sample odds ratio, one-sided p-value and the table tested.

    Raises
    ------
    ValueError
        For a negative or non-integer count, ``successes > trials`` or a group
        with no trials.

    Notes
    -----
    The table is ``[[s_a, f_a], [s_b, f_b]]`` with ``f = trials - successes``.
    Conditioning on all margins, the number of successes in A is
    hypergeometric under H0 (equal odds); the p-value is
    ``P(X <= s_a)``, i.e. ``scipy.stats.fisher_exact(table, alternative="less")``:
    small values of the conditional odds ratio of A versus B favour H1.

    Checked against Fisher's tea-tasting experiment, whose one-sided p-values
    1/70 (all eight cups right) and 17/70 (six right) are given in Fisher
    (1935), and against the hypergeometric CDF computed directly
    (tests/stats/test_proportions.py).

    References
    ----------
    .. [1] Fisher, R. A. (1935). The Design of Experiments, Oliver & Boyd,
       chapter II.
    .. [2] Agresti, A. (2013). Categorical Data Analysis, 3rd ed., Wiley,
       section 3.5.

    Examples
    --------
    >>> r = fisher_one_sided_lower(successes_a=0, trials_a=4, successes_b=4, trials_b=4)
    >>> round(r.p_value * 70, 6)
    1.0
    """
    sa = _count(successes_a, "successes_a")
    na = _count(trials_a, "trials_a")
    sb = _count(successes_b, "successes_b")
    nb = _count(trials_b, "trials_b")
    if na == 0 or nb == 0:
        raise ValueError("each group needs at least one trial")
    if sa > na:
        raise ValueError(f"successes_a ({sa}) cannot exceed trials_a ({na})")
    if sb > nb:
        raise ValueError(f"successes_b ({sb}) cannot exceed trials_b ({nb})")
    table = ((sa, na - sa), (sb, nb - sb))
    res = stats.fisher_exact(np.array(table), alternative="less")
    return FisherResult(
        odds_ratio=float(res.statistic),
        p_value=float(res.pvalue),
        table=table,
        alternative="H1: the success odds of A are lower than those of B (one-sided Fisher exact test)",
    )
