from __future__ import annotations

from typing import Iterator

from ..analysis.bridging import BridgeFit, bridge_fits
from ..context import AuditContext
from . import references as ref
from .base import Finding, Threshold, rule
from .dates import old_method_due


def _administered_old_values(ctx: AuditContext, bf: BridgeFit):
    """Per administered lot, the mean of its reportable results measured with the study's old method."""
    d = ctx.dossier
    r = d.results_of(attribute_id=bf.attribute_id)
    r = r.loc[(r["method_id"] == bf.old_method).to_numpy() & d.administered_flags[r["_lot"].to_numpy()]]
    return r.groupby("lot_id")["value"].mean()


def span_fraction(bridge_min, bridge_max, lots_min, lots_max) -> float:
    """Length of [bridge_min, bridge_max] ∩ [lots_min, lots_max] over the length of the latter."""
    overlap = max(0.0, min(bridge_max, lots_max) - max(bridge_min, lots_min))
    return overlap / (lots_max - lots_min)


def spans_too_little(span: float, min_span: float) -> bool:
    """Less than ``min_span``, judged on the decimal values: a span of 0.7999999999999999
    (0.2-0.6 of 0.1-0.6 in binary floating point) is a tie with 0.80, not a shortfall."""
    return span < min_span - 1e-9


@rule(code="AM003", title="Bridging study too small or not spanning the clinical range", family="assays",
      severity="major",
      thresholds=[Threshold("min_pairs", 20, "fewest paired samples a bridging study needs", "int"),
                  Threshold("min_span", 0.80, "fraction of the administered lots' old-method range that the "
                                              "study's old-method values must cover", "fraction")])
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    Each bridging study has at least `min_pairs` paired samples, and its old-method values
    cover at least `min_span` of the range of the administered lots' values measured with
    the old method. The span is the length of the overlap of [study old-method min, max]
    with [administered lots' old-method min, max], divided by the length of the latter (a
    lot's value is the mean of its reportable results on the old method). The span is not
    evaluated with fewer than 2 such lots or when their range has zero length. One finding
    per bridging study.

    Why it matters
    --------------
    A conversion estimated from few samples has wide confidence limits, and outside the
    range the samples covered it is an extrapolation: the converted clinical values near
    the specification limits rest on no data. Method comparison needs enough samples spread
    across the measuring interval (CLSI EP09; ICH Q14).

    How to fix
    ----------
    Add paired samples, chosen to cover the administered lots' range on the old method and
    the proposed specification limits (retained samples of clinical lots, or spiked or
    diluted material), tested with both methods while both are in use.

    References
    ----------
    - CLSI EP09, Measurement Procedure Comparison and Bias Estimation Using Patient Samples
      (split samples across the measuring interval).
    - ICH Q14, Analytical Procedure Development.
    """
    min_pairs = int(ctx.threshold("AM003", "min_pairs"))
    min_span = float(ctx.threshold("AM003", "min_span"))
    for sid, bf in sorted(bridge_fits(ctx).items()):
        lots = _administered_old_values(ctx, bf)
        pairs = bf.pairs
        bridge_range = [float(pairs["old"].min()), float(pairs["old"].max())] if len(pairs) else None
        lots_range = [float(lots.min()), float(lots.max())] if len(lots) else None
        span, span_note = None, None
        if len(lots) < 2:
            span_note = f"not evaluated: {len(lots)} administered lot(s) measured with {bf.old_method}"
        elif lots_range[0] == lots_range[1]:
            span_note = "not evaluated: the administered lots' old-method values have a zero-length range"
        else:
            span = span_fraction(*bridge_range, *lots_range) if bridge_range else 0.0
        too_few = bf.n_pairs < min_pairs
        too_narrow = span is not None and spans_too_little(span, min_span)
        if not (too_few or too_narrow):
            continue
        problems = []
        if too_few:
            problems.append(f"it has {bf.n_pairs} paired samples (at least {min_pairs} expected)")
        if too_narrow:
            problems.append(f"its {bf.old_method} values cover {span:.0%} of the administered lots' "
                            f"{bf.old_method} range (at least {min_span:.0%} expected)")
        yield Finding(
            code="AM003",
            severity="major",
            title=f"Bridging study {sid} ({bf.old_method} → {bf.new_method}) is "
                  + " and ".join((["too small"] if too_few else []) + (["too narrow"] if too_narrow else [])),
            subjects={"bridging_study_id": sid, "attribute_id": bf.attribute_id, "method_id": bf.new_method},
            evidence={
                "old_method": bf.old_method,
                "new_method": bf.new_method,
                "n_pairs": bf.n_pairs,
                "min_pairs": min_pairs,
                "bridge_old_range": bridge_range,
                "administered_old_range": lots_range,
                "n_administered_lots_on_old_method": len(lots),
                "span": span,
                "min_span": min_span,
                "span_note": span_note,
            },
            why=(f"Bridging study {sid}: {'; '.join(problems)}. A conversion from few samples, or applied beyond "
                 "the range its samples covered, is imprecise or extrapolated, so the clinical values it converts "
                 "are not supported on the new scale (CLSI EP09; ICH Q14)."),
            references=(ref.CLSI_EP09, ref.ICH_Q14),
            action=(f"Extend bridging study {sid} to at least {min_pairs} paired samples tested with both "
                    f"{bf.old_method} and {bf.new_method}"
                    + (f", chosen to cover the administered lots' {bf.old_method} range "
                       f"{lots_range[0]:g}–{lots_range[1]:g} and the proposed limits" if lots_range else "")
                    + "."),
            due_date=old_method_due(ctx, bf.old_method),
        )
