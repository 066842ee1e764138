from __future__ import annotations

import math
from typing import Iterator

import pandas as pd

from ..analysis.bridging import bridge_fits
from ..analysis.bridging_summary import LimitBias, study_bias
from ..context import AuditContext
from . import references as ref
from .base import Finding, rule
from .dates import old_method_due


def _num(v) -> float | None:
    return None if pd.isna(v) else float(v)


def _finite(ci) -> bool:
    return ci is not None and math.isfinite(ci[0]) and math.isfinite(ci[1])


def _within(ci, band: float | None) -> bool | None:
    """True when the interval lies inside ±band (ends included); None when there is no band.
    An interval that cannot be estimated (jackknife undefined) is not shown inside: False."""
    if band is None or ci is None:
        return None
    return _finite(ci) and -band <= ci[0] and ci[1] <= band


def _judge(lb: LimitBias, max_bias: float | None, max_pct: float | None) -> dict:
    within_abs = _within(lb.ci, max_bias)
    within_pct = _within(lb.ci_pct, max_pct)
    return {
        "limit": lb.limit,
        "proposed_limit": lb.spec_value,
        "old_method_value": lb.old_value,
        "bias": lb.bias,
        "bias_ci": list(lb.ci) if _finite(lb.ci) else None,
        "bias_pct": lb.bias_pct,
        "bias_pct_ci": list(lb.ci_pct) if _finite(lb.ci_pct) else None,
        "within_max_bias": within_abs,
        "within_max_bias_pct": within_pct,
        "fails": within_abs is False or within_pct is False,
    }


def _describe(j: dict, old_method: str, with_pct: bool) -> str:
    ci = (f"95% CI [{j['bias_ci'][0]:.4g}, {j['bias_ci'][1]:.4g}]" if j["bias_ci"]
          else "95% CI not estimable (jackknife undefined)")
    text = (f"at the {j['limit']} limit {j['proposed_limit']:g} ({old_method} value {j['old_method_value']:.4g}) "
            f"the bias is {j['bias']:.4g}, {ci}")
    if with_pct and j["bias_pct_ci"]:
        text += f" ({j['bias_pct']:.3g}%, CI [{j['bias_pct_ci'][0]:.3g}%, {j['bias_pct_ci'][1]:.3g}%])"
    return text


@rule(code="AM004", title="Bridging study fails its acceptance criterion at a proposed limit", family="assays",
      severity="critical")
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    For each bridging study with an acceptance criterion, the bias of the new method against
    the old (new minus old, from the Deming line) at each proposed commercial limit, with its
    95% jackknife confidence interval. The bias is taken at the old-method value that
    corresponds to the limit (the limit itself when the specification is on the old method,
    the limit converted back to the old scale otherwise). The finding fires when, at some
    limit, the interval is not entirely within ± `acceptance_max_bias` (attribute units) or
    ± `acceptance_max_bias_pct` (percent of that old-method value); with both given, leaving
    either band fails; an interval that cannot be estimated (a leave-one-out subset with no
    covariance, so no jackknife) is not shown within and fails. Not evaluated without a
    Deming fit (fewer than 3 pairs), without a proposed specification in force, or when the
    study's methods have no bridging path to the spec method. One finding per bridging
    study, naming the failing limits. The criterion is judged even when it was approved
    late (AM005 reports that).

    Why it matters
    --------------
    The study's own pre-specified criterion says how much bias at the specification limits
    is acceptable; failing it means lots released on the new method are not judged as the
    clinical lots were on the old one, so the proposed specification cannot be carried over
    unchanged (CLSI EP09; ICH Q14; ICH Q2(R2)).

    How to fix
    ----------
    Investigate the bias: adjust the proposed specification on the new method for the
    estimated bias (with a justification), improve the new method, or, when the interval is
    wide rather than the bias large, repeat the comparison with more samples near the limits.

    References
    ----------
    - CLSI EP09 (bias with its 95% CI at decision levels, against an allowable bias stated
      in advance; for a CGT bridge the decision levels are the specification limits).
    - ICH Q14, Analytical Procedure Development (assessment of the effect on the specification).
    - ICH Q2(R2), Validation of Analytical Procedures.
    """
    studies = ctx.dossier.bridging_studies.set_index("bridging_study_id", drop=False)
    for sid, bf in sorted(bridge_fits(ctx).items()):
        max_bias = _num(studies.at[sid, "acceptance_max_bias"])
        max_pct = _num(studies.at[sid, "acceptance_max_bias_pct"])
        if max_bias is None and max_pct is None:
            continue
        sb = study_bias(ctx, sid)
        if not sb.evaluated:
            continue
        judged = [_judge(sb.limits[name], max_bias, max_pct) for name in ("lower", "upper") if name in sb.limits]
        failing = [j for j in judged if j["fails"]]
        if not failing:
            continue
        fit = bf.fit
        criteria = " and ".join(([f"±{max_bias:g}"] if max_bias is not None else [])
                                + ([f"±{max_pct:g}%"] if max_pct is not None else []))
        detail = "; ".join(_describe(j, bf.old_method, max_pct is not None) for j in failing)
        yield Finding(
            code="AM004",
            severity="critical",
            title=f"Bridging study {sid} ({bf.old_method} → {bf.new_method}) fails its bias criterion at the "
                  + " and ".join(j["limit"] for j in failing) + " proposed limit" + ("s" if len(failing) > 1 else ""),
            subjects={"bridging_study_id": sid, "attribute_id": bf.attribute_id, "method_id": bf.new_method},
            evidence={
                "old_method": bf.old_method,
                "new_method": bf.new_method,
                "n_pairs": bf.n_pairs,
                "slope": fit.slope,
                "slope_ci": list(fit.slope_ci) if _finite(fit.slope_ci) else None,
                "intercept": fit.intercept,
                "intercept_ci": list(fit.intercept_ci) if _finite(fit.intercept_ci) else None,
                "error_ratio": bf.error_ratio,
                "spec_method": sb.spec.method_id,
                "acceptance_max_bias": max_bias,
                "acceptance_max_bias_pct": max_pct,
                "failing_limits": [j["limit"] for j in failing],
                "limits": judged,
            },
            why=(f"Bridging study {sid} fails its criterion ({criteria}): {detail}. Lots released on "
                 f"{bf.new_method} would not be judged as the clinical lots were on {bf.old_method}, so the "
                 "specification cannot be carried over unchanged (CLSI EP09; ICH Q14)."),
            references=(ref.CLSI_EP09, ref.ICH_Q14, ref.ICH_Q2R2),
            action=(f"Investigate the bias of {bf.new_method} against {bf.old_method} at the "
                    + " and ".join(j["limit"] for j in failing)
                    + f" limit of {bf.attribute_id}: justify an adjusted proposed specification on "
                    f"{sb.spec.method_id} that accounts for it, correct {bf.new_method}, or, if the interval is "
                    f"wide rather than the bias large, extend {sid} with paired samples near the limits."),
            due_date=old_method_due(ctx, bf.old_method),
        )
