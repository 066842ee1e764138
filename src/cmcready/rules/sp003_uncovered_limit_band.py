from __future__ import annotations

from typing import Iterator

import pandas as pd

from ..analysis.coverage import AttributeCoverage, all_experience
from ..analysis.inventory import lots_outside_release_specs, undosed_flags
from ..analysis.values import lot_values
from ..context import AuditContext
from . import references as ref
from .base import Finding, Threshold, rule
from .dates import pivotal_start_due

CODE = "SP003"


def band_edges(lower: float, upper: float, band: float) -> tuple[float, float]:
    """Values ≤ the first edge are in the lower band, values ≥ the second in the upper band."""
    width = upper - lower
    return lower + band * width, upper - band * width


def in_band(values: pd.Series, side: str, edge: float, width: float) -> pd.Series:
    """Both ends included; 1e-9 of the width absorbs the rounding of L + band·(U − L), so a
    value written exactly on an edge stays in its band."""
    slack = 1e-9 * width
    return values <= edge + slack if side == "lower" else values >= edge - slack


def candidates(ctx: AuditContext, c: AttributeCoverage, side: str, edge: float) -> list[dict]:
    """Available lots (released, not administered, not expired on the as-of date) whose value
    lies in the band next to ``side``, beyond the limit included, best first: lots within
    every release specification in force before the others, within them lots within the
    proposed limits before lots beyond the limit, then the lot nearest the limit, then lot_id."""
    s = c.spec
    v = lot_values(ctx, c.attribute_id, s.method_id)
    v = v.loc[undosed_flags(ctx)[v["_lot"].to_numpy()]]
    v = v.loc[in_band(v["value"], side, edge, s.upper - s.lower)]
    limit = s.lower if side == "lower" else s.upper
    within = v["value"].between(s.lower, s.upper).to_numpy()
    releasable = ~v["lot_id"].isin(lots_outside_release_specs(ctx)).to_numpy()
    v = v.assign(within=within, releasable=releasable, failing=~releasable, beyond=~within,
                 distance=(v["value"] - limit).abs())
    v = v.sort_values(["failing", "beyond", "distance", "lot_id"])
    return [{"lot_id": r.lot_id, "value": float(r.value), "within_proposed_limits": bool(r.within),
             "within_release_specifications": bool(r.releasable)} for r in v.itertuples()]


def _listed(lots: list[dict]) -> str:
    def one(x: dict) -> str:
        notes = ([] if x["within_proposed_limits"] else ["beyond the proposed limit"]) \
            + ([] if x["within_release_specifications"] else ["outside a release specification in force"])
        return f"{x['lot_id']} ({x['value']:.4g}{'; ' + ', '.join(notes) if notes else ''})"
    return ", ".join(one(x) for x in lots)


