"""Clinical experience, approvable ranges and projected out-of-spec rates of each attribute.

For every attribute: the per-lot values on the spec scale (convert each reportable result,
then average per lot) of the administered lots (the clinical experience range) and of the
commercial process's released and rejected lots (the projection); the projected approvable
range (the proposed limits narrowed to the clinical range, for a clinical-basis attribute);
and the commercial process's projected rate outside it. SP001–SP004, the audit JSON's
``attributes`` block and the dosing plan all read these, computed once per audit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..context import AuditContext, cached
from ..stats.projection import (FittedModel, Projection, fit_model, joint_failure_rate, no_spread, oos_rate,
                                projected_oos)
from ..stats.tolerance import nonparametric_tolerance_interval, normal_tolerance_interval
from .specs import ProposedSpec, proposed_specs, reference_method
from .timeline import commercial_process
from .values import lot_values, unconvertible_methods

PROJECTION_STATUSES = ("released", "rejected")
N_BOOT = 2000
JOINT_DRAWS = 200_000
JOINT_BOOT = 200
# SP001's min_lots is the catalog's one "[10] lots" threshold for every projection.
MIN_LOTS_RULE = "SP001"


@dataclass(frozen=True)
class AttributeCoverage:
    """One attribute's clinical experience, approvable range and projection, on one scale."""

    attribute_id: str
    name: str
    category: str
    limit_basis: str
    spec: ProposedSpec | None
    scale_method: str | None  # the spec method; without a proposed spec, the reference method
    clinical: pd.DataFrame  # lot_values rows of administered lots
    pivotal: pd.DataFrame  # lot_values rows of pivotal lots
    clinical_unconvertible: dict[str, list[str]]  # method -> administered lots with results off the scale
    projection_lots: pd.DataFrame  # lot_values rows of the commercial process's released/rejected lots
    approvable_lower: float | None
    approvable_upper: float | None
    rate: float | None  # projected rate outside the approvable range
    ci: tuple[float, float] | None
    model: FittedModel | None
    projection: Projection | None
    reason: str | None  # why the rate is not estimated
    note: str | None = None

    @property
    def clinical_basis(self) -> bool:
        return self.limit_basis == "clinical"

    @property
    def has_clinical(self) -> bool:
        return not self.clinical.empty

    @property
    def clinical_min(self) -> float | None:
        return float(self.clinical["value"].min()) if self.has_clinical else None

    @property
    def clinical_max(self) -> float | None:
        return float(self.clinical["value"].max()) if self.has_clinical else None

    @property
    def clinical_n_censored(self) -> int:
        return int(self.clinical["n_censored"].sum())

    def clinical_lots_at(self, value: float | None) -> list[str]:
        if value is None:
            return []
        return sorted(self.clinical.loc[self.clinical["value"] == value, "lot_id"])

    @property
    def n_projection_lots(self) -> int:
        return len(self.projection_lots)

    @property
    def n_censored(self) -> int:
        return int(self.projection_lots["n_censored"].sum())

    @property
    def process_sd(self) -> float | None:
        """SD (n − 1) of the commercial process's lot values on the spec scale; None under 2 lots."""
        v = self.projection_lots["value"].to_numpy(float)
        return float(np.std(v, ddof=1)) if v.size >= 2 else None

    @property
    def approvable_empty(self) -> bool:
        return (self.approvable_lower is not None and self.approvable_upper is not None
                and self.approvable_lower > self.approvable_upper)

    def coverage_fraction(self) -> float | None:
        """Share of a two-sided proposed range that the clinical range covers."""
        s = self.spec
        if s is None or not s.two_sided or not self.has_clinical or s.upper <= s.lower:
            return None
        overlap = min(self.clinical_max, s.upper) - max(self.clinical_min, s.lower)
        return max(overlap, 0.0) / (s.upper - s.lower)

    def tail_rates(self) -> dict[str, float | None]:
        """Projected rate below the approvable lower and above the approvable upper limit."""
        out: dict[str, float | None] = {"lower": None, "upper": None}
        if self.model is None or self.rate is None or self.approvable_empty:
            return out
        if self.approvable_lower is not None:
            out["lower"] = oos_rate(self.model, lower=self.approvable_lower)
        if self.approvable_upper is not None:
            out["upper"] = oos_rate(self.model, upper=self.approvable_upper)
        return out

    def proposed_rate(self) -> float | None:
        """Projected rate outside the proposed limits themselves (closed form; no interval)."""
        if self.model is None or self.spec is None or self.rate is None:
            return None
        try:
            return oos_rate(self.model, lower=self.spec.lower, upper=self.spec.upper)
        except ValueError:
            return None


