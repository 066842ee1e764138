"""Argument checks shared by the statistics functions: ValueError with a plain reason."""

from __future__ import annotations

import numbers

import numpy as np


def check_alpha(alpha: object, *, upper: float = 1.0) -> float:
    """``alpha`` as a float in (0, upper)."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise ValueError(f"alpha must be a number in (0, {upper:g}), got {alpha!r}")
    value = float(alpha)
    if not 0.0 < value < upper:
        raise ValueError(f"alpha must be in (0, {upper:g}), got {alpha!r}")
    return value


def paired_arrays(x: object, y: object, minimum: int) -> tuple[np.ndarray, np.ndarray]:
    """Two finite one-dimensional float arrays of equal length, at least ``minimum`` long."""
    try:
        xa = np.asarray(x, dtype=float)
        ya = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"x and y must be numeric sequences: {exc}") from None
    if xa.ndim != 1 or ya.ndim != 1:
        raise ValueError("x and y must be one-dimensional")
    if xa.size != ya.size:
        raise ValueError(f"x and y must have the same length, got {xa.size} and {ya.size}")
    if xa.size < minimum:
        raise ValueError(f"at least {minimum} pairs are required, got {xa.size}")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        raise ValueError("x and y must be finite (remove NaN/inf pairs first)")
    return xa, ya


def readonly(a: np.ndarray) -> np.ndarray:
    """A read-only float copy, so a frozen result cannot be changed through its arrays."""
    a = np.array(a, dtype=float, copy=True)
    a.flags.writeable = False
    return a
