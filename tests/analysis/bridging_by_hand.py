"""Independent calculations for the bridging tests: textbook Deming line and an explicit jackknife loop.

Written from the formulae, not from ``cmcready.stats.deming``: the slope is the textbook
closed form with δ = var(new error)/var(old error) = 1/error_ratio (population moments),
the jackknife refits every leave-one-out subset in a Python loop, and the intervals are
estimate ± t(0.975, n − 2) · sd(pseudo-values)/√n.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats


def deming_line(x, y, error_ratio=1.0):
    """(intercept, slope) of the Deming fit of y on x."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    delta = 1.0 / error_ratio
    sxx = np.mean((x - x.mean()) ** 2)
    syy = np.mean((y - y.mean()) ** 2)
    sxy = np.mean((x - x.mean()) * (y - y.mean()))
    b1 = (syy - delta * sxx + np.sqrt((syy - delta * sxx) ** 2 + 4 * delta * sxy ** 2)) / (2 * sxy)
    return float(y.mean() - b1 * x.mean()), float(b1)


def deming_line_by_optimisation(x, y, error_ratio=1.0):
    """The same line by minimising Σ (y − b0 − b1 x)² / (1 + λ b1²), the profile Deming criterion."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ols = np.polyfit(x, y, 1)
    res = optimize.minimize(lambda b: np.sum((y - b[0] - b[1] * x) ** 2) / (1 + error_ratio * b[1] ** 2),
                            x0=[ols[1], ols[0]], method="Nelder-Mead",
                            options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 20000})
    return float(res.x[0]), float(res.x[1])


def jackknife_ci(x, y, statistic, error_ratio=1.0, alpha=0.05):
    """Leave-one-out jackknife CI of statistic(b0, b1), centred on the full-data value."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    full = statistic(*deming_line(x, y, error_ratio))
    pseudo = []
    for i in range(n):
        keep = np.arange(n) != i
        pseudo.append(n * full - (n - 1) * statistic(*deming_line(x[keep], y[keep], error_ratio)))
    se = np.std(pseudo, ddof=1) / np.sqrt(n)
    t = stats.t.ppf(1 - alpha / 2, n - 2)
    return full, (full - t * se, full + t * se)
