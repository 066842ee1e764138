"""The straight line a method-comparison fit gives: new = intercept + slope * old."""

from __future__ import annotations

import numpy as np


class FittedLine:
    """``predict`` and ``inverse`` for a result with ``slope`` and ``intercept`` fields."""

    slope: float
    intercept: float

    def predict(self, x):
        """Test-method value on the fitted line, ``intercept + slope * x``.

        Parameters
        ----------
        x : float or array_like
            Reference-method value(s).

        Returns
        -------
        float or numpy.ndarray
            Same shape as ``x``.
        """
        out = self.intercept + self.slope * np.asarray(x, dtype=float)
        return float(out) if out.ndim == 0 else out

    def inverse(self, y):
        """Reference-method value on the fitted line, ``(y - intercept) / slope``.

        Parameters
        ----------
        y : float or array_like
            Test-method value(s).

        Returns
        -------
        float or numpy.ndarray
            Same shape as ``y``.

        Raises
        ------
        ValueError
            If the slope is zero (the line cannot be inverted).
        """
        if self.slope == 0.0:
            raise ValueError("slope is zero; the fitted line cannot be inverted")
        out = (np.asarray(y, dtype=float) - self.intercept) / self.slope
        return float(out) if out.ndim == 0 else out
