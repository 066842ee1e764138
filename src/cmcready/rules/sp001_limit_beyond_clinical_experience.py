from __future__ import annotations

from typing import Iterator

from ..analysis.coverage import AttributeCoverage, all_coverage, min_lots
from ..analysis.timeline import commercial_process
from ..context import AuditContext
from . import references as ref
from .base import Finding, Threshold, rule
from .dates import submission_due

CODE = "SP001"


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def _pct(x: float | None) -> str:
    return "not estimable" if x is None else f"{100 * x:.2f}%"


def limits_beyond(c: AttributeCoverage, *, max_excess: float, one_sided_sd: float) -> list[dict]:
    """The proposed limits lying beyond the clinical range by more than the allowance."""
    s = c.spec
    out = []
    for side, proposed, extreme, approvable in (("lower", s.lower, c.clinical_min, c.approvable_lower),
                                                 ("upper", s.upper, c.clinical_max, c.approvable_upper)):
        if proposed is None:
            continue
        excess = extreme - proposed if side == "lower" else proposed - extreme
        if s.two_sided:
            allowed, basis = max_excess * (s.upper - s.lower), "fraction of the proposed width"
        else:
            if c.process_sd is None:  # fewer than 2 commercial lots: the one-sided clause is not evaluated
                continue
            allowed, basis = one_sided_sd * c.process_sd, "commercial-process standard deviations"
        # "More than" the allowance: an excess equal to it in decimal (0.6 - 0.5 against
        # 0.1 x 1.0) must not fire on the rounding of binary floating point.
        if excess > allowed + 1e-9 * max(abs(proposed), abs(extreme), abs(allowed)):
            out.append({"limit": side, "proposed": proposed, "clinical_extreme": extreme,
                        "projected_approvable_limit": approvable, "excess": excess,
                        "allowed_excess": allowed, "allowance_basis": basis})
    return out


def severity_for(rate: float | None, *, critical_rate: float, major_rate: float) -> str:
    if rate is None:
        return "major"
    if rate >= critical_rate:
        return "critical"
    return "major" if rate >= major_rate else "minor"


