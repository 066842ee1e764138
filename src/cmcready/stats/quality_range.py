"""Quality ranges: ``mean -/+ k * SD`` of reference lots.

A quality range is built from reference (e.g. pre-change) lots and used to
classify test (e.g. post-change) lots as inside or outside. All arguments are
keyword-only; bad arguments raise :class:`ValueError`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["QualityRange", "RangeClassification", "quality_range"]


def _finite_1d(values: object, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return x


@dataclass(frozen=True)
class RangeClassification:
    """Classification of values against a :class:`QualityRange`.

    Attributes
    ----------
    inside : tuple of bool
        One flag per value, in input order; a value equal to a bound is inside.
    n : int
        Number of values classified.
    n_outside : int
        Number strictly outside ``[lower, upper]``.
    all_inside : bool
        True when no value is strictly outside (the comparison passes).
    """

    inside: tuple[bool, ...]
    n: int
    n_outside: int
    all_inside: bool


@dataclass(frozen=True)
class QualityRange:
    """Quality range ``mean -/+ k * sd`` (:func:`quality_range`).

    Attributes
    ----------
    lower, upper : float
        ``mean - k sd`` and ``mean + k sd``.
    mean, sd : float
        Mean and standard deviation (ddof=1) of the reference values.
    k : float
        Multiplier.
    n : int
        Number of reference values.
    """

    lower: float
    upper: float
    mean: float
    sd: float
    k: float
    n: int

    def classify(self, *, values) -> RangeClassification:
        """Classify values as inside or strictly outside the range.

        Parameters
        ----------
        values : array_like
            One-dimensional finite values (may be empty).

        Returns
        -------
        RangeClassification

        Raises
        ------
        ValueError
            For non-finite or multi-dimensional values.

        Notes
        -----
        A value fails only when strictly outside: ``v < lower`` or
        ``v > upper``; a value equal to a bound is inside. "Equal" allows a
        relative 1e-9 of the bounds, so that a value written exactly on
        mean ± k·SD in decimal (0.8 for [0.4, 0.5, 0.6] and k = 3) is not
        failed by the binary rounding of the mean and SD.

        Examples
        --------
        >>> qr = quality_range(reference=[1.0, 2.0, 3.0], k=1.0)
        >>> qr.classify(values=[1.0, 3.5]).inside
        (True, False)
        """
        x = _finite_1d(values, "values")
        tol = 1e-9 * max(abs(self.lower), abs(self.upper))
        inside = (x >= self.lower - tol) & (x <= self.upper + tol)
        n_out = int(np.count_nonzero(~inside))
        return RangeClassification(
            inside=tuple(bool(v) for v in inside),
            n=int(x.size),
            n_outside=n_out,
            all_inside=n_out == 0,
        )


def quality_range(*, reference, k: float = 3.0) -> QualityRange:
    """Quality range ``mean -/+ k * SD`` of reference values.

    Parameters
    ----------
    reference : array_like
        One-dimensional finite reference values, at least two.
    k : float, default 3.0
        Positive multiplier of the standard deviation.

    Returns
    -------
    QualityRange
        With a :meth:`QualityRange.classify` method.

    Raises
    ------
    ValueError
        For fewer than two values, non-finite values or ``k <= 0``.

    Notes
    -----
    ``mean`` is the arithmetic mean and ``sd`` the sample standard deviation
    with ddof=1: ``sd = sqrt(sum((x - mean)**2) / (n - 1))``. A quality range
    is not a tolerance interval: it carries no stated coverage or confidence
    (compare :func:`cmcready.stats.tolerance.normal_tolerance_interval`).
    Checked against Python's :mod:`statistics` module (``mean``, ``stdev``)
    in tests/stats/test_quality_range.py.

    References
    ----------
    .. [1] FDA (2019). Development of Therapeutic Protein Biosimilars:
       Comparative Analytical Assessment and Other Quality-Related
       Considerations, draft guidance (quality ranges, mean -/+ X SD).

    Examples
    --------
    >>> qr = quality_range(reference=[10.0, 12.0, 14.0])
    >>> qr.lower, qr.upper
    (6.0, 18.0)
    """
    x = _finite_1d(reference, "reference")
    if x.size < 2:
        raise ValueError("at least two reference values are needed")
    if isinstance(k, bool) or not isinstance(k, numbers.Real) or not np.isfinite(k) or k <= 0:
        raise ValueError(f"k must be a positive finite number, got {k!r}")
    mean = float(np.mean(x))
    sd = float(np.std(x, ddof=1))
    k = float(k)
    return QualityRange(lower=mean - k * sd, upper=mean + k * sd, mean=mean, sd=sd, k=k, n=int(x.size))
