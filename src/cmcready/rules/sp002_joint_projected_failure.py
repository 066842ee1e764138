from __future__ import annotations

from typing import Iterator

from ..analysis.coverage import attribute_coverage, joint_projection, min_lots
from ..analysis.timeline import commercial_process
from ..context import AuditContext
from . import references as ref
from .base import Finding, Threshold, rule
from .dates import submission_due

CODE = "SP002"


def _which(covs) -> str:
    if len(covs) == 1:
        return f"{covs[0].name} ({covs[0].attribute_id})"
    return f"at least one of {len(covs)} attributes ({', '.join(c.attribute_id for c in covs)})"


@rule(code=CODE, title="Commercial process projected to fail the approvable ranges", family="specifications",
      severity="critical when the joint projected failure rate is ≥ critical_rate; major otherwise",
      thresholds=[
          Threshold("min_rate", 0.05, "Joint projected failure rate at or above which the rule fires", "fraction"),
          Threshold("critical_rate", 0.10, "Joint projected failure rate at or above which the finding is critical",
                    "fraction"),
      ])
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    The probability that a commercial lot fails at least one `clinical`-basis attribute
    against the projected approvable ranges (the proposed limits narrowed to the clinical
    experience range), over every clinical-basis attribute with a proposed specification
    and clinical experience. A multivariate normal (on the log scale for attributes whose
    own projection is log-normal) is fitted to the commercial process's released and
    rejected lots that have a value for all of them, keeping their correlation; the rate is
    1 − P(all inside), by a seeded Monte Carlo of 200,000 draws, with a 95% parametric
    bootstrap interval. Fires at `min_rate` or more; critical at `critical_rate` or more.
    With fewer complete lots than SP001's `min_lots` the rate is not estimable and no
    finding is raised (the attributes block and the report say why).

    Why it matters
    --------------
    Each attribute may look acceptable alone while together they fail a commercial lot too
    often. If the approved ranges narrow to the clinical experience (a practitioners'
    projection, not guidance text), every such failure is a lot that cannot be released
    and a patient who cannot be treated on time. Acceptance criteria are justified from
    clinical and consistency lots (ICH Q6B §4).

    How to fix
    ----------
    Extend the clinical experience toward the proposed limits of the attributes that
    contribute most (`cmcready plan` lists lots to dose), tighten process control of
    those attributes, or justify the proposed limits with clinical data before the BLA.

    References
    ----------
    - ICH Q6B §4 (acceptance criteria justified from clinical and consistency lots).
    - FDA draft guidance, Potency Assurance for Cellular and Gene Therapy Products (Dec 2023), with a potency attribute.
    - Practitioners' observation that regulators approve the range clinical lots covered (a projection, not guidance).
    """
    jp = joint_projection(ctx)
    min_rate = ctx.threshold(CODE, "min_rate")
    critical_rate = ctx.threshold(CODE, "critical_rate")
    if jp.rate is None or jp.rate < min_rate:
        return
    severity = "critical" if jp.rate >= critical_rate else "major"
    covs = [attribute_coverage(ctx, a) for a in jp.attribute_ids]
    marg = jp.marginal_rates or (None,) * len(covs)
    contributors = sorted(zip(covs, marg), key=lambda cm: (-(cm[1] or 0.0), cm[0].attribute_id))
    top = [c.attribute_id for c, m in contributors if m is not None and m > 0][:3] or list(jp.attribute_ids)
    cp = commercial_process(ctx)
    ci_text = f" (95% interval {100 * jp.ci[0]:.1f}–{100 * jp.ci[1]:.1f}%)" if jp.ci else ""
    details = jp.to_dict()
    refs = (ref.ICH_Q6B,) + ((ref.FDA_POTENCY_ASSURANCE,) if any(c.category == "potency" for c in covs) else ()) \
        + (ref.APPROVABLE_RANGE_PRACTICE,)
    yield Finding(
        code=CODE,
        severity=severity,
        title=f"Commercial process {cp} projected to fail {100 * jp.rate:.1f}% of lots against the approvable ranges",
        subjects={},
        evidence={
            "joint_projected_failure_rate": jp.rate,
            "ci": details["ci"],
            "commercial_process": cp,
            "attributes": details["attributes"],
            "n_complete_lots": jp.n_lots,
            "n_incomplete_lots": jp.n_incomplete,
            "mc_se": jp.mc_se,
            "method": jp.method,
            "min_rate": min_rate,
            "critical_rate": critical_rate,
            "min_lots": min_lots(ctx),
        },
        why=(f"Against the ranges the clinical lots support (a projection from practice, not guidance text), "
             f"the commercial process {cp} is projected to fail {_which(covs)} in "
             f"{100 * jp.rate:.1f}% of lots{ci_text}; acceptance criteria must be justified from clinical and "
             "consistency lots (ICH Q6B §4), and each failure is a lot that cannot be released."),
        references=refs,
        action=(f"Before the BLA, extend clinical experience toward the proposed limits of {', '.join(top)} "
                f"(see `cmcready plan`) or tighten process {cp}'s control of them, and re-run the projection."),
        due_date=submission_due(ctx),
    )
