from __future__ import annotations

from typing import Iterator

from ..analysis.coverage import all_experience
from ..context import AuditContext
from . import references as ref
from .base import Finding, rule
from .dates import submission_due

CODE = "SP004"


@rule(code=CODE, title="Clinical values that cannot be put on the spec scale", family="specifications",
      severity="critical")
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    For each `clinical`-basis attribute with a proposed commercial specification in force,
    whether administered lots have reportable results measured with a method that has no
    bridging path to the spec method (a chain of bridging studies with at least 3 paired
    samples each). One finding per attribute and unbridged method, naming the lots. Those
    values are left out of the clinical experience range, so the coverage of the proposed
    specification cannot be judged from them. AM001 reports the same gap as an assay issue;
    this rule reports its consequence for the specification.

    Why it matters
    --------------
    Acceptance criteria are justified from the lots used in clinical studies (ICH Q6B §4).
    Clinical values on a scale the commercial method cannot be tied to do not justify the
    proposed limits at all: the clinical experience supporting the specification is then
    smaller than the clinical record, or missing.

    How to fix
    ----------
    Bridge the unbridged method to the spec method: measure retained samples of the affected
    lots (or representative samples spanning their range) with both methods under a protocol
    with acceptance criteria fixed in advance, then re-run the audit. Without retained
    material, justify the specification from the lots measured with the spec method only.

    References
    ----------
    - ICH Q6B §4 (acceptance criteria justified from clinical and consistency lots).
    - ICH Q14 (a replaced procedure calls for a bridging study on the same representative samples).
    - FDA draft guidance, Potency Assurance for Cellular and Gene Therapy Products (Dec 2023), for potency attributes.
    """
    for c in all_experience(ctx):
        if not c.clinical_basis or c.spec is None:
            continue
        for method, lots in sorted(c.clinical_unconvertible.items()):
            yield _finding(ctx, c, method, lots)


def _finding(ctx: AuditContext, c, method: str, lots: list[str]) -> Finding:
    s = c.spec
    refs = (ref.ICH_Q6B, ref.ICH_Q14) + ((ref.FDA_POTENCY_ASSURANCE,) if c.category == "potency" else ())
    r = ctx.dossier.results_of(attribute_id=c.attribute_id)
    n_results = int(((r["method_id"] == method) & r["lot_id"].isin(lots)).sum())
    lot_text = ", ".join(lots)
    return Finding(
        code=CODE,
        severity="critical",
        title=f"Clinical {c.name} values on {method} cannot be put on the spec method {s.method_id}'s scale",
        subjects={"attribute_id": c.attribute_id, "method_id": method, "lot_ids": lots},
        evidence={
            "unbridged_method": method,
            "spec_method": s.method_id,
            "n_lots": len(lots),
            "n_results": n_results,
            "clinical_n_lots": len(c.clinical),
            "clinical_min": c.clinical_min,
            "clinical_max": c.clinical_max,
            "proposed_lower": s.lower,
            "proposed_upper": s.upper,
        },
        why=(f"{len(lots)} administered lot{'s' if len(lots) > 1 else ''} of {c.name} were measured with "
             f"{method}, which no bridging study ties to the spec method {s.method_id}; the proposed "
             "specification must be justified from the clinical lots (ICH Q6B §4), and these lots cannot "
             "support it."),
        references=refs,
        action=(f"Bridge {method} to {s.method_id} for {c.attribute_id} with a pre-specified bridging study on "
                f"retained samples of {lot_text} (or samples spanning their range), then re-run the audit."),
        due_date=submission_due(ctx),
    )