@rule(code=CODE, title="Proposed limit beyond the clinical experience range", family="specifications",
      severity="critical when the projected OOS rate against the projected approvable range is ≥ critical_rate; "
               "major when ≥ major_rate or not estimable; minor otherwise",
      thresholds=[
          Threshold("max_excess", 0.10, "Largest distance of a two-sided proposed limit beyond the clinical "
                    "range, as a fraction of the proposed range's width", "fraction"),
          Threshold("one_sided_sd", 1.0, "Largest distance of a one-sided proposed limit beyond the clinical "
                    "range, in standard deviations of the commercial process", "float"),
          Threshold("critical_rate", 0.05, "Projected out-of-spec rate at or above which the finding is critical",
                    "fraction"),
          Threshold("major_rate", 0.01, "Projected out-of-spec rate at or above which the finding is major",
                    "fraction"),
          Threshold("min_lots", 10, "Fewest commercial-process lots for a projected out-of-spec rate "
                    "(also used by SP002 and the attributes block)", "int"),
      ])
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    For each attribute whose `limit_basis` is `clinical` and that has a proposed commercial
    specification in force, the proposed limits are compared with the clinical experience
    range: the minimum and maximum, on the spec method's scale, of the administered lots'
    values (a lot's value is the mean of its reportable results, each converted to the spec
    scale first). A limit of a two-sided specification fires when it lies beyond the
    clinical range by more than `max_excess` of the proposed range's width; a one-sided
    limit, by more than `one_sided_sd` standard deviations of the commercial process's lots
    (not evaluated with fewer than 2 such lots). One finding per attribute names the limits
    concerned, the projected approvable limits (the clinical minimum or maximum), and the
    commercial process's projected out-of-spec rate against the projected approvable range:
    a normal or log-normal model (Shapiro–Wilk choice) fitted to the commercial process's
    released and rejected lots, with a 95% seeded parametric bootstrap interval; with fewer
    than `min_lots` lots the rate is reported as not estimable. Severity follows the rate:
    critical at `critical_rate` or more, major at `major_rate` or more or when not
    estimable, minor otherwise. Attributes with no administered value on the spec scale are
    left to AM001 and SP004.

    Why it matters
    --------------
    Acceptance criteria are justified from the lots used in clinical studies (ICH Q6B §4).
    Experienced practitioners observe that reviewers approve the range the clinical lots
    actually covered, not the range written in the proposal; the approvable range here is
    that projection, not a sentence of guidance. If the limit is narrowed to the clinical
    range, the commercial process must meet the narrower range, and every lot beyond it is
    a lot that cannot be released.

    How to fix
    ----------
    Before the BLA, either extend the clinical experience toward the proposed limits by
    dosing available lots whose values lie near them (`cmcready plan` lists them), or
    propose the limits the clinical data support and show, with process capability data,
    that the commercial process meets them. For potency, tie the range to the potency
    assurance strategy.

    References
    ----------
    - ICH Q6B §4 (acceptance criteria justified from clinical and consistency lots).
    - FDA draft guidance, Potency Assurance for Cellular and Gene Therapy Products (Dec 2023), for potency attributes.
    - Practitioners' observation that regulators approve the range clinical lots covered (a projection, not guidance).
    """
    max_excess = ctx.threshold(CODE, "max_excess")
    one_sided_sd = ctx.threshold(CODE, "one_sided_sd")
    critical_rate = ctx.threshold(CODE, "critical_rate")
    major_rate = ctx.threshold(CODE, "major_rate")
    for c in all_coverage(ctx):
        if not c.clinical_basis or c.spec is None or not c.has_clinical:
            continue
        beyond = limits_beyond(c, max_excess=max_excess, one_sided_sd=one_sided_sd)
        if not beyond:
            continue
        yield _finding(ctx, c, beyond, severity_for(c.rate, critical_rate=critical_rate, major_rate=major_rate),
                       max_excess=max_excess, one_sided_sd=one_sided_sd, critical_rate=critical_rate,
                       major_rate=major_rate)


def _finding(ctx: AuditContext, c: AttributeCoverage, beyond: list[dict], severity: str, **thresholds) -> Finding:
    s = c.spec
    sides = [b["limit"] for b in beyond]
    tails = c.tail_rates()
    for b in beyond:
        b["projected_rate_beyond_approvable_limit"] = tails[b["limit"]]
    named = " and ".join(f"{b['limit']} limit {_fmt(b['proposed'])}" for b in beyond)
    approvable = ", ".join(f"{b['limit']} {_fmt(b['projected_approvable_limit'])}" for b in beyond)
    cp = commercial_process(ctx)
    if c.rate is None:
        rate_text = (f"the commercial process's out-of-spec rate against it is not estimable ({c.reason})")
    else:
        # No model when every lot lies beyond an empty approvable range with one value.
        model = f"{c.model.model} model, " if c.model is not None else ""
        rate_text = (f"the commercial process ({cp}) would be projected to fail {_pct(c.rate)} of lots "
                     f"(95% interval {_pct(c.ci[0])}–{_pct(c.ci[1])}, {model}{c.n_projection_lots} lots)")
    refs = (ref.ICH_Q6B,) + ((ref.FDA_POTENCY_ASSURANCE,) if c.category == "potency" else ()) \
        + (ref.APPROVABLE_RANGE_PRACTICE,)
    return Finding(
        code=CODE,
        severity=severity,
        title=f"Proposed {' and '.join(sides)} limit{'s' if len(sides) > 1 else ''} of {c.name} beyond "
              "the clinical experience range",
        subjects={"attribute_id": c.attribute_id, "method_id": s.method_id},
        evidence={
            "spec_method": s.method_id,
            "proposed_lower": s.lower,
            "proposed_upper": s.upper,
            "proposed_width": (s.upper - s.lower) if s.two_sided else None,
            "clinical_min": c.clinical_min,
            "clinical_max": c.clinical_max,
            "clinical_n_lots": len(c.clinical),
            "clinical_n_censored": c.clinical_n_censored,
            "clinical_min_lot_ids": c.clinical_lots_at(c.clinical_min),
            "clinical_max_lot_ids": c.clinical_lots_at(c.clinical_max),
            "limits": beyond,
            "approvable_lower": c.approvable_lower,
            "approvable_upper": c.approvable_upper,
            "commercial_process": cp,
            "projected_oos_rate": c.rate,
            "projected_oos_ci": list(c.ci) if c.ci else None,
            "model": c.model.model if c.model else None,
            "n_projection_lots": c.n_projection_lots,
            "n_censored": c.n_censored,
            "process_sd": c.process_sd,
            "not_estimable_reason": c.reason,
            "note": c.note,
            **thresholds,
            "min_lots": min_lots(ctx),
        },
        why=(f"Acceptance criteria must be justified from the clinical lots (ICH Q6B §4); the clinic never "
             f"approached the proposed {named} of {c.name}, so the range a reviewer would approve is projected "
             f"to narrow to the clinical experience ({approvable}), and {rate_text}."),
        references=refs,
        action=(f"Before the BLA, extend clinical experience of {c.attribute_id} toward the proposed {named} "
                f"(on {s.method_id}) by dosing available lots near {'them' if len(sides) > 1 else 'it'} "
                f"(see `cmcready plan`), or propose the limits the clinical lots support ({approvable}) and "
                f"show the commercial process {cp} meets them."),
        due_date=submission_due(ctx),
    )
