"""Logistic regression of a binary response on one continuous predictor.

:func:`logistic_slope` fits ``logit P(responder) = b0 + b1 x`` by maximum
likelihood (statsmodels ``Logit``) and reports the slope with its Wald
interval and p-value, or says why it cannot (too few observations, a single
outcome class, a constant predictor, separation, non-convergence).
All arguments are keyword-only; bad arguments raise :class:`ValueError`.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["MIN_OBSERVATIONS", "LogisticResult", "logistic_slope"]

#: Fewest observations for which a slope is reported.
MIN_OBSERVATIONS = 10


@dataclass(frozen=True)
class LogisticResult:
    """Result of :func:`logistic_slope`.

    Attributes
    ----------
    slope : float or None
        Maximum-likelihood log-odds ratio per unit of ``x``; None with a
        ``reason``.
    ci : tuple of float or None
        Wald interval ``slope -/+ z_{1-alpha/2} SE`` at level ``1 - alpha``.
    p_value : float or None
        Two-sided Wald p-value for H0: slope = 0.
    intercept : float or None
        Fitted intercept.
    se : float or None
        Standard error of the slope (inverse observed information).
    n : int
        Observations used.
    n_responders : int
        Observations with ``responder == 1``.
    alpha : float
        One minus the interval level.
    method : str
        How the fit was made.
    reason : str or None
        Why no slope is reported, else None.
    """

    slope: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    intercept: float | None
    se: float | None
    n: int
    n_responders: int
    alpha: float
    method: str
    reason: str | None


def _separation(x: np.ndarray, y: np.ndarray) -> str | None:
    """Describe complete or quasi-complete separation by a threshold on x, if any."""
    x0, x1 = x[y == 0], x[y == 1]
    if x0.max() < x1.min() or x1.max() < x0.min():
        return (
            "complete separation: a threshold on x splits responders from non-responders, "
            "so the maximum-likelihood slope is infinite"
        )
    if x0.max() <= x1.min() or x1.max() <= x0.min():
        return (
            "quasi-complete separation: the classes overlap only at a single x value, "
            "so the maximum-likelihood slope is infinite"
        )
    return None


def logistic_slope(*, x, responder, alpha: float = 0.05) -> LogisticResult:
    """Logistic-regression slope of a binary response on ``x``.

    Parameters
    ----------
    x : array_like
        One-dimensional finite predictor values.
    responder : array_like
        Same length; 0/1 or bool outcomes.
    alpha : float, default 0.05
        The interval has level ``1 - alpha``.

    Returns
    -------
    LogisticResult
        ``slope``, ``ci``, ``p_value`` are None when fewer than
        ``MIN_OBSERVATIONS`` (10) observations, a single outcome class, a
        constant ``x``, (quasi-)complete separation or a failed fit; ``reason``
        then says which.

    Raises
    ------
    ValueError
        For mismatched lengths, non-finite ``x``, outcomes other than 0/1, or
        ``alpha`` outside (0, 1).

    Notes
    -----
    Model ``logit P(y = 1 | x) = b0 + b1 x`` fitted by Newton--Raphson
    (``statsmodels.discrete.discrete_model.Logit``). Standard errors from the
    inverse observed information; ``ci = b1 -/+ z_{1-alpha/2} SE`` and
    ``p = 2 (1 - Phi(|b1| / SE))``.

    Separation is detected *before* fitting, directly: with one predictor the
    MLE is infinite exactly when ``max(x | y=0) <= min(x | y=1)`` or
    ``max(x | y=1) <= min(x | y=0)`` (Albert and Anderson 1984). The fit is
    additionally guarded against statsmodels' ``PerfectSeparationError``
    (older versions) and ``PerfectSeparationWarning`` /
    ``ConvergenceWarning`` (newer versions) and against non-finite standard
    errors.

    Checked against the Hosmer--Lemeshow CHDAGE example (slope 0.111,
    SE 0.0241) and statsmodels' GLM (binomial family, IRLS) in
    tests/stats/test_logistic.py.

    References
    ----------
    .. [1] Hosmer, D. W., Lemeshow, S. and Sturdivant, R. X. (2013). Applied
       Logistic Regression, 3rd ed., Wiley, chapter 1.
    .. [2] Albert, A. and Anderson, J. A. (1984). On the existence of maximum
       likelihood estimates in logistic regression models. Biometrika 71(1),
       1-10.

    Examples
    --------
    >>> r = logistic_slope(x=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ...                    responder=[0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    >>> r.slope is None, r.reason.startswith("complete separation")
    (True, True)
    """
    xa = np.asarray(x, dtype=float)
    ya_raw = np.asarray(responder)
    if xa.ndim != 1 or ya_raw.ndim != 1:
        raise ValueError("x and responder must be one-dimensional")
    if xa.size != ya_raw.size:
        raise ValueError(f"x ({xa.size}) and responder ({ya_raw.size}) must have the same length")
    if not np.all(np.isfinite(xa)):
        raise ValueError("x must be finite (no NaN or inf)")
    if ya_raw.dtype.kind not in "biuf":
        raise ValueError("responder must contain only 0/1 or bool values")
    ya = ya_raw.astype(float)
    if not np.all((ya == 0.0) | (ya == 1.0)):
        raise ValueError("responder must contain only 0/1 or bool values")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    alpha = float(alpha)

    n = int(xa.size)
    n_resp = int(ya.sum())
    method = "maximum-likelihood logistic regression (statsmodels Logit, Newton); Wald interval and test"

    def _none(reason: str) -> LogisticResult:
        return LogisticResult(
            slope=None, ci=None, p_value=None, intercept=None, se=None, n=n, n_responders=n_resp,
            alpha=alpha, method=method, reason=reason,
        )  # fmt: skip

    if n < MIN_OBSERVATIONS:
        return _none(f"only {n} observations; at least {MIN_OBSERVATIONS} needed")
    if n_resp in (0, n):
        return _none(f"a single outcome class (all {'responders' if n_resp else 'non-responders'})")
    if np.ptp(xa) == 0.0:
        return _none("x is constant; the slope is not identifiable")
    sep = _separation(xa, ya)
    if sep is not None:
        return _none(sep)

    # statsmodels costs 0.7 s to import; only an audit with outcomes needs it.
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools import sm_exceptions

    separation_error = getattr(sm_exceptions, "PerfectSeparationError", None)
    caught_errors: tuple[type[BaseException], ...] = (np.linalg.LinAlgError,) + (
        (separation_error,) if separation_error is not None else ()
    )
    design = np.column_stack([np.ones(n), xa])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = Logit(ya, design).fit(disp=0, maxiter=100)
        except caught_errors as exc:
            if separation_error is not None and isinstance(exc, separation_error):
                return _none("separation detected by statsmodels (PerfectSeparationError)")
            return _none("the information matrix is singular")
    # statsmodels >= 0.14 warns instead of raising; map its warnings by name so
    # that the check works whichever of these classes a version defines.
    messages = {
        "PerfectSeparationWarning": "separation detected by statsmodels (PerfectSeparationWarning)",
        "ConvergenceWarning": "the maximum-likelihood fit did not converge",
        "HessianInversionWarning": "the information matrix could not be inverted",
    }
    for w in caught:
        if w.category.__name__ in messages:
            return _none(messages[w.category.__name__])
    if not fit.mle_retvals.get("converged", True):
        return _none("the maximum-likelihood fit did not converge")

    params = np.asarray(fit.params, dtype=float)
    bse = np.asarray(fit.bse, dtype=float)
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(bse)) and bse[1] > 0):
        return _none("non-finite estimate or standard error")
    ci = np.asarray(fit.conf_int(alpha=alpha), dtype=float)[1]
    return LogisticResult(
        slope=float(params[1]),
        ci=(float(ci[0]), float(ci[1])),
        p_value=float(np.asarray(fit.pvalues)[1]),
        intercept=float(params[0]),
        se=float(bse[1]),
        n=n,
        n_responders=n_resp,
        alpha=alpha,
        method=method,
        reason=None,
    )
