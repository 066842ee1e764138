from __future__ import annotations

from typing import Iterator

import pandas as pd

from ..analysis.specs import proposed_specs
from ..analysis.timeline import has_pivotal_administration, pivotal_window
from ..context import AuditContext
from . import references as ref
from .base import Finding, NotApplicable, rule
from .dates import old_method_due


def _iso(ts) -> str | None:
    return None if pd.isna(ts) else pd.Timestamp(ts).date().isoformat()


def _some(ids: list[str], shown: int = 10) -> str:
    """Ids for a sentence: all of a short list, the first ``shown`` and a count otherwise."""
    more = len(ids) - shown
    return ", ".join(ids[:shown]) + (f" and {more} more (see lot_ids)" if more > 0 else "")


def _exploratory_potency_on_pivotal_lots(ctx: AuditContext) -> Iterator[Finding | NotApplicable]:
    if not has_pivotal_administration(ctx):
        why = "no pivotal study" if pivotal_window(ctx) is None else "no lot was administered in a pivotal study"
        yield NotApplicable("AM007", f"{why}: the first clause (pivotal lots released with an exploratory potency "
                                     "method) is not evaluated; the second clause (spec method of a CQA not "
                                     "validated) still is")
        return
    d = ctx.dossier
    attrs = d.attributes
    potency = sorted(attrs.loc[attrs["category"] == "potency", "attribute_id"])
    r = d.reportable_results
    status = r["method_id"].map(d.methods_by_id["validation_status"])
    r = r.loc[(r["attribute_id"].isin(potency) & (status == "exploratory")).to_numpy()
              & d.pivotal_flags[r["_lot"].to_numpy()]]
    for aid, rows in sorted(r.groupby("attribute_id"), key=lambda kv: kv[0]):
        name = d.attributes_by_id.at[aid, "name"]
        by_method = {m: sorted(set(g["lot_id"])) for m, g in sorted(rows.groupby("method_id"), key=lambda kv: kv[0])}
        # One finding per attribute and clause: name the method behind most pivotal lots.
        mid = min(by_method, key=lambda m: (-len(by_method[m]), m))
        lots = sorted(set(rows["lot_id"]))
        yield Finding(
            code="AM007",
            severity="major",
            title=f"{len(lots)} pivotal lot(s) released for {name} with exploratory method "
                  + ", ".join(by_method),
            subjects={"attribute_id": aid, "method_id": mid, "lot_ids": lots},
            evidence={
                "clause": "exploratory potency method on pivotal lots",
                "exploratory_methods": [{"method_id": m, "validation_status": "exploratory", "lot_ids": ls,
                                         "n_lots": len(ls)} for m, ls in by_method.items()],
                "n_pivotal_lots": len(lots),
                "n_results": len(rows),
            },
            why=(f"The potency of {len(lots)} pivotal lot(s) was measured with an exploratory method "
                 f"({', '.join(by_method)}): the clinical evidence of potency rests on a procedure not shown to be "
                 "fit for its purpose, while potency assurance must mature through development and lot-release "
                 "potency assays must be validated for licensure (FDA 2023 draft guidance on potency assurance; "
                 "ICH Q2(R2))."),
            references=(ref.FDA_POTENCY_ASSURANCE, ref.ICH_Q2R2, ref.CFR_POTENCY),
            action=(f"Qualify or validate {', '.join(by_method)} and document its performance at the time the pivotal "
                    f"lots were tested, or retest retained samples of {_some(lots)} with a validated potency "
                    f"method bridged to it."),
            due_date=old_method_due(ctx, mid),
        )


def _predecessor(ctx: AuditContext, attribute_id: str, method_id: str) -> str | None:
    """The attribute's method in use before ``method_id`` (latest earlier in_use_from; ties by id)."""
    m = ctx.dossier.methods_of(attribute_id)
    start = ctx.dossier.methods_by_id.at[method_id, "in_use_from"]
    earlier = m.loc[(m["in_use_from"] < start) & (m["method_id"] != method_id)]
    if earlier.empty:
        return None
    return earlier.sort_values(["in_use_from", "method_id"])["method_id"].iloc[-1]


