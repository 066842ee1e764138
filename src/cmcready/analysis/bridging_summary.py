"""Bias of each bridging study at the proposed commercial limits, and the audit JSON's ``bridging`` block.

Bias at a limit (audit-rules.md, "Bias at a limit"): new minus old, from the study's
Deming line, at the old-method value X that corresponds to the limit: the limit itself
when the proposed specification is on the old method, the limit inverted through the
study's own line when it is on the new method, and otherwise the limit converted to the
old method's scale along the audit's bridging path. The CI is the jackknife CI of
b0 + (b1 − 1)·X; the percentage is relative to X. AM004 and the JSON block share it.
When the bias is not evaluated (no fit, no proposed specification in force, or no path to
the spec method) ``bias_at_limits`` is null as a whole; with a one-sided specification
only the missing limit is null.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..context import AuditContext, cached
from .bridging import BridgeFit, bridge_fits, convert
from .specs import ProposedSpec, proposed_specs

LIMITS = ("lower", "upper")


@dataclass(frozen=True)
class LimitBias:
    """The bias of one study at one proposed limit."""

    limit: str  # "lower" or "upper"
    spec_value: float  # the proposed limit, on the spec method's scale
    old_value: float  # X: the old-method value corresponding to the limit
    bias: float
    ci: tuple[float, float]
    bias_pct: float | None  # None when X is 0
    ci_pct: tuple[float, float] | None


@dataclass(frozen=True)
class StudyBias:
    """A study's bias at each limit of the proposed specification; ``reason`` when not evaluated."""

    fit: BridgeFit
    spec: ProposedSpec | None
    limits: dict[str, LimitBias] = field(default_factory=dict)
    reason: str | None = None

    @property
    def evaluated(self) -> bool:
        return self.reason is None


def _pct(value: float, level: float) -> float | None:
    return None if level == 0 else 100.0 * value / level


def _old_value(ctx: AuditContext, fit: BridgeFit, spec: ProposedSpec, limit: float) -> float | None:
    if spec.method_id == fit.old_method:
        return float(limit)
    if spec.method_id == fit.new_method:
        return float(fit.fit.inverse(limit))
    converted = convert(ctx, [limit], spec.method_id, fit.old_method)
    return None if converted is None else float(converted[0])


@cached
def study_bias(ctx: AuditContext, study_id: str) -> StudyBias:
    """Bias at the proposed limits of one bridging study (None-valued when not evaluable)."""
    fit = bridge_fits(ctx)[study_id]
    spec = proposed_specs(ctx).get(fit.attribute_id)
    if fit.fit is None:
        return StudyBias(fit, spec, reason=f"no Deming fit ({fit.reason})")
    if spec is None:
        return StudyBias(fit, spec, reason=f"no proposed commercial specification of {fit.attribute_id} is in "
                                           f"force on {ctx.as_of.isoformat()}")
    limits = {}
    for name in LIMITS:
        value = getattr(spec, name)
        if value is None:
            continue
        x = _old_value(ctx, fit, spec, value)
        if x is None:
            return StudyBias(fit, spec, reason=f"no bridging path between {fit.old_method} and the spec method "
                                               f"{spec.method_id}")
        est = fit.fit.bias_at(x)
        ci = (float(est.ci[0]), float(est.ci[1]))
        ci_pct = None if x == 0 else tuple(sorted((_pct(ci[0], x), _pct(ci[1], x))))
        limits[name] = LimitBias(name, float(value), x, float(est.bias), ci, _pct(float(est.bias), x), ci_pct)
    return StudyBias(fit, spec, limits)


def _by_limit(sb: StudyBias, attr: str) -> dict | None:
    """Per limit; None as a whole when the bias is not evaluated (audit-rules.md: "bias_at_limits null")."""
    if not sb.evaluated:
        return None
    return {name: (getattr(sb.limits[name], attr) if name in sb.limits else None) for name in LIMITS}


def _interval(ci) -> list[float] | None:
    """An interval as a list; None when absent or not finite (a jackknife that cannot be computed)."""
    if ci is None or not (math.isfinite(ci[0]) and math.isfinite(ci[1])):
        return None
    return [float(ci[0]), float(ci[1])]


def _intervals(by_limit: dict | None) -> dict | None:
    return None if by_limit is None else {n: _interval(v) for n, v in by_limit.items()}


def study_summary(ctx: AuditContext, study_id: str) -> dict:
    """One study's entry of the ``bridging`` block."""
    sb = study_bias(ctx, study_id)
    bf, f = sb.fit, sb.fit.fit
    pairs = bf.pairs
    return {
        "attribute_id": bf.attribute_id,
        "old_method": bf.old_method,
        "new_method": bf.new_method,
        "error_ratio": bf.error_ratio,
        "n_pairs": bf.n_pairs,
        "slope": f.slope if f else None,
        "slope_ci": _interval(f.slope_ci) if f else None,
        "intercept": f.intercept if f else None,
        "intercept_ci": _interval(f.intercept_ci) if f else None,
        "fit_note": bf.reason or bf.caveat,
        "old_range": [float(pairs["old"].min()), float(pairs["old"].max())] if len(pairs) else None,
        "first_paired_test_date": pairs["first_date"].min() if len(pairs) else None,
        "last_paired_test_date": pairs["last_date"].max() if len(pairs) else None,
        "spec_method": sb.spec.method_id if sb.spec else None,
        "proposed_limits": {n: (getattr(sb.spec, n) if sb.spec else None) for n in LIMITS},
        "old_value_at_limits": _by_limit(sb, "old_value"),
        "bias_at_limits": _by_limit(sb, "bias"),
        "bias_ci_at_limits": _intervals(_by_limit(sb, "ci")),
        "bias_pct_at_limits": _by_limit(sb, "bias_pct"),
        "bias_pct_ci_at_limits": _intervals(_by_limit(sb, "ci_pct")),
        "bias_note": sb.reason,
    }


def bridging_block(ctx: AuditContext) -> dict:
    """Every bridging study, by id: pairs, Deming fit with jackknife CIs, bias at the proposed limits."""
    return {sid: study_summary(ctx, sid) for sid in sorted(bridge_fits(ctx))}