@rule(code=CODE, title="No administered lot near a proposed limit", family="specifications", severity="major",
      thresholds=[Threshold("band", 0.20, "Width of the band next to each limit of a two-sided proposed "
                            "specification, as a fraction of the proposed range", "fraction")])
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    For a two-sided proposed commercial specification [L, U] of a `clinical`-basis attribute,
    whether some administered lot's value on the spec scale lies in the outer `band` of the
    range next to each limit: at most L + band·(U − L) for the lower limit (values below L
    included), at least U − band·(U − L) for the upper. Each limit is judged separately; one
    finding per attribute names the uncovered limits. With no administered value on the spec
    scale (nothing dosed yet, or only values SP004 reports as off the scale) no administered
    lot lies in either band, and both limits are named. The advice lists available lots
    (released, not administered, not expired on the as-of date) whose values lie in the
    band, best first, or says that none exists: lots within every release specification in
    force on the as-of date before lots outside one, lots within the proposed limits before
    lots beyond the limit (each flagged as such), then the lot nearest the limit first. For patient-specific products
    (`autologous_cell`, `ex_vivo_gene_modified_cell`) lots cannot be reassigned, and the
    advice is instead to widen clinical experience within the proposed range through
    manufacture.

    Why it matters
    --------------
    Acceptance criteria are justified from the lots used in clinical studies (ICH Q6B §4). A
    limit with no clinical lot near it is a limit the clinical data do not support;
    practitioners observe that reviewers then approve the range the clinical lots covered
    (a projection, not guidance text). Dosing lots near the limits while the pivotal study
    enrolls is the cheapest time to earn the range.

    How to fix
    ----------
    Dose the listed available lots before pivotal enrollment closes (`cmcready plan` orders
    them); for patient-specific products, plan manufacture (for example the process
    parameters' normal operating ranges) so that clinical lots span the proposed range; or
    narrow the proposed limit to what the clinical data support.

    References
    ----------
    - ICH Q6B §4 (acceptance criteria justified from clinical and consistency lots).
    - FDA draft guidance, Potency Assurance for Cellular and Gene Therapy Products (Dec 2023), for potency attributes.
    - Practitioners' observation that regulators approve the range clinical lots covered (a projection, not guidance).
    """
    band = ctx.threshold(CODE, "band")
    patient_specific = ctx.dossier.program.patient_specific
    for c in all_experience(ctx):
        s = c.spec
        # With no administered value on the spec scale (nothing dosed yet, or only values
        # SP004 reports as off the scale) no administered lot lies in either band.
        if not c.clinical_basis or s is None or not s.two_sided:
            continue
        low_edge, high_edge = band_edges(s.lower, s.upper, band)
        values = c.clinical["value"]
        uncovered = [(side, limit, edge) for side, limit, edge in (("lower", s.lower, low_edge),
                                                                   ("upper", s.upper, high_edge))
                     if not in_band(values, side, edge, s.upper - s.lower).any()]
        if uncovered:
            yield _finding(ctx, c, uncovered, band, low_edge, high_edge, patient_specific)


def _finding(ctx, c: AttributeCoverage, uncovered, band, low_edge, high_edge, patient_specific) -> Finding:
    s = c.spec
    sides = [u[0] for u in uncovered]
    named = " and ".join(f"{side} limit {limit:g}" for side, limit, _ in uncovered)
    lots = {} if patient_specific else {side: candidates(ctx, c, side, edge) for side, _, edge in uncovered}
    if patient_specific:
        action = (f"Lots of this patient-specific product cannot be reassigned: widen the clinical experience "
                  f"of {c.attribute_id} within the proposed range {s.lower:g}–{s.upper:g} (on {s.method_id}) "
                  f"through manufacture, so that future clinical lots reach the band next to the {named}, "
                  "or narrow the proposed limits to what the clinical lots support.")
    else:
        parts = []
        for side, limit, edge in uncovered:
            found = lots[side]
            zone = f"≤ {edge:g}" if side == "lower" else f"≥ {edge:g}"
            if found:
                listed = _listed(found)
                parts.append(f"for the {side} limit {limit:g}, dose {listed}")
            else:
                parts.append(f"for the {side} limit {limit:g}, no available lot has a value {zone}: "
                             "manufacture or narrow the limit")
        action = f"Extend clinical experience of {c.attribute_id} (on {s.method_id}): " + "; ".join(parts) + "."
    refs = (ref.ICH_Q6B,) + ((ref.FDA_POTENCY_ASSURANCE,) if c.category == "potency" else ()) \
        + (ref.APPROVABLE_RANGE_PRACTICE,)
    return Finding(
        code=CODE,
        severity="major",
        title=f"No administered lot of {c.name} near the proposed {' and '.join(sides)} "
              f"limit{'s' if len(sides) > 1 else ''}",
        subjects={"attribute_id": c.attribute_id, "method_id": s.method_id},
        evidence={
            "spec_method": s.method_id,
            "proposed_lower": s.lower,
            "proposed_upper": s.upper,
            "band": band,
            "lower_band_max": low_edge,
            "upper_band_min": high_edge,
            "uncovered_limits": sides,
            "clinical_min": c.clinical_min,
            "clinical_max": c.clinical_max,
            "clinical_n_lots": len(c.clinical),
            "clinical_n_censored": c.clinical_n_censored,
            "patient_specific": patient_specific,
            "available_lots_in_band": lots if not patient_specific else None,
        },
        why=(("No administered lot has a value of " + c.name + f" on the {s.method_id} scale yet. "
              if not c.has_clinical else "")
             + f"No clinical lot of {c.name} lies near the proposed {named}; acceptance criteria are justified "
             "from clinical lots (ICH Q6B §4), and a limit the clinic never approached is projected, from "
             "practice rather than guidance text, to be narrowed to the range the clinical lots covered."),
        references=refs,
        action=action,
        due_date=pivotal_start_due(ctx),
    )
