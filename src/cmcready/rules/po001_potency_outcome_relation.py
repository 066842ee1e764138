from __future__ import annotations

from typing import Iterator

import pandas as pd

from ..analysis.specs import reference_method, spec_method
from ..analysis.values import lot_values
from ..context import AuditContext
from ..stats.logistic import MIN_OBSERVATIONS, logistic_slope
from . import references as ref
from .base import Finding, Threshold, rule

CI_LEVEL = 0.95


def responder_endpoints(ctx: AuditContext) -> list[str]:
    """Endpoints of the outcomes table with at least one responder value, sorted."""
    o = ctx.dossier.outcomes
    return sorted(set(o.loc[o["responder"].notna(), "endpoint"]))


def patient_potency(ctx: AuditContext, attribute_id: str, scale_method: str | None) -> pd.DataFrame:
    """Per patient: the mean of the scale values of the distinct lots they received (columns
    patient_id, potency, n_lots, n_censored); patients with no lot value are left out."""
    a = ctx.dossier.administrations[["patient_id", "lot_id"]].drop_duplicates()
    if scale_method is None:
        return pd.DataFrame({"patient_id": pd.Series(dtype=object), "potency": pd.Series(dtype=float),
                             "n_lots": pd.Series(dtype="int64"), "n_censored": pd.Series(dtype="int64")})
    v = lot_values(ctx, attribute_id, scale_method)[["lot_id", "value", "n_censored"]]
    j = a.merge(v, on="lot_id", how="inner")
    g = j.groupby("patient_id", sort=True)
    out = pd.DataFrame({"potency": g["value"].mean(), "n_lots": g.size(),
                        "n_censored": g["n_censored"].sum()}).reset_index()
    return out


def _fmt(v: float | None, spec: str = ".3g") -> str:
    return "n/a" if v is None else format(v, spec)


