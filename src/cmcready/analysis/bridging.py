"""Bridging studies: paired samples, Deming fits, and scale conversion along bridging paths."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..context import AuditContext, cached
from ..stats.deming import DemingResult, deming_regression

MIN_PAIRS_FOR_PATH = 3


@dataclass(frozen=True)
class BridgeFit:
    """One bridging study with its paired samples and the Deming fit of new on old."""

    study_id: str
    attribute_id: str
    old_method: str
    new_method: str
    error_ratio: float
    pairs: pd.DataFrame  # sample_id, old, new, first_date, last_date, last_old_date
    fit: DemingResult | None
    reason: str | None  # why there is no fit
    caveat: str | None = None  # a fit without jackknife intervals: why

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)


def paired_samples(rows: pd.DataFrame, old_method: str, new_method: str) -> pd.DataFrame:
    """Samples with at least one row on each method; replicates averaged per sample and method.
    A study whose old and new method are the same pairs nothing."""
    r = rows.loc[rows["method_id"].isin([old_method, new_method])]
    if r.empty or old_method == new_method:
        return pd.DataFrame(columns=["sample_id", "old", "new", "first_date", "last_date", "last_old_date"])
    means = r.pivot_table(index="sample_id", columns="method_id", values="value", aggfunc="mean")
    for m in (old_method, new_method):
        if m not in means:
            means[m] = np.nan
    means = means[[old_method, new_method]].dropna()
    dates = r.groupby("sample_id")["test_date"].agg(["min", "max"])
    last_old = r.loc[r["method_id"] == old_method].groupby("sample_id")["test_date"].max()
    out = pd.DataFrame({
        "sample_id": means.index.astype(object),
        "old": means[old_method].to_numpy(float),
        "new": means[new_method].to_numpy(float),
        "first_date": dates.loc[means.index, "min"].to_numpy(),
        "last_date": dates.loc[means.index, "max"].to_numpy(),
        "last_old_date": last_old.reindex(means.index).to_numpy(),
    })
    return out.sort_values("sample_id").reset_index(drop=True)


def point_fit(x: np.ndarray, y: np.ndarray, error_ratio: float) -> DemingResult | None:
    """The Deming line alone (no jackknife: intervals NaN), or None when its slope is undefined.

    b1 = (λ·Syy − Sxx + √((Sxx − λ·Syy)² + 4λ·Sxy²)) / (2λ·Sxy), b0 = ȳ − b1·x̄, with
    λ = error_ratio = var(old error) / var(new error), as mcr's error.ratio with old as x
    (written 2·Sxy / (d + root) when d = Sxx − λ·Syy > 0, to avoid cancellation).
    """
    mx, my = float(np.mean(x)), float(np.mean(y))
    u, q, p = (float(np.dot(a, b)) for a, b in ((x - mx, x - mx), (y - my, y - my), (x - mx, y - my)))
    if p == 0.0 or not error_ratio > 0:
        return None
    d = u - error_ratio * q
    root = float(np.hypot(d, 2.0 * np.sqrt(error_ratio) * p))
    slope = (root - d) / (2.0 * error_ratio * p) if d <= 0 else 2.0 * p / (d + root)
    if not np.isfinite(slope) or slope == 0.0:
        return None
    nan2 = (float("nan"), float("nan"))
    n = len(x)
    return DemingResult(
        slope=float(slope), intercept=my - float(slope) * mx, slope_ci=nan2, intercept_ci=nan2,
        slope_se=float("nan"), intercept_se=float("nan"), analytical_slope_se=float("nan"),
        analytical_intercept_se=float("nan"), n=n, error_ratio=float(error_ratio), alpha=0.05, mean_x=mx,
        mean_y=my, t_quantile=float("nan"), loo_slopes=np.full(n, np.nan), loo_intercepts=np.full(n, np.nan),
        jackknife_cov=np.full((2, 2), np.nan))


def _fit(x: np.ndarray, y: np.ndarray, ratio: float) -> tuple[DemingResult | None, str | None, str | None]:
    """The study's Deming fit, why it is missing, and why its intervals are (caveat).

    Every study with at least 3 paired samples is a conversion path (audit-rules.md), so when
    only the jackknife is undefined (a leave-one-out subset without covariance) the line is
    kept and its intervals are left unestimated.
    """
    try:
        return deming_regression(x=x, y=y, error_ratio=ratio), None, None
    except ValueError as exc:
        line = point_fit(x, y, ratio)
        if line is None:
            return None, f"the Deming fit cannot be estimated: {exc}", None
        return line, None, f"the jackknife confidence intervals are not estimable ({exc}); the line is used alone"


@cached
def bridge_fits(ctx: AuditContext) -> dict[str, BridgeFit]:
    d = ctx.dossier
    results = d.bridging_results
    by_study = dict(tuple(results.groupby("bridging_study_id"))) if len(results) else {}
    out = {}
    for rec in d.bridging_studies.sort_values("bridging_study_id").to_dict("records"):
        sid = rec["bridging_study_id"]
        rows = by_study.get(sid, results.iloc[:0])
        pairs = paired_samples(rows, rec["old_method"], rec["new_method"])
        ratio = float(rec["error_ratio"]) if not pd.isna(rec["error_ratio"]) else 1.0
        fit, reason, caveat = None, None, None
        if rec["old_method"] == rec["new_method"]:
            reason = "old and new method are the same"
        elif len(pairs) < MIN_PAIRS_FOR_PATH:
            reason = f"{len(pairs)} paired samples; at least {MIN_PAIRS_FOR_PATH} are needed for a fit"
        else:
            fit, reason, caveat = _fit(pairs["old"].to_numpy(float), pairs["new"].to_numpy(float), ratio)
        out[sid] = BridgeFit(sid, rec["attribute_id"], rec["old_method"], rec["new_method"], ratio, pairs, fit, reason,
                             caveat)
    return out


@dataclass(frozen=True)
class Step:
    study_id: str
    forward: bool  # True: old -> new (the fitted line); False: new -> old (inverted)


@cached
def bridging_path(ctx: AuditContext, from_method: str, to_method: str) -> tuple[Step, ...] | None:
    """The conversion path between two methods of one attribute; () for the same method,
    None when no path exists. Fewest studies; ties by more paired samples, then study ids."""
    if from_method == to_method:
        return ()
    edges: dict[str, list[tuple[str, Step, int]]] = {}
    for fit in bridge_fits(ctx).values():
        if fit.fit is None:
            continue
        edges.setdefault(fit.old_method, []).append((fit.new_method, Step(fit.study_id, True), fit.n_pairs))
        edges.setdefault(fit.new_method, []).append((fit.old_method, Step(fit.study_id, False), fit.n_pairs))
    best = None
    best_key = None
    # Breadth-first by path length; the graphs are a handful of methods per attribute.
    frontier = [(from_method, (), 0, frozenset([from_method]))]
    while frontier and best is None:
        nxt = []
        for node, steps, pairs, seen in frontier:
            for target, step, n in edges.get(node, []):
                if target in seen:
                    continue
                cand = (steps + (step,), pairs + n)
                if target == to_method:
                    key = (-cand[1], tuple(s.study_id for s in cand[0]))
                    if best_key is None or key < best_key:
                        best, best_key = cand[0], key
                else:
                    nxt.append((target, cand[0], cand[1], seen | {target}))
        frontier = nxt
    return best


def convert(ctx: AuditContext, values, from_method: str, to_method: str) -> np.ndarray | None:
    """Values measured with ``from_method`` put on ``to_method``'s scale; None without a path."""
    path = bridging_path(ctx, from_method, to_method)
    if path is None:
        return None
    v = np.asarray(values, dtype=float)
    fits = bridge_fits(ctx)
    for step in path:
        fit = fits[step.study_id].fit
        v = fit.predict(v) if step.forward else fit.inverse(v)
    return v
