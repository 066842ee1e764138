from __future__ import annotations

from typing import Iterator

import pandas as pd

from ..analysis.bridging import bridge_fits, bridging_path
from ..analysis.lineage import older_method
from ..analysis.specs import reference_method, spec_method
from ..context import AuditContext
from . import references as ref
from .base import Finding, rule
from .dates import old_method_due


def _iso(ts) -> str | None:
    return None if pd.isna(ts) else pd.Timestamp(ts).date().isoformat()


def _some(ids: list[str], shown: int = 10) -> str:
    """Ids for a sentence: all of a short list, the first ``shown`` and a count otherwise."""
    more = len(ids) - shown
    return ", ".join(ids[:shown]) + (f" and {more} more (see lot_ids)" if more > 0 else "")


def _studies_touching(ctx: AuditContext, method_id: str) -> list[dict]:
    """The bridging studies that involve a method, and why none of them is a usable path."""
    out = []
    for fit in bridge_fits(ctx).values():
        if method_id not in (fit.old_method, fit.new_method):
            continue
        out.append({"bridging_study_id": fit.study_id, "old_method": fit.old_method, "new_method": fit.new_method,
                    "n_pairs": fit.n_pairs, "usable_for_conversion": fit.fit is not None, "note": fit.reason})
    return out


@rule(code="AM001", title="Administered-lot results on a method with no bridge to the spec method",
      family="assays", severity="critical for potency attributes or when pivotal lots are affected; major otherwise")
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    For every attribute, each method that measured reportable results of administered lots
    must reach the reference method through a chain of bridging studies (each with at least
    3 paired samples; a study may be used in either direction). The reference method is the
    spec method (the method of the `proposed_commercial` specification in force on the
    as-of date); with no proposed specification, the method in use on the as-of date with
    the latest `in_use_from` (if none is in use, the one with the latest `in_use_to`).
    One finding per attribute and unbridged method, naming the administered lots affected.
    Critical for a `potency` attribute or when any affected lot is a pivotal lot; major
    otherwise.

    Why it matters
    --------------
    The specification will be justified from the clinical lots' results, but those results
    were measured on a method whose relation to the commercial method is unknown. Without
    bridging data on the same samples, the clinical experience cannot be expressed on the
    commercial scale, and a changed procedure calls for a bridging study and an assessment
    of its effect on the specification (ICH Q14; ICH Q2(R2)). For potency, lot-release
    assays must be tied to the clinical lots (FDA 2023 draft guidance on potency assurance).

    How to fix
    ----------
    Run a bridging study of the unbridged method against the spec method on retained
    samples covering the range of the administered lots, while both methods are in use,
    with acceptance criteria for the bias at the proposed limits approved in advance
    (CLSI EP09); or retest retained samples of the affected lots with the spec method.

    References
    ----------
    - ICH Q14, Analytical Procedure Development (lifecycle, bridging of changed procedures).
    - ICH Q2(R2), Validation of Analytical Procedures.
    - CLSI EP09, Measurement Procedure Comparison and Bias Estimation Using Patient Samples.
    - FDA draft guidance, Potency Assurance for Cellular and Gene Therapy Products (Dec 2023),
      for potency attributes.
    """
    d = ctx.dossier
    r = d.administered_results
    attrs = d.attributes_by_id
    methods = d.methods_by_id
    pivotal = d.pivotal_lot_ids
    min_pairs = int(ctx.threshold("AM003", "min_pairs"))
    max_days = int(ctx.threshold("AM002", "max_days"))
    for aid, rows in sorted(r.groupby("attribute_id"), key=lambda kv: kv[0]):
        reference = reference_method(ctx, aid)
        if reference is None:
            continue
        basis = ("spec method (proposed commercial specification in force)" if spec_method(ctx, aid) == reference
                 else "method in use on the as-of date (no proposed commercial specification in force)")
        attr = attrs.loc[aid]
        potency = attr["category"] == "potency"
        for mid, mrows in sorted(rows.groupby("method_id"), key=lambda kv: kv[0]):
            if bridging_path(ctx, mid, reference) is not None:
                continue
            lots = sorted(set(mrows["lot_id"]))
            pivotal_affected = sorted(set(lots) & pivotal)
            critical = potency or bool(pivotal_affected)
            old = older_method(ctx, mid, reference)
            references = (ref.ICH_Q14, ref.ICH_Q2R2, ref.CLSI_EP09) + ((ref.FDA_POTENCY_ASSURANCE,) if potency else ())
            yield Finding(
                code="AM001",
                severity="critical" if critical else "major",
                title=f"{attr['name']} results of {len(lots)} administered lot(s) on {mid} cannot be put on the "
                      f"scale of {reference}",
                subjects={"attribute_id": aid, "method_id": mid, "lot_ids": lots},
                evidence={
                    "unbridged_method": mid,
                    "reference_method": reference,
                    "reference_basis": basis,
                    "category": attr["category"],
                    "n_results": len(mrows),
                    "n_lots": len(lots),
                    "n_pivotal_lots": len(pivotal_affected),
                    "pivotal_lot_ids": pivotal_affected,
                    "first_test_date": _iso(mrows["test_date"].min()),
                    "last_test_date": _iso(mrows["test_date"].max()),
                    "method_in_use": [_iso(methods.at[mid, "in_use_from"]), _iso(methods.at[mid, "in_use_to"])],
                    "reference_in_use": [_iso(methods.at[reference, "in_use_from"]),
                                         _iso(methods.at[reference, "in_use_to"])],
                    "bridging_studies_involving_method": _studies_touching(ctx, mid),
                    "min_pairs_for_a_path": 3,
                },
                why=(f"The {attr['name']} results of {len(lots)} administered lot(s)"
                     + (f", {len(pivotal_affected)} of them pivotal," if pivotal_affected else "")
                     + f" were measured with {mid}, which no bridging study ties to {reference}: the clinical "
                     "experience cannot be expressed on the method that will carry the specification, and a "
                     "changed analytical procedure calls for bridging data on the same samples (ICH Q14, "
                     "ICH Q2(R2), CLSI EP09"
                     + ("; FDA 2023 draft guidance on potency assurance" if potency else "") + ")."),
                references=references,
                action=(f"Run a bridging study of {mid} against {reference} for {aid} on retained samples spanning "
                        f"the administered lots' range (at least {min_pairs} paired samples, each tested with both "
                        f"methods within {max_days} days while both are in use), with acceptance criteria for the bias at the "
                        f"proposed limits approved before testing; or retest retained samples of "
                        f"{_some(lots)} with {reference}."),
                due_date=old_method_due(ctx, old),
            )
