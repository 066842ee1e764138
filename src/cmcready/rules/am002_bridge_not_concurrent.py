from __future__ import annotations

from typing import Iterator

import pandas as pd

from ..analysis.bridging import bridge_fits
from ..context import AuditContext
from . import references as ref
from .base import Finding, Threshold, rule
from .dates import old_method_due


def _iso(ts) -> str | None:
    return None if pd.isna(ts) else pd.Timestamp(ts).date().isoformat()


@rule(code="AM002", title="Bridging study not run while both methods were in use", family="assays",
      severity="major",
      thresholds=[Threshold("max_days", 30, "largest number of days between the earliest and the latest test "
                                            "of one paired sample (both methods)", "days")])
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    Each bridging study's paired samples (samples with at least one result on each of the
    study's two methods) were tested while both methods were in use:

    - no paired sample has an old-method result dated after the old method's `in_use_to`
      (an empty `in_use_to` never triggers this);
    - for each paired sample, the latest minus the earliest test date across both methods
      is at most `max_days` days.

    One finding per bridging study.

    Why it matters
    --------------
    A bridge ties the two methods only if both measured the same material in the same state
    under routine conditions. An old method run again after its retirement, or samples
    tested weeks apart (with the sample ageing in between), confound the method difference
    with other changes, so the conversion of the clinical results is not supported (ICH
    Q14; CLSI EP09).

    How to fix
    ----------
    Plan the comparison before the old method retires: test each sample with both methods
    within `max_days` days. When the old method has already retired, document how it was
    run again (qualified analysts, reagents, system suitability) or supplement the study
    with concurrent testing of retained samples.

    References
    ----------
    - ICH Q14, Analytical Procedure Development (bridging when a procedure is replaced).
    - CLSI EP09, Measurement Procedure Comparison and Bias Estimation Using Patient Samples.
    """
    max_days = int(ctx.threshold("AM002", "max_days"))
    methods = ctx.dossier.methods_by_id
    for sid, bf in sorted(bridge_fits(ctx).items()):
        pairs = bf.pairs
        if pairs.empty:
            continue
        retired = methods.at[bf.old_method, "in_use_to"] if bf.old_method in methods.index else pd.NaT
        late = pairs.loc[pairs["last_old_date"] > retired] if not pd.isna(retired) else pairs.iloc[:0]
        gap_days = (pairs["last_date"] - pairs["first_date"]).dt.days
        apart = pairs.loc[gap_days > max_days]
        if late.empty and apart.empty:
            continue
        problems = []
        if len(late):
            problems.append(f"{len(late)} of {bf.n_pairs} paired samples were tested with {bf.old_method} after it "
                            f"was retired on {_iso(retired)}")
        if len(apart):
            problems.append(f"{len(apart)} of {bf.n_pairs} paired samples were tested more than {max_days} days apart "
                            f"(up to {int(gap_days.max())} days)")
        yield Finding(
            code="AM002",
            severity="major",
            title=f"Bridging study {sid} ({bf.old_method} → {bf.new_method}) was not run while both methods were "
                  "in use",
            subjects={"bridging_study_id": sid, "attribute_id": bf.attribute_id, "method_id": bf.new_method},
            evidence={
                "old_method": bf.old_method,
                "new_method": bf.new_method,
                "n_pairs": bf.n_pairs,
                "old_method_in_use_to": _iso(retired),
                "latest_old_method_test_date": _iso(pairs["last_old_date"].max()),
                "n_samples_after_retirement": len(late),
                "samples_after_retirement": sorted(late["sample_id"]),
                "max_gap_days": int(gap_days.max()),
                "n_samples_over_max_days": len(apart),
                "samples_over_max_days": sorted(apart["sample_id"]),
                "max_days": max_days,
            },
            why=(f"In bridging study {sid}, {'; '.join(problems)}: the comparison does not reflect both methods "
                 "measuring the same material under routine use, so the conversion of clinical results between "
                 "them is not supported (ICH Q14; CLSI EP09)."),
            references=(ref.ICH_Q14, ref.CLSI_EP09),
            action=(f"Supplement bridging study {sid} with samples tested with both {bf.old_method} and "
                    f"{bf.new_method} within {max_days} days of each other while {bf.old_method} is in routine use"
                    + (f", or document how {bf.old_method} was run again after its retirement on {_iso(retired)} "
                       "(qualified analysts, reagents and system suitability)" if len(late) else "")
                    + "."),
            due_date=old_method_due(ctx, bf.old_method),
        )