def approvable_range(spec: ProposedSpec, clinical_min: float | None, clinical_max: float | None,
                     limit_basis: str) -> tuple[float | None, float | None]:
    """max(proposed lower, clinical min), min(proposed upper, clinical max), each only where the
    spec has that limit; the proposed limits themselves for a safety-basis attribute or when
    there is no clinical experience on the spec scale (then there is no approvable range)."""
    if limit_basis != "clinical":
        return spec.lower, spec.upper
    if clinical_min is None:
        return None, None
    lower = None if spec.lower is None else max(spec.lower, clinical_min)
    upper = None if spec.upper is None else min(spec.upper, clinical_max)
    return lower, upper


@cached
def _projection_lot_ids(ctx: AuditContext) -> list[str]:
    lots = ctx.dossier.lots
    keep = (lots["process_version"] == commercial_process(ctx)) & lots["status"].isin(PROJECTION_STATUSES)
    return sorted(lots.loc[keep, "lot_id"])


@cached
def _projection_flags(ctx: AuditContext) -> np.ndarray:
    return ctx.dossier.lot_flags(_projection_lot_ids(ctx))


def min_lots(ctx: AuditContext) -> int:
    return int(ctx.threshold(MIN_LOTS_RULE, "min_lots"))


def _project(ctx: AuditContext, values: np.ndarray, lower: float | None, upper: float | None,
             n_censored: int):
    """(rate, ci, model, projection, reason, note) of the lot values outside [lower, upper]."""
    n_min = max(3, min_lots(ctx))  # Shapiro-Wilk needs 3 values whatever is configured
    if lower is not None and upper is not None and lower > upper:
        # Every clinical lot lies beyond one proposed limit: no lot can be inside both.
        if values.size < n_min:
            return None, None, None, None, f"only {values.size} lots; at least {n_min} needed", None
        model = None if no_spread(values) else fit_model(values=values)
        return 1.0, (1.0, 1.0), model, None, None, (
            f"the approvable range is empty (lower {lower:g} > upper {upper:g}): every lot falls outside it")
    try:
        proj = projected_oos(values=values, lower=lower, upper=upper, n_boot=N_BOOT, seed=ctx.seed,
                             min_n=n_min, n_censored=n_censored)
    except ValueError as exc:
        return None, None, None, None, f"the projection cannot be computed: {exc}", None
    if proj.rate is None:
        return None, None, None, proj, proj.reason, None
    return proj.rate, proj.ci, proj.model, proj, None, None


