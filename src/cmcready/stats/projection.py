"""Projected out-of-specification (OOS) rate of a process.

* :func:`fit_model` -- normal or lognormal model for one attribute, chosen by
  a stated Shapiro--Wilk rule.
* :func:`oos_rate` -- probability outside ``[lower, upper]`` under a fitted
  model (closed form).
* :func:`projected_oos` -- fitted model, rate, seeded parametric bootstrap
  interval and a nonparametric cross-check for one attribute.
* :func:`joint_failure_rate` -- probability that a lot fails at least one of
  several attributes, under a multivariate normal fitted to complete lots
  (some columns on the log scale), by seeded Monte Carlo.

All arguments are keyword-only (the model of :func:`oos_rate` excepted);
bad arguments raise :class:`ValueError`. Randomness comes only from
``numpy.random.default_rng(seed)``: the same ``seed`` gives the same result.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from cmcready.stats.proportions import clopper_pearson
from ._checks import check_alpha as _alpha

__all__ = [
    "MIN_JOINT_DRAWS",
    "SHAPIRO_ALPHA",
    "FittedModel",
    "JointProjection",
    "Projection",
    "fit_model",
    "joint_failure_rate",
    "oos_rate",
    "projected_oos",
]

#: Significance level of the Shapiro--Wilk tests in the model-choice rule.
SHAPIRO_ALPHA = 0.05

#: Minimum number of Monte Carlo draws for the joint point estimate.
MIN_JOINT_DRAWS = 100_000

# Rows of standard normals generated at a time (bounds memory: 65 536 rows x
# 30 attributes x 8 bytes = 16 MB per array).
_CHUNK_ROWS = 1 << 16
# Elements of the (replicates x draws x attributes) array of bootstrap Monte Carlo
# values formed at a time (2**21 x 8 bytes = 16 MB).
_BOOT_CHUNK_ELEMENTS = 1 << 21


# --------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------


def no_spread(values) -> bool:
    """Whether values are all equal to 12 significant digits.

    A lot's value is the mean of its replicates, and a mean of equal decimals can differ
    from them in the last binary digit (1.7 and 4.9 average to 3.3000000000000003): such
    values have no spread to fit a model to, as if they were exactly equal.

    >>> no_spread([3.3, 3.3, (1.7 + 4.9) / 2]), no_spread([3.3, 3.31])
    (True, False)
    """
    x = np.asarray(values, dtype=float)
    return bool(x.size == 0 or np.ptp(x) <= 1e-12 * np.max(np.abs(x)))


def _finite_1d(values: object, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite (no NaN or inf); handle censored or missing values first")
    return x


def _bound(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number or None, got {value!r}")
    return float(value)


def _limits(lower: object, upper: object) -> tuple[float | None, float | None]:
    lo = _bound(lower, "lower")
    hi = _bound(upper, "upper")
    if lo is None and hi is None:
        raise ValueError("at least one of lower and upper must be given")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"lower ({lo}) must not exceed upper ({hi})")
    return lo, hi


def _int_at_least(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _seed(seed: object) -> int | None:
    if seed is None:
        return None
    return _int_at_least(seed, "seed", 0)


# --------------------------------------------------------------------------
# single attribute
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FittedModel:
    """Distribution fitted to one attribute (:func:`fit_model`).

    Attributes
    ----------
    model : {"normal", "lognormal"}
        The family chosen by the rule in ``criterion``.
    mu, sigma : float
        Sample mean and standard deviation (ddof=1) of the values, or of
        their natural logarithms when ``model == "lognormal"``.
    n : int
        Number of values.
    shapiro_p : float
        Shapiro--Wilk p-value of the values.
    shapiro_p_log : float or None
        Shapiro--Wilk p-value of the log values; None when not computed (some
        value <= 0, or normality of the values was not rejected).
    criterion : str
        The rule and how it applied to these values.
    """

    model: str
    mu: float
    sigma: float
    n: int
    shapiro_p: float
    shapiro_p_log: float | None
    criterion: str


_RULE = (
    "lognormal if every value > 0, Shapiro-Wilk rejects normality of the values "
    f"(p < {SHAPIRO_ALPHA}) and does not reject normality of their logarithms "
    f"(p >= {SHAPIRO_ALPHA}); normal otherwise"
)


def _rescaled(x: np.ndarray) -> tuple[np.ndarray, float]:
    """``x / s`` and ``s``: values of extreme magnitude (beyond 1e±100) brought near 1, so
    that sums of squares neither overflow nor underflow; other values as they are (s = 1)."""
    m = float(np.max(np.abs(x))) if x.size else 0.0
    if m > 0 and np.isfinite(m) and not 1e-100 < m < 1e100:
        return x / m, m
    return x, 1.0


def _shapiro_p(x: np.ndarray) -> float:
    # W is invariant to scale: extreme magnitudes are tested rescaled.
    # scipy warns that the p-value may be inaccurate above n = 5000; the rule uses it as stated.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return float(stats.shapiro(_rescaled(x)[0]).pvalue)


def fit_model(*, values) -> FittedModel:
    """Choose a normal or lognormal model for one attribute and fit it.

    Parameters
    ----------
    values : array_like
        One-dimensional finite values, at least 3 (Shapiro--Wilk's minimum),
        not all equal.

    Returns
    -------
    FittedModel

    Raises
    ------
    ValueError
        For fewer than 3 values, non-finite values, or zero spread.

    Notes
    -----
    Rule: the model is ``"lognormal"`` when every value is > 0, the
    Shapiro--Wilk test (``scipy.stats.shapiro``) rejects normality of the
    values at ``SHAPIRO_ALPHA = 0.05`` and does *not* reject normality of
    their logarithms; otherwise ``"normal"``. Parameters are the sample mean
    and standard deviation (ddof=1), of the logarithms for the lognormal
    model. Not rejecting normality is not evidence of normality; with few
    lots the test has little power and the normal model is the default.

    Checked in tests/stats/test_projection.py against ``scipy.stats.shapiro``
    and :mod:`statistics` on lognormal and normal samples.

    References
    ----------
    .. [1] Shapiro, S. S. and Wilk, M. B. (1965). An analysis of variance test
       for normality (complete samples). Biometrika 52(3/4), 591-611.

    Examples
    --------
    >>> m = fit_model(values=[9.8, 10.1, 10.0, 9.9, 10.2, 10.05])
    >>> m.model
    'normal'
    """
    x = _finite_1d(values, "values")
    n = int(x.size)
    if n < 3:
        raise ValueError(f"at least 3 values are needed to fit a model, got {n}")
    if no_spread(x):
        raise ValueError("all values are identical (to 12 significant digits); the standard deviation is 0 "
                         "and no model can be fitted")
    p = _shapiro_p(x)
    p_log: float | None = None
    model = "normal"
    if p >= SHAPIRO_ALPHA:
        why = f"Shapiro-Wilk does not reject normality of the values (p = {p:.3g})"
    elif np.any(x <= 0.0):
        why = (
            f"Shapiro-Wilk rejects normality (p = {p:.3g}) but some values are <= 0, "
            "so a lognormal model is impossible"
        )
    else:
        p_log = _shapiro_p(np.log(x))
        if p_log >= SHAPIRO_ALPHA:
            model = "lognormal"
            why = (
                f"Shapiro-Wilk rejects normality of the values (p = {p:.3g}) and does not reject "
                f"it for their logarithms (p = {p_log:.3g})"
            )
        else:
            why = (
                f"Shapiro-Wilk rejects normality of both the values (p = {p:.3g}) and their "
                f"logarithms (p = {p_log:.3g}); normal kept as the default"
            )
    y, scale = _rescaled(np.log(x) if model == "lognormal" else x)
    return FittedModel(
        model=model,
        mu=scale * float(np.mean(y)),
        sigma=scale * float(np.std(y, ddof=1)),
        n=n,
        shapiro_p=p,
        shapiro_p_log=p_log,
        criterion=f"Rule: {_RULE}. Here: {why}; model {model}.",
    )


def _model_scale_limits(family: str, lo: float | None, hi: float | None) -> tuple[float, float]:
    """Bounds on the scale of the model's normal (log scale for lognormal)."""
    if family == "lognormal":
        if hi is not None and hi <= 0.0:
            raise ValueError(f"upper ({hi}) must be > 0 for a lognormal (positive) quantity")
        lo_t = -np.inf if lo is None or lo <= 0.0 else math.log(lo)
        hi_t = np.inf if hi is None else math.log(hi)
    else:
        lo_t = -np.inf if lo is None else lo
        hi_t = np.inf if hi is None else hi
    return lo_t, hi_t


def _normal_tail_rate(mu, sigma, lo_t: float, hi_t: float):
    """P(Y < lo_t) + P(Y > hi_t) for Y ~ N(mu, sigma); vectorised in mu, sigma."""
    return stats.norm.cdf((lo_t - mu) / sigma) + stats.norm.sf((hi_t - mu) / sigma)


def oos_rate(model: FittedModel, *, lower: float | None = None, upper: float | None = None) -> float:
    """Probability of a result outside ``[lower, upper]`` under a fitted model.

    Parameters
    ----------
    model : FittedModel
        From :func:`fit_model`.
    lower, upper : float or None
        Specification limits; either may be None (one-sided), not both.

    Returns
    -------
    float
        ``P(X < lower) + P(X > upper)``, in [0, 1].

    Raises
    ------
    ValueError
        If both limits are None, ``lower > upper``, a limit is not finite, or
        (lognormal model) ``upper <= 0``.

    Notes
    -----
    Normal: ``Phi((lower - mu) / sigma) + Phi((mu - upper) / sigma)``
    (upper tail by the survival function, accurate for tiny rates).
    Lognormal: the same on the log scale with ``log(lower)`` and
    ``log(upper)``; a lower limit <= 0 contributes 0, because a lognormal
    quantity is positive. Checked against ``scipy.stats.norm`` /
    ``scipy.stats.lognorm`` in tests/stats/test_projection.py.

    Examples
    --------
    >>> m = FittedModel("normal", 0.0, 1.0, 10, 0.5, None, "")
    >>> round(oos_rate(m, lower=-1.96, upper=1.96), 4)
    0.05
    """
    if not isinstance(model, FittedModel):
        raise ValueError("model must be a FittedModel (see fit_model)")
    lo, hi = _limits(lower, upper)
    lo_t, hi_t = _model_scale_limits(model.model, lo, hi)
    return float(_normal_tail_rate(model.mu, model.sigma, lo_t, hi_t))


@dataclass(frozen=True)
class Projection:
    """Projected OOS rate of one attribute (:func:`projected_oos`).

    Attributes
    ----------
    model : FittedModel or None
        Fitted model; None when there were too few values.
    rate : float or None
        Projected OOS rate under ``model``; None with a ``reason``.
    ci : tuple of float or None
        ``(1 - alpha)`` parametric-bootstrap percentile interval of ``rate``;
        None when ``rate`` is None or ``n_boot == 0``.
    observed_outside : int
        Number of values strictly outside the limits.
    observed_fraction : float or None
        ``observed_outside / n`` (nonparametric cross-check); None if n = 0.
    observed_ci : tuple of float or None
        Clopper--Pearson interval of ``observed_fraction`` at level
        ``1 - alpha``; None if n = 0.
    n : int
        Number of values used.
    n_censored : int or None
        Reported as given by the caller (censored values are not modelled).
    lower, upper : float or None
        Specification limits.
    alpha : float
        One minus the interval level.
    n_boot : int
        Bootstrap replicates.
    seed : int or None
        Seed of the bootstrap generator.
    method : str
        How rate and interval were computed.
    reason : str or None
        Why ``rate`` is None, else None.
    """

    model: FittedModel | None
    rate: float | None
    ci: tuple[float, float] | None
    observed_outside: int
    observed_fraction: float | None
    observed_ci: tuple[float, float] | None
    n: int
    n_censored: int | None
    lower: float | None
    upper: float | None
    alpha: float
    n_boot: int
    seed: int | None
    method: str
    reason: str | None


def _bootstrap_rates(
    *, mu: float, sigma: float, n: int, lo_t: float, hi_t: float, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Parametric bootstrap of the normal tail rate.

    Refitting a simulated normal sample of size n by its mean and SD needs only those
    two statistics, whose joint law is known exactly: the mean is N(mu, sigma^2/n)
    and, independently, (n-1) s^2 / sigma^2 is chi-square with n-1 degrees of freedom.
    Drawing them directly gives the same bootstrap distribution as simulating
    (n_boot, n) arrays, at O(n_boot) cost instead of O(n_boot * n).
    """
    means = mu + sigma * rng.standard_normal(n_boot) / np.sqrt(n)
    sds = sigma * np.sqrt(rng.chisquare(n - 1, n_boot) / (n - 1))
    return _normal_tail_rate(means, sds, lo_t, hi_t)


def projected_oos(
    *,
    values,
    lower: float | None = None,
    upper: float | None = None,
    n_boot: int = 2000,
    seed: int | None = 0,
    alpha: float = 0.05,
    min_n: int = 10,
    n_censored: int | None = None,
) -> Projection:
    """Projected OOS rate of one attribute with a bootstrap interval.

    Parameters
    ----------
    values : array_like
        One-dimensional finite results, one per lot.
    lower, upper : float or None
        Specification limits (at least one).
    n_boot : int, default 2000
        Parametric bootstrap replicates (0 skips the interval).
    seed : int or None, default 0
        Seed for ``numpy.random.default_rng``; None draws fresh entropy
        (not reproducible).
    alpha : float, default 0.05
        The intervals have level ``1 - alpha``.
    min_n : int, default 10
        Fewest values for a projection (at least 3).
    n_censored : int, optional
        Number of censored results the caller excluded; only reported.

    Returns
    -------
    Projection

    Raises
    ------
    ValueError
        For non-finite values, bad limits (see :func:`oos_rate`), or bad
        ``n_boot``, ``seed``, ``alpha``, ``min_n`` or ``n_censored``.

    Notes
    -----
    1. With fewer than ``min_n`` values (or zero spread) the rate is not
       projected: ``rate`` and ``ci`` are None and ``reason`` says why
       (e.g. ``"only 7 lots; at least 10 needed"``).
    2. The model is chosen and fitted by :func:`fit_model`; the rate is
       :func:`oos_rate`.
    3. Interval: parametric bootstrap percentile interval. An
       simulated sample of size n from the fitted model (on the log scale for
       lognormal) is refitted by mean and SD (ddof=1) within the *same* family
       and its rate recomputed; the refitted mean and SD are drawn directly
       from their exact sampling laws (normal mean, scaled chi-square
       variance), which is the same distribution as simulating the samples; the interval is the ``alpha/2`` and
       ``1 - alpha/2`` quantiles of the replicate rates. The model-choice
       uncertainty is not propagated.
    4. Cross-check: the observed fraction strictly outside the limits with
       its Clopper--Pearson interval (:func:`clopper_pearson`).

    The result is invariant to a change of units (values and limits scaled
    by the same positive factor) and reproducible for a given ``seed``.
    Checked in tests/stats/test_projection.py against the closed-form normal
    CDF, a delta-method standard error and a frequentist coverage simulation.

    References
    ----------
    .. [1] Efron, B. and Tibshirani, R. J. (1993). An Introduction to the
       Bootstrap, Chapman & Hall, chapters 6 and 13 (parametric bootstrap,
       percentile interval).

    Examples
    --------
    >>> import numpy as np
    >>> v = np.random.default_rng(1).normal(100.0, 2.0, size=30)
    >>> p = projected_oos(values=v, lower=94.0, upper=106.0, n_boot=500)
    >>> p.model.model, p.rate < 0.05, p.ci[0] <= p.ci[1]
    ('normal', True, True)
    """
    x = _finite_1d(values, "values")
    lo, hi = _limits(lower, upper)
    n_boot = _int_at_least(n_boot, "n_boot", 0)
    seed = _seed(seed)
    alpha = _alpha(alpha)
    min_n = _int_at_least(min_n, "min_n", 3)
    if n_censored is not None:
        n_censored = _int_at_least(n_censored, "n_censored", 0)
    n = int(x.size)

    outside = np.zeros(n, dtype=bool)
    if lo is not None:
        outside |= x < lo
    if hi is not None:
        outside |= x > hi
    n_out = int(np.count_nonzero(outside))
    obs_frac = n_out / n if n else None
    obs_ci = clopper_pearson(successes=n_out, trials=n, alpha=alpha) if n else None

    def _empty(reason: str, model: FittedModel | None = None) -> Projection:
        return Projection(
            model=model, rate=None, ci=None, observed_outside=n_out, observed_fraction=obs_frac,
            observed_ci=obs_ci, n=n, n_censored=n_censored, lower=lo, upper=hi, alpha=alpha,
            n_boot=n_boot, seed=seed, method="not projected", reason=reason,
        )  # fmt: skip

    if n < min_n:
        return _empty(f"only {n} lots; at least {min_n} needed")
    if no_spread(x):
        return _empty(f"all {n} values are identical (to 12 significant digits); the standard deviation is 0 "
                      "and no model can be fitted")

    model = fit_model(values=x)
    if not (np.isfinite(model.mu) and np.isfinite(model.sigma) and model.sigma > 0):
        # Values so small or large (1e-300, 1e300) that their spread under- or overflows.
        return _empty(f"the {model.model} model's mean and standard deviation are not finite and positive "
                      f"at this magnitude of values (SD {model.sigma:g})", model)
    lo_t, hi_t = _model_scale_limits(model.model, lo, hi)
    rate = float(_normal_tail_rate(model.mu, model.sigma, lo_t, hi_t))
    if not np.isfinite(rate):
        return _empty("the tail probability is not finite at this magnitude of values", model)
    ci = None
    scale = " of the log values" if model.model == "lognormal" else ""
    method = f"{model.model} model, mean and SD (ddof=1){scale}; closed-form tail probability"
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        boot = _bootstrap_rates(mu=model.mu, sigma=model.sigma, n=n, lo_t=lo_t, hi_t=hi_t, n_boot=n_boot, rng=rng)
        q = np.quantile(boot, [alpha / 2.0, 1.0 - alpha / 2.0])
        ci = (float(q[0]), float(q[1])) if np.all(np.isfinite(q)) else None
        method += (
            f"; {100 * (1 - alpha):g}% parametric bootstrap percentile interval "
            f"({n_boot} replicates, same family refitted)"
        )
    return Projection(
        model=model, rate=rate, ci=ci, observed_outside=n_out, observed_fraction=obs_frac,
        observed_ci=obs_ci, n=n, n_censored=n_censored, lower=lo, upper=hi, alpha=alpha,
        n_boot=n_boot, seed=seed, method=method, reason=None,
    )  # fmt: skip


# --------------------------------------------------------------------------
# several attributes
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class JointProjection:
    """Joint failure rate of several attributes (:func:`joint_failure_rate`).

    Attributes
    ----------
    rate : float or None
        Monte Carlo estimate of ``1 - P(all attributes inside)``; None with a
        ``reason``.
    ci : tuple of float or None
        ``(1 - alpha)`` parametric-bootstrap percentile interval; None when
        ``rate`` is None or ``n_boot == 0``.
    mc_se : float or None
        Binomial Monte Carlo standard error of ``rate``,
        ``sqrt(rate (1 - rate) / n_draws)``.
    n : int
        Complete lots used.
    n_incomplete : int
        Rows dropped because they contained NaN.
    n_attrs : int
        Number of attributes (columns).
    mean : tuple of float or None
        Fitted mean vector (log scale for ``log_scale`` columns).
    cov : tuple of tuple of float or None
        Fitted covariance matrix (ddof=1), same scale.
    marginal_rates : tuple of float or None
        Per-attribute OOS rate under the fitted normal marginals (closed form).
    log_scale : tuple of bool
        Which columns were modelled on the log scale.
    n_draws, n_draws_boot, n_boot : int
        Monte Carlo draws for the point estimate, draws per bootstrap
        replicate, and bootstrap replicates.
    seed : int or None
        Seed of all random streams.
    alpha : float
        One minus the interval level.
    method : str
        How rate and interval were computed (draw counts included).
    reason : str or None
        Why ``rate`` is None, else None.
    """

    rate: float | None
    ci: tuple[float, float] | None
    mc_se: float | None
    n: int
    n_incomplete: int
    n_attrs: int
    mean: tuple[float, ...] | None
    cov: tuple[tuple[float, ...], ...] | None
    marginal_rates: tuple[float, ...] | None
    log_scale: tuple[bool, ...]
    n_draws: int
    n_draws_boot: int
    n_boot: int
    seed: int | None
    alpha: float
    method: str
    reason: str | None


def _factor(cov: np.ndarray) -> tuple[np.ndarray, bool]:
    """Lower-triangular Cholesky factor, or a symmetric square root if not PD."""
    try:
        return np.linalg.cholesky(cov), True
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(cov)
        return v * np.sqrt(np.clip(w, 0.0, None)), False


def _fraction_inside(
    z_chunks, factor: np.ndarray, mean: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> int:
    """Count rows of ``mean + z @ factor.T`` inside ``[lo, hi]`` in every column."""
    lo_c = lo - mean
    hi_c = hi - mean
    cols = np.flatnonzero(np.isfinite(lo_c) | np.isfinite(hi_c))
    f_t = factor[cols].T.copy()
    lo_c, hi_c = lo_c[cols], hi_c[cols]
    inside = 0
    for z in z_chunks:
        y = z @ f_t
        ok = np.all((y >= lo_c) & (y <= hi_c), axis=1)
        inside += int(np.count_nonzero(ok))
    return inside


def _wishart_roots(rng: np.random.Generator, df: int, p: int, k: int) -> np.ndarray:
    """``k`` matrices T (p x p) with T T^T ~ Wishart_p(df, I), independently.

    Bartlett decomposition for df >= p: T lower triangular, T_ii^2 ~ chi-square(df - i)
    (i = 0 .. p-1) and T_ij ~ N(0, 1) below the diagonal. For df < p (fewer lots than
    attributes, a singular sample covariance) T = [G^T | 0] with G a df x p matrix of
    standard normals, since G^T G is the Wishart matrix itself.
    """
    t = np.zeros((k, p, p))
    if df >= p:
        t[:, np.arange(p), np.arange(p)] = np.sqrt(rng.chisquare(df - np.arange(p), size=(k, p)))
        below = np.tril_indices(p, -1)
        t[:, below[0], below[1]] = rng.standard_normal((k, below[0].size))
    else:
        t[:, :, :df] = rng.standard_normal((k, p, df))
    return t


def _count_inside_batch(
    z: np.ndarray, factors: np.ndarray, means: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """For each replicate b, the rows of ``means[b] + z @ factors[b].T`` inside [lo, hi] in every column."""
    cols = np.flatnonzero(np.isfinite(lo) | np.isfinite(hi))
    f_c = factors[:, cols, :]  # (k, c, p): only the bounded columns are computed
    z_t = np.ascontiguousarray(z.T)  # (p, draws): each replicate's column of values is then contiguous
    lo_c = lo[cols] - means[:, cols]
    hi_c = hi[cols] - means[:, cols]
    per_batch = max(1, _BOOT_CHUNK_ELEMENTS // max(1, z.shape[0] * cols.size))
    counts = np.empty(factors.shape[0], dtype=np.int64)
    for start in range(0, factors.shape[0], per_batch):
        sl = slice(start, start + per_batch)
        y = np.matmul(f_c[sl], z_t)  # (batch, c, draws)
        ok = np.ones((y.shape[0], y.shape[2]), dtype=bool)
        for j, col in enumerate(cols):
            if np.isfinite(lo[col]):
                ok &= y[:, j, :] >= lo_c[sl, j, None]
            if np.isfinite(hi[col]):
                ok &= y[:, j, :] <= hi_c[sl, j, None]
        counts[sl] = np.count_nonzero(ok, axis=1)
    return counts


def _bootstrap_joint_rates(
    *, rate: float, mean: np.ndarray, factor: np.ndarray, n: int, lo: np.ndarray, hi: np.ndarray, n_boot: int,
    n_draws_boot: int, rng_samples: np.random.Generator, rng_draws: np.random.Generator,
) -> np.ndarray:
    """Parametric bootstrap replicates of the joint failure rate.

    A replicate refits the mean and covariance to n lots simulated from the fitted normal
    N(mean, F F^T). Those statistics are sufficient and their joint law is known exactly:
    the mean is mean + F zbar with zbar ~ N(0, I/n) and, independently, (n-1) times the
    covariance is F W F^T with W ~ Wishart_p(n-1, I). Drawing them directly (W = T T^T by
    :func:`_wishart_roots`) gives the same bootstrap distribution as simulating n x p arrays,
    at O(p^2) cost per replicate instead of O(n p); F T / sqrt(n-1) is then a square root of
    the replicate's covariance, so no factorisation per replicate is needed.

    Each replicate's rate is estimated on one block of ``n_draws_boot`` standard normals
    shared by all replicates (common random numbers) as a difference from the fitted model's
    rate on the same block, added to the point estimate: ``rate + (r_b - r_0)``, clipped to
    [0, 1]. The shared block's own Monte Carlo error cancels in the difference, so the
    interval is centred on the point estimate's draws instead of being shifted by the
    smaller block's error (which, with thousands of lots, is as large as the sampling
    spread itself).
    """
    p = mean.size
    df = n - 1
    zbar = rng_samples.standard_normal((n_boot, p)) / math.sqrt(n)
    roots = _wishart_roots(rng_samples, df, p, n_boot)
    means = mean + zbar @ factor.T
    factors = np.matmul(factor, roots) / math.sqrt(df)
    z_mc = rng_draws.standard_normal((n_draws_boot, p))
    counts = _count_inside_batch(z_mc, factors, means, lo, hi)
    base = _count_inside_batch(z_mc, factor[None], mean[None], lo, hi)[0]
    return np.clip(rate + (base - counts) / n_draws_boot, 0.0, 1.0)


def _sequence(values: object, p: int, name: str) -> list:
    if values is None:
        return [None] * p
    seq = list(values)
    if len(seq) != p:
        raise ValueError(f"{name} must have one entry per attribute ({p}), got {len(seq)}")
    return seq


def joint_failure_rate(
    *,
    data,
    lowers,
    uppers,
    log_scale,
    n_draws: int = 200_000,
    seed: int | None = 0,
    n_boot: int = 200,
    alpha: float = 0.05,
    min_n: int = 10,
    n_draws_boot: int = 20_000,
) -> JointProjection:
    """Probability that a lot fails at least one attribute (multivariate normal).

    Parameters
    ----------
    data : array_like, shape (n_lots, n_attrs)
        One row per lot. Rows containing NaN are dropped (counted in
        ``n_incomplete``); all other entries must be finite.
    lowers, uppers : sequence of (float or None), or None
        One lower / upper limit per attribute; None or NaN means no limit.
        None for the whole sequence means no limits on that side.
    log_scale : sequence of bool, or bool
        Columns modelled on the log scale (values must then be > 0); a single
        bool applies to every column.
    n_draws : int, default 200_000
        Monte Carlo draws for the point estimate (at least 100 000).
    seed : int or None, default 0
        Seed for ``numpy.random.SeedSequence``; None is not reproducible.
    n_boot : int, default 200
        Parametric bootstrap replicates (0 skips the interval).
    alpha : float, default 0.05
        The interval has level ``1 - alpha``.
    min_n : int, default 10
        Fewest complete lots for a projection (at least 3).
    n_draws_boot : int, default 20_000
        Monte Carlo draws per bootstrap replicate (at least 1 000).

    Returns
    -------
    JointProjection

    Raises
    ------
    ValueError
        For a bad shape, non-finite non-NaN entries, values <= 0 in a
        log-scale column, limits of the wrong length, ``lower > upper``, an
        upper limit <= 0 on a log-scale column, no limit at all, or bad
        ``n_draws``, ``n_draws_boot``, ``n_boot``, ``seed``, ``alpha``,
        ``min_n``.

    Notes
    -----
    Model: columns flagged ``log_scale`` are log-transformed with their
    limits (a lower limit <= 0 on such a column means no lower limit); a
    multivariate normal with the sample mean and covariance (ddof=1) is
    fitted to the complete lots.

    Point estimate: ``rate = 1 - P(lower <= X <= upper in every column)`` by
    Monte Carlo: standard normals ``Z`` are generated once, in chunks of
    65 536 rows to bound memory, and mapped through the Cholesky factor
    ``L`` of the covariance, ``X = mean + Z L^T``. Monte Carlo standard
    error ``sqrt(rate (1 - rate) / n_draws)`` is reported as ``mc_se``.
    If the covariance is not positive definite (e.g. fewer lots than
    attributes) a symmetric square root replaces ``L`` and ``method`` says so.

    Interval: parametric bootstrap percentile interval. Each replicate is
    the refit of ``n`` lots drawn from the fitted normal; its mean and
    covariance are drawn directly from their exact sampling laws (normal
    mean; Wishart covariance by the Bartlett decomposition), the same
    distribution as simulating the lots at O(p^2) instead of O(n p) cost.
    Its rate is estimated on one block of ``n_draws_boot`` (default 20 000)
    standard normals shared by every replicate (common random numbers), as
    the point estimate plus the replicate's difference from the fitted
    model's rate on that block, clipped to [0, 1]: the block's own Monte
    Carlo error cancels, so the interval is not shifted away from the point
    estimate by it. ``method`` records the draw counts. Point estimate,
    bootstrap samples and bootstrap draws use independent streams spawned
    from ``seed``; the point estimate does not depend on ``n_boot``.

    Checked in tests/stats/test_projection.py against
    ``scipy.stats.multivariate_normal.cdf`` (tolerance from the Monte Carlo
    standard error), the closed-form product for independent attributes and
    the single-attribute :func:`projected_oos`. Benchmark:
    benchmarks/bench_joint_projection.py.

    References
    ----------
    .. [1] Genz, A. and Bretz, F. (2009). Computation of Multivariate Normal
       and t Probabilities, Springer (the integral being estimated).
    .. [2] Efron, B. and Tibshirani, R. J. (1993). An Introduction to the
       Bootstrap, Chapman & Hall.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.random.default_rng(2).normal(size=(25, 3))
    >>> r = joint_failure_rate(data=d, lowers=[-3, -3, -3], uppers=[3, 3, 3],
    ...                        log_scale=[False, False, False], n_boot=0)
    >>> 0.0 <= r.rate <= 0.05
    True
    """
    arr = np.asarray(data, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ValueError("data must be a two-dimensional (n_lots, n_attrs) array")
    p = int(arr.shape[1])
    if np.any(np.isinf(arr)):
        raise ValueError("data must not contain inf")
    if isinstance(log_scale, (bool, np.bool_)):
        logs = [bool(log_scale)] * p
    else:
        logs = _sequence(log_scale, p, "log_scale")
        if not all(isinstance(v, (bool, np.bool_)) for v in logs):
            raise ValueError("log_scale entries must be bool")
        logs = [bool(v) for v in logs]
    lows = _sequence(lowers, p, "lowers")
    highs = _sequence(uppers, p, "uppers")
    n_draws = _int_at_least(n_draws, "n_draws", MIN_JOINT_DRAWS)
    n_draws_boot = _int_at_least(n_draws_boot, "n_draws_boot", 1_000)
    n_boot = _int_at_least(n_boot, "n_boot", 0)
    seed = _seed(seed)
    alpha = _alpha(alpha)
    min_n = _int_at_least(min_n, "min_n", 3)

    lo = np.full(p, -np.inf)
    hi = np.full(p, np.inf)
    def _missing(v: object) -> bool:
        return v is None or (isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isnan(v))

    for j in range(p):
        lj = None if _missing(lows[j]) else _bound(lows[j], f"lowers[{j}]")
        hj = None if _missing(highs[j]) else _bound(highs[j], f"uppers[{j}]")
        if lj is not None and hj is not None and lj > hj:
            raise ValueError(f"lowers[{j}] ({lj}) must not exceed uppers[{j}] ({hj})")
        if logs[j]:
            if hj is not None and hj <= 0.0:
                raise ValueError(f"uppers[{j}] ({hj}) must be > 0 on a log-scale column")
            lo[j] = -np.inf if lj is None or lj <= 0.0 else math.log(lj)
            hi[j] = np.inf if hj is None else math.log(hj)
        else:
            lo[j] = -np.inf if lj is None else lj
            hi[j] = np.inf if hj is None else hj
    if not np.any(np.isfinite(lo) | np.isfinite(hi)):
        raise ValueError("no limits given: every attribute is unbounded")

    complete = ~np.any(np.isnan(arr), axis=1)
    x = arr[complete]
    n = int(x.shape[0])
    n_incomplete = int(arr.shape[0] - n)
    log_idx = np.flatnonzero(logs)
    if log_idx.size and np.any(x[:, log_idx] <= 0.0):
        raise ValueError("log-scale columns must contain only values > 0")

    def _empty(reason: str) -> JointProjection:
        return JointProjection(
            rate=None, ci=None, mc_se=None, n=n, n_incomplete=n_incomplete, n_attrs=p, mean=None,
            cov=None, marginal_rates=None, log_scale=tuple(logs), n_draws=n_draws,
            n_draws_boot=n_draws_boot, n_boot=n_boot, seed=seed, alpha=alpha,
            method="not projected", reason=reason,
        )  # fmt: skip

    if n < min_n:
        return _empty(f"only {n} complete lots; at least {min_n} needed")

    y = x.copy()
    y[:, log_idx] = np.log(y[:, log_idx])
    # Columns of extreme magnitude are rescaled with their limits (the probability of the
    # box is unchanged), so that their covariance neither overflows nor underflows.
    scales = np.array([_rescaled(y[:, j])[1] for j in range(p)])
    y, lo, hi = y / scales, lo / scales, hi / scales
    mean = y.mean(axis=0)
    cov = np.atleast_2d(np.cov(y, rowvar=False, ddof=1))
    sd = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        marg = np.where(
            sd > 0,
            _normal_tail_rate(mean, sd, lo, hi),
            ((mean < lo) | (mean > hi)).astype(float),
        )
    factor, is_chol = _factor(cov)

    seq = np.random.SeedSequence(seed)
    s_point, s_samples, s_draws = seq.spawn(3)
    rng_point = np.random.default_rng(s_point)

    def point_chunks():
        for start in range(0, n_draws, _CHUNK_ROWS):
            yield rng_point.standard_normal((min(_CHUNK_ROWS, n_draws - start), p))

    inside = _fraction_inside(point_chunks(), factor, mean, lo, hi)
    rate = 1.0 - inside / n_draws
    mc_se = math.sqrt(rate * (1.0 - rate) / n_draws)
    method = (
        f"multivariate normal (mean, covariance ddof=1; {len(log_idx)} of {p} columns on the log scale); "
        f"rate by Monte Carlo with {n_draws} draws via the "
        + ("Cholesky factor" if is_chol else "symmetric square root (covariance not positive definite)")
    )

    ci = None
    if n_boot > 0:
        boot = _bootstrap_joint_rates(
            rate=rate, mean=mean, factor=factor, n=n, lo=lo, hi=hi, n_boot=n_boot, n_draws_boot=n_draws_boot,
            rng_samples=np.random.default_rng(s_samples), rng_draws=np.random.default_rng(s_draws),
        )  # fmt: skip
        q = np.quantile(boot, [alpha / 2.0, 1.0 - alpha / 2.0])
        ci = (float(q[0]), float(q[1])) if np.all(np.isfinite(q)) else None
        method += (
            f"; {100 * (1 - alpha):g}% parametric bootstrap percentile interval ({n_boot} replicates of "
            f"{n} lots, refitted mean and covariance drawn from their exact sampling laws; each replicate's "
            f"rate = the point estimate + its difference from the fitted model's rate, both on the same "
            f"{n_draws_boot} reused Monte Carlo draws)"
        )

    with np.errstate(over="ignore"):  # a covariance of values near 1e300 is beyond floats: inf
        cov = cov * np.outer(scales, scales)
    return JointProjection(
        rate=float(rate), ci=ci, mc_se=mc_se, n=n, n_incomplete=n_incomplete, n_attrs=p,
        mean=tuple(float(v) for v in mean * scales),
        cov=tuple(tuple(float(v) for v in row) for row in cov),
        marginal_rates=tuple(float(v) for v in marg), log_scale=tuple(logs), n_draws=n_draws,
        n_draws_boot=n_draws_boot, n_boot=n_boot, seed=seed, alpha=alpha, method=method, reason=None,
    )  # fmt: skip