def _spec_method_not_validated(ctx: AuditContext) -> Iterator[Finding]:
    d = ctx.dossier
    specs = proposed_specs(ctx)
    attrs = d.attributes
    methods = d.methods_by_id
    for rec in attrs.loc[attrs["cqa"].to_numpy(bool)].sort_values("attribute_id").to_dict("records"):
        aid = rec["attribute_id"]
        if aid not in specs:
            continue
        mid = specs[aid].method_id
        status, validated = methods.at[mid, "validation_status"], methods.at[mid, "validated_date"]
        if status == "validated" and (pd.isna(validated) or validated <= ctx.as_of_ts):
            continue
        potency = rec["category"] == "potency"
        if status == "validated":
            state = f"validated only on {_iso(validated)}, after the as-of date {ctx.as_of.isoformat()}"
        else:
            state = f"{status}, not validated"
        yield Finding(
            code="AM007",
            severity="major",
            title=f"Spec method {mid} of CQA {rec['name']} is not validated",
            subjects={"attribute_id": aid, "method_id": mid},
            evidence={
                "clause": "spec method of a CQA not validated",
                "validation_status": status,
                "validated_date": _iso(validated),
                "as_of": ctx.as_of.isoformat(),
                "category": rec["category"],
            },
            why=(f"{mid}, the method of the proposed commercial specification of CQA {rec['name']}, is {state}: "
                 "the procedure that will release commercial lots must be validated for its intended use "
                 "(ICH Q2(R2)"
                 + ("; FDA 2023 draft guidance on potency assurance" if potency else "") + ")."),
            references=(ref.ICH_Q2R2, ref.ICH_Q14) + ((ref.FDA_POTENCY_ASSURANCE,) if potency else ()),
            action=(f"Complete the validation of {mid} for {aid} under a protocol with pre-set acceptance criteria "
                    "(ICH Q2(R2)), and record its validated_date, before the BLA."),
            due_date=old_method_due(ctx, _predecessor(ctx, aid, mid)),
        )


@rule(code="AM007", title="Potency of pivotal lots on an exploratory method, or spec method not validated",
      family="assays", severity="major")
def check(ctx: AuditContext) -> Iterator[Finding | NotApplicable]:
    """
    What it checks
    --------------
    Two clauses, each with its own findings:

    1. A pivotal lot has a reportable result for a `potency` attribute measured with a method
       whose `validation_status` is `exploratory` (one finding per attribute, naming the
       pivotal lots). Not evaluated (listed under not applicable) without a pivotal study
       or a pivotal administration.
    2. The spec method of a CQA (the method of its `proposed_commercial` specification in
       force on the as-of date) is not `validated`, or its `validated_date` is after the
       as-of date (an empty `validated_date` with status `validated` counts as validated).

    The due date, as for every AM rule, is the old method's `in_use_to` when it is on or
    after the as-of date: for clause 1 the exploratory method itself (retest or bridge while
    it is still run), for clause 2 the method the spec method replaces.

    Why it matters
    --------------
    The potency data behind the pivotal study and the method that will release commercial
    lots must be fit for purpose: potency assurance matures through development, and
    lot-release assays must be validated for licensure (FDA 2023 draft guidance on potency
    assurance; ICH Q2(R2)).

    How to fix
    ----------
    Qualify or validate the potency method used on pivotal lots, or retest retained pivotal
    samples with a validated method bridged to it; complete the validation of each CQA's
    spec method before the BLA.

    References
    ----------
    - FDA draft guidance, Potency Assurance for Cellular and Gene Therapy Products (Dec 2023).
    - 21 CFR 600.3(s), 21 CFR 610.10 (potency tests).
    - ICH Q2(R2), Validation of Analytical Procedures.
    - ICH Q14, Analytical Procedure Development.
    """
    yield from _exploratory_potency_on_pivotal_lots(ctx)
    yield from _spec_method_not_validated(ctx)