@cached
def clinical_experience(ctx: AuditContext, attribute_id: str) -> AttributeCoverage:
    """An attribute's values, clinical experience and approvable range, without the projection
    (rate, ci, model and projection None; the dosing plan needs no more)."""
    d = ctx.dossier
    attr = d.attributes_by_id.loc[attribute_id]
    spec = proposed_specs(ctx).get(attribute_id)
    basis = attr["limit_basis"] or "clinical"
    scale = spec.method_id if spec else reference_method(ctx, attribute_id)
    if scale is None:
        values = pd.DataFrame({"lot_id": pd.Series(dtype=object), "value": pd.Series(dtype=float),
                               "n_censored": pd.Series(dtype="int64"), "_lot": pd.Series(dtype="int64")})
        unconv: dict[str, list[str]] = {}
    else:
        values = lot_values(ctx, attribute_id, scale)
        unconv = unconvertible_methods(ctx, attribute_id, scale, administered_only=True)
    ranks = values["_lot"].to_numpy()
    clinical = values.loc[d.administered_flags[ranks]].reset_index(drop=True)
    pivotal = values.loc[d.pivotal_flags[ranks]].reset_index(drop=True)
    proj_lots = values.loc[_projection_flags(ctx)[ranks]].reset_index(drop=True)
    lower = upper = None
    if spec is not None:
        cmin = float(clinical["value"].min()) if len(clinical) else None
        cmax = float(clinical["value"].max()) if len(clinical) else None
        lower, upper = approvable_range(spec, cmin, cmax, basis)
    return AttributeCoverage(
        attribute_id=attribute_id, name=str(attr["name"]), category=str(attr["category"]), limit_basis=basis,
        spec=spec, scale_method=scale, clinical=clinical, pivotal=pivotal, clinical_unconvertible=unconv,
        projection_lots=proj_lots, approvable_lower=lower, approvable_upper=upper, rate=None, ci=None,
        model=None, projection=None, reason="not projected",
    )


@cached
def attribute_coverage(ctx: AuditContext, attribute_id: str) -> AttributeCoverage:
    """The clinical experience with the commercial process's projected rate outside the
    approvable range (outside the proposed limits for a safety-basis attribute)."""
    c = clinical_experience(ctx, attribute_id)
    if c.spec is None:
        return replace(c, reason="no proposed commercial specification in force")
    if c.clinical_basis and not c.has_clinical:
        return replace(c, reason="no administered lot has a value on the spec scale: no approvable range")
    rate, ci, model, proj, reason, note = _project(
        ctx, c.projection_lots["value"].to_numpy(float), c.approvable_lower, c.approvable_upper, c.n_censored)
    return replace(c, rate=rate, ci=ci, model=model, projection=proj, reason=reason, note=note)


def all_coverage(ctx: AuditContext) -> list[AttributeCoverage]:
    """Every attribute's coverage, by attribute_id."""
    return [attribute_coverage(ctx, a) for a in sorted(ctx.dossier.attributes["attribute_id"])]


def all_experience(ctx: AuditContext) -> list[AttributeCoverage]:
    """Every attribute's clinical experience (no projection), by attribute_id."""
    return [clinical_experience(ctx, a) for a in sorted(ctx.dossier.attributes["attribute_id"])]


def _cross_check(c: AttributeCoverage) -> dict | None:
    p = c.projection
    if p is None or p.observed_fraction is None:
        return None
    return {"observed_outside": p.observed_outside, "observed_fraction": p.observed_fraction,
            "observed_ci": list(p.observed_ci) if p.observed_ci else None, "n": p.n}


