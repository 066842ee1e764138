from __future__ import annotations

from typing import Iterator

from ..analysis.specs import proposed_specs
from ..context import AuditContext
from . import references as ref
from .base import Finding, rule
from .dates import submission_due


@rule(code="SP005", title="CQA without a proposed commercial specification", family="specifications",
      severity="minor")
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    Every attribute flagged as a CQA (`cqa = true`) has a `proposed_commercial`
    specification in force on the as-of date. One finding per CQA without one.

    Why it matters
    --------------
    The BLA must propose an acceptance criterion for each critical quality attribute,
    justified from the lots used in clinical studies (ICH Q6B §4). Without a proposed
    specification the audit cannot judge whether the clinical experience supports it.

    How to fix
    ----------
    Draft the proposed commercial specification (limits and the method they are on)
    from the clinical lots' data, or record why the attribute is not a CQA.

    References
    ----------
    - ICH Q6B §4 (acceptance criteria justified from clinical and consistency lots).
    """
    specs = proposed_specs(ctx)
    attrs = ctx.dossier.attributes
    for rec in attrs.loc[attrs["cqa"].to_numpy(bool)].sort_values("attribute_id").to_dict("records"):
        aid = rec["attribute_id"]
        if aid in specs:
            continue
        yield Finding(
            code="SP005",
            severity="minor",
            title=f"CQA {rec['name']} has no proposed commercial specification",
            subjects={"attribute_id": aid},
            evidence={"cqa": True, "category": rec["category"], "proposed_specification_in_force": False,
                      "as_of": ctx.as_of.isoformat()},
            why="Each CQA needs an acceptance criterion in the BLA, justified from the clinical lots; "
                "without one its clinical coverage cannot be judged.",
            references=(ref.ICH_Q6B,),
            action=f"Propose a commercial specification for {rec['name']} ({aid}), on the method that will "
                   "release commercial lots, justified from the clinical lots' results.",
            due_date=submission_due(ctx),
        )