@rule(code="PO001", title="No relation shown between potency and clinical response", family="potency",
      severity="minor",
      thresholds=[Threshold("alpha", 0.05, "significance level of the two-sided Wald test of the logistic slope",
                            "fraction")])
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    When `outcomes` are given: for each `potency` attribute and each endpoint with
    `responder` values, a logistic regression of response on the patient's potency (the
    mean of the spec-scale values of the lots the patient received; the reference
    method's scale when the attribute has no proposed specification). It fires when the
    two-sided Wald p of the slope is ≥ `alpha`, or the slope cannot be estimated (fewer
    than 10 patients with a potency value, a single outcome class, complete or
    quasi-complete separation), saying why; and once when no potency attribute exists.
    One finding per potency attribute and endpoint, with the slope, its 95% Wald
    interval and p. Not evaluated without outcomes.

    Why it matters
    --------------
    The potency assay is meant to measure the biological activity behind the clinical
    effect (21 CFR 600.3(s), 610.10), and FDA's 2023 draft guidance on potency assurance
    expects the potency assurance strategy to be built up through development. When the
    clinical data show no relation between lot potency and response, the assay's clinical
    relevance must rest on other evidence. This is a statistical screen, not a guidance
    requirement: no relation may also mean that the lots spanned too narrow a range.

    How to fix
    ----------
    Build the case for the assay's clinical relevance: mechanism-of-action data, an
    orthogonal or matrix potency approach, and an analysis of potency against outcome
    with more patients or across a wider potency range. Record potency for every
    administered lot, and the responder outcome for every patient.

    References
    ----------
    - FDA draft guidance, Potency Assurance for Cellular and Gene Therapy Products (Dec 2023).
    - 21 CFR 600.3(s) (definition of potency), 21 CFR 610.10 (potency tests).
    """
    d = ctx.dossier
    o = d.outcomes
    if o.empty:
        return
    endpoints = responder_endpoints(ctx)
    attrs = d.attributes.loc[d.attributes["category"] == "potency"].sort_values("attribute_id")
    alpha = float(ctx.threshold("PO001", "alpha"))
    refs = (ref.FDA_POTENCY_ASSURANCE, ref.CFR_POTENCY)
    if attrs.empty:
        yield Finding(
            code="PO001",
            severity="minor",
            title="No potency attribute: potency cannot be related to clinical response",
            subjects={},
            evidence={"n_potency_attributes": 0, "endpoints": sorted(set(o["endpoint"])),
                      "responder_endpoints": endpoints, "n_patients_with_outcomes": int(o["patient_id"].nunique()),
                      "alpha": alpha},
            why=("Outcomes are recorded but the dossier has no attribute of category potency, so nothing shows that "
                 "the product's potency relates to clinical response (FDA 2023 draft potency assurance guidance; "
                 "21 CFR 610.10)."),
            references=refs,
            action=("Record the potency attribute (category potency), its release method and the potency results of "
                    "the administered lots, then relate them to the responder endpoints"
                    f"{' ' + ', '.join(endpoints) if endpoints else ''}."),
            due_date=None,
        )
        return
    for rec in attrs.to_dict("records"):
        aid, name = rec["attribute_id"], rec["name"]
        scale = reference_method(ctx, aid)
        on_spec = spec_method(ctx, aid) is not None
        potency = patient_potency(ctx, aid, scale)
        for endpoint in endpoints:
            yield from _test(ctx, aid, name, scale, on_spec, potency, endpoint, alpha, refs)


def _test(ctx, aid, name, scale, on_spec, potency, endpoint, alpha, refs) -> Iterator[Finding]:
    o = ctx.dossier.outcomes
    resp = o.loc[(o["endpoint"] == endpoint) & o["responder"].notna(), ["patient_id", "responder"]]
    data = resp.merge(potency, on="patient_id", how="inner").sort_values("patient_id")
    x = data["potency"].to_numpy(float)
    y = data["responder"].astype(bool).to_numpy()
    fit = logistic_slope(x=x, responder=y, alpha=1 - CI_LEVEL)
    if fit.p_value is not None and fit.p_value < alpha:
        return
    n, n_resp = len(data), int(y.sum())
    n_missing = int(len(resp) - n)
    evidence = {
        "endpoint": endpoint,
        "scale_method": scale,
        "scale": "spec method" if on_spec else "reference method (no proposed specification)",
        "n_patients": n,
        "n_responders": n_resp,
        "n_patients_without_potency_value": n_missing,
        "n_censored_results": int(data["n_censored"].sum()),
        "potency_min": float(x.min()) if n else None,
        "potency_max": float(x.max()) if n else None,
        "slope": fit.slope,
        "slope_ci": list(fit.ci) if fit.ci else None,
        "ci_level": CI_LEVEL,
        "p_value": fit.p_value,
        "alpha": alpha,
        "intercept": fit.intercept,
        "se": fit.se,
        "min_patients": MIN_OBSERVATIONS,
        "reason": fit.reason,
        "method": "logistic regression of responder on patient potency, two-sided Wald test",
    }
    on = f"({scale} scale)" if scale else "(no method)"
    if fit.p_value is None:
        title = f"Relation of {name} to {endpoint} cannot be estimated: {fit.reason}"
        why = (f"With {n} patients ({n_resp} responders) the logistic slope of {endpoint} on {name} {on} cannot be "
               f"estimated ({fit.reason}), so the clinical data do not show that potency relates to response "
               "(FDA 2023 draft potency assurance guidance; a statistical screen, not a guidance requirement).")
        cause = "collect the responder outcome for more patients"
        if fit.reason and "separation" in fit.reason:
            cause = ("report the separation as it is (responders and non-responders split by potency) and confirm it "
                     "with more patients")
    else:
        lo, hi = fit.ci
        title = f"No relation shown between {name} and {endpoint} (p = {fit.p_value:.3g})"
        why = (f"Across {n} patients the logistic slope of {endpoint} on {name} {on} is {_fmt(fit.slope)} per unit "
               f"(95% CI {_fmt(lo)} to {_fmt(hi)}, p = {fit.p_value:.3g} ≥ {alpha:g}), so the clinical data do not "
               "show that potency relates to response (FDA 2023 draft potency assurance guidance; a statistical "
               "screen, not a guidance requirement).")
        cause = "analyse it again with more patients or across a wider potency range"
    yield Finding(
        code="PO001",
        severity="minor",
        title=title,
        subjects={"attribute_id": aid},
        evidence=evidence,
        why=why,
        references=refs,
        action=(f"Support the clinical relevance of {name} ({aid}) for {endpoint}: {cause}, and document the "
                "mechanism-of-action evidence behind the potency assay in the potency assurance strategy."),
        due_date=None,
    )