def attribute_entry(c: AttributeCoverage) -> dict:
    """The contract's keys for one attribute, then this product's extra keys."""
    s = c.spec
    pmin = float(c.pivotal["value"].min()) if len(c.pivotal) else None
    pmax = float(c.pivotal["value"].max()) if len(c.pivotal) else None
    return {
        "spec_method": s.method_id if s else None,
        "proposed_lower": s.lower if s else None,
        "proposed_upper": s.upper if s else None,
        "clinical_min": c.clinical_min,
        "clinical_max": c.clinical_max,
        "clinical_n_lots": len(c.clinical),
        "pivotal_min": pmin,
        "pivotal_max": pmax,
        "projected_oos_rate": c.rate,
        "projected_oos_ci": list(c.ci) if c.ci else None,
        "model": c.model.model if c.model else None,
        # extra keys
        "name": c.name,
        "category": c.category,
        "limit_basis": c.limit_basis,
        "scale_method": c.scale_method,
        "approvable_lower": c.approvable_lower,
        "approvable_upper": c.approvable_upper,
        "rate_against": ("approvable range (projection)" if c.clinical_basis else "proposed limits (safety basis)")
        if s else None,
        "proposed_oos_rate": c.proposed_rate(),
        "n_projection_lots": c.n_projection_lots,
        "n_censored": c.n_censored,
        "clinical_n_censored": c.clinical_n_censored,
        "pivotal_n_lots": len(c.pivotal),
        "not_estimable_reason": c.reason,
        "note": c.note,
        "model_criterion": c.model.criterion if c.model else None,
        "process_mean": float(c.projection_lots["value"].mean()) if c.n_projection_lots else None,
        "process_sd": c.process_sd,
        "nonparametric_check": _cross_check(c),
        "coverage_fraction": c.coverage_fraction(),
        "clinical_min_lot_ids": c.clinical_lots_at(c.clinical_min),
        "clinical_max_lot_ids": c.clinical_lots_at(c.clinical_max),
        "clinical_unconvertible_methods": c.clinical_unconvertible,
        "tolerance_interval": tolerance_evidence(c),
    }


TOLERANCE_COVERAGE, TOLERANCE_CONFIDENCE = 0.99, 0.95


def tolerance_evidence(c: AttributeCoverage) -> dict | None:
    """Supporting evidence for the proposed range: where 99% of the commercial process's
    lots lie with 95% confidence (normal tolerance interval on the projection's model scale,
    exact k factors), and the confidence the observed extremes achieve without a model."""
    values = c.projection_lots["value"].to_numpy(float) if c.n_projection_lots else np.array([])
    if c.spec is None or c.model is None or len(values) < 3 or no_spread(values):
        return None
    sides = 2 if c.spec.two_sided else 1
    lognormal = c.model.model == "lognormal"
    ti = normal_tolerance_interval(values=np.log(values) if lognormal else values,
                                   coverage=TOLERANCE_COVERAGE, confidence=TOLERANCE_CONFIDENCE, sides=sides)
    lower, upper = (float(np.exp(ti.lower)), float(np.exp(ti.upper))) if lognormal else (ti.lower, ti.upper)
    if sides == 1:  # only the limit the specification has
        lower, upper = (lower, None) if c.spec.lower is not None else (None, upper)
    npar = nonparametric_tolerance_interval(n=len(values), coverage=TOLERANCE_COVERAGE, sides=sides, values=values)
    inside = (lower is None or c.spec.lower is None or lower >= c.spec.lower) and \
             (upper is None or c.spec.upper is None or upper <= c.spec.upper)
    return {
        "coverage": TOLERANCE_COVERAGE, "confidence": TOLERANCE_CONFIDENCE, "sides": sides,
        "model": c.model.model, "n": len(values), "k": ti.k, "lower": lower, "upper": upper,
        "within_proposed_limits": bool(inside),
        "method": f"normal tolerance interval on the {'log' if lognormal else 'original'} scale; {ti.method}",
        "nonparametric_confidence_of_extremes": npar.confidence,
    }


def attributes_block(ctx: AuditContext) -> dict:
    """The audit JSON's ``attributes`` block: one entry for every attribute."""
    return {c.attribute_id: attribute_entry(c) for c in all_coverage(ctx)}


# ---- several attributes together --------------------------------------------------------


@dataclass(frozen=True)
class JointCoverage:
    attribute_ids: tuple[str, ...]
    lowers: tuple[float | None, ...]
    uppers: tuple[float | None, ...]
    log_scale: tuple[bool, ...]
    rate: float | None
    ci: tuple[float, float] | None
    n_lots: int
    n_incomplete: int
    marginal_rates: tuple[float, ...] | None
    mc_se: float | None
    method: str | None
    reason: str | None

    def to_dict(self) -> dict:
        return {
            "rate": self.rate,
            "ci": list(self.ci) if self.ci else None,
            "attributes": [
                {"attribute_id": a, "approvable_lower": lo, "approvable_upper": hi, "log_scale": lg,
                 "marginal_rate": None if self.marginal_rates is None else self.marginal_rates[i]}
                for i, (a, lo, hi, lg) in enumerate(zip(self.attribute_ids, self.lowers, self.uppers, self.log_scale))
            ],
            "n_complete_lots": self.n_lots,
            "n_incomplete_lots": self.n_incomplete,
            "mc_se": self.mc_se,
            "method": self.method,
            "not_estimable_reason": self.reason,
        }


def joint_attributes(ctx: AuditContext) -> list[AttributeCoverage]:
    """Clinical-basis attributes with a proposed specification and a clinical range."""
    return [c for c in all_coverage(ctx) if c.clinical_basis and c.spec is not None and c.has_clinical]


@cached
def joint_projection(ctx: AuditContext) -> JointCoverage:
    """1 − P(a commercial lot is inside every approvable range), correlation kept (SP002)."""
    covs = joint_attributes(ctx)
    ids = tuple(c.attribute_id for c in covs)
    lowers = tuple(c.approvable_lower for c in covs)
    uppers = tuple(c.approvable_upper for c in covs)
    logs = tuple(bool(c.model is not None and c.model.model == "lognormal") for c in covs)

    def result(rate=None, ci=None, n=0, n_inc=0, marg=None, se=None, method=None, reason=None):
        return JointCoverage(ids, lowers, uppers, logs, rate, ci, n, n_inc, marg, se, method, reason)

    if not covs:
        return result(reason="no clinical-basis attribute has both a proposed specification and clinical experience")
    lot_ids = _projection_lot_ids(ctx)
    data = pd.DataFrame(index=pd.Index(lot_ids, dtype=object))
    for c in covs:
        data[c.attribute_id] = c.projection_lots.set_index("lot_id")["value"].reindex(data.index)
    data = data.dropna(how="all")
    arr = data.to_numpy(float)
    n_complete = int((~np.isnan(arr).any(axis=1)).sum()) if arr.size else 0
    n_inc = len(data) - n_complete
    n_min = min_lots(ctx)
    if n_complete < n_min:
        return result(n=n_complete, n_inc=n_inc,
                      reason=f"only {n_complete} commercial-process lots have all {len(covs)} attributes; "
                             f"at least {n_min} needed")
    if any(c.approvable_empty for c in covs):
        empty = [c.attribute_id for c in covs if c.approvable_empty]
        return result(1.0, (1.0, 1.0), n_complete, n_inc, method=f"approvable range empty for {', '.join(empty)}")
    complete = arr[~np.isnan(arr).any(axis=1)]
    flat = [c.attribute_id for c, col in zip(covs, complete.T) if no_spread(col)]
    if flat:
        # A constant column has no distribution to fit, as for the single-attribute projection.
        return result(n=n_complete, n_inc=n_inc,
                      reason=f"{', '.join(flat)} has no spread among the {n_complete} complete commercial-process "
                             "lots (every value equal): no distribution can be fitted")
    try:
        jp = joint_failure_rate(data=arr, lowers=list(lowers), uppers=list(uppers), log_scale=list(logs),
                                n_draws=JOINT_DRAWS, seed=ctx.seed, n_boot=JOINT_BOOT, min_n=max(3, n_min))
    except ValueError as exc:
        return result(n=n_complete, n_inc=n_inc, reason=f"the joint projection cannot be computed: {exc}")
    return result(jp.rate, jp.ci, jp.n, jp.n_incomplete, jp.marginal_rates, jp.mc_se, jp.method, jp.reason)


def joint_projected_failure_rate(ctx: AuditContext) -> float | None:
    """The audit JSON's ``joint_projected_failure_rate`` (None when not estimable)."""
    return joint_projection(ctx).rate


def joint_projection_details(ctx: AuditContext) -> dict:
    """The joint projection with its interval, attributes, limits and reason, for the report."""
    return joint_projection(ctx).to_dict()
