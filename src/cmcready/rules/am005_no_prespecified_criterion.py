from __future__ import annotations

from typing import Iterator

import pandas as pd

from ..analysis.bridging import bridge_fits
from ..context import AuditContext
from . import references as ref
from .base import Finding, rule
from .dates import old_method_due


def _iso(ts) -> str | None:
    return None if pd.isna(ts) else pd.Timestamp(ts).date().isoformat()


def _num(v) -> float | None:
    return None if pd.isna(v) else float(v)


@rule(code="AM005", title="Bridging study without a pre-specified acceptance criterion", family="assays",
      severity="major")
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    Each bridging study has an acceptance criterion fixed before testing: at least one of
    `acceptance_max_bias` and `acceptance_max_bias_pct`, and a `protocol_date` on or before
    the first paired test date (the earliest test date of any row of a paired sample; a
    protocol dated that same day passes). One finding per bridging study with no criterion,
    no protocol date, or a protocol approved after testing began.

    Why it matters
    --------------
    Acceptance criteria set after the data are seen can be fitted to the result and do not
    show that the new method is fit to replace the old. Q14 sets no numeric bridging
    criteria, so they must be fixed in advance from the specification; a validation-type
    protocol has its acceptance criteria before the study (ICH Q14; ICH Q2(R2); CLSI EP09).

    How to fix
    ----------
    For a study still to be run, approve a protocol stating the allowable bias at the
    proposed specification limits before the first sample is tested. For a completed study,
    record the criterion with its true approval date, justify it from the specification
    independently of the results, and consider a confirmatory study under a prospective
    protocol.

    References
    ----------
    - ICH Q14, Analytical Procedure Development (criteria fixed in advance).
    - ICH Q2(R2), Validation of Analytical Procedures (protocol with acceptance criteria
      before the study).
    - CLSI EP09 (allowable bias stated in advance).
    """
    studies = ctx.dossier.bridging_studies.set_index("bridging_study_id", drop=False)
    for sid, bf in sorted(bridge_fits(ctx).items()):
        rec = studies.loc[sid]
        max_bias, max_pct = _num(rec["acceptance_max_bias"]), _num(rec["acceptance_max_bias_pct"])
        protocol = rec["protocol_date"]
        first = bf.pairs["first_date"].min() if len(bf.pairs) else pd.NaT
        no_criterion = max_bias is None and max_pct is None
        no_protocol = pd.isna(protocol)
        late = not no_protocol and not pd.isna(first) and protocol > first
        if not (no_criterion or no_protocol or late):
            continue
        days_late = int((protocol - first).days) if late else None
        problems = []
        if no_criterion:
            problems.append("no acceptance criterion (neither acceptance_max_bias nor acceptance_max_bias_pct)")
        if no_protocol:
            problems.append("no protocol approval date")
        if late:
            problems.append(f"criteria approved on {_iso(protocol)}, {days_late} day(s) after the first paired "
                            f"sample was tested on {_iso(first)}")
        yield Finding(
            code="AM005",
            severity="major",
            title=f"Bridging study {sid} ({bf.old_method} → {bf.new_method}) has no pre-specified acceptance "
                  "criterion",
            subjects={"bridging_study_id": sid, "attribute_id": bf.attribute_id, "method_id": bf.new_method},
            evidence={
                "old_method": bf.old_method,
                "new_method": bf.new_method,
                "has_criterion": not no_criterion,
                "acceptance_max_bias": max_bias,
                "acceptance_max_bias_pct": max_pct,
                "protocol_date": _iso(protocol),
                "first_paired_test_date": _iso(first),
                "days_protocol_after_first_test": days_late,
                "n_pairs": bf.n_pairs,
            },
            why=(f"Bridging study {sid} has {' and '.join(problems)}: criteria not fixed before testing can be fitted "
                 "to the data and do not show that the new method can replace the old (ICH Q14; ICH Q2(R2); "
                 "CLSI EP09)."),
            references=(ref.ICH_Q14, ref.ICH_Q2R2, ref.CLSI_EP09),
            action=(f"Record for {sid} the allowable bias of {bf.new_method} against {bf.old_method} at the proposed "
                    "specification limits, justified from the specification rather than the results, with its true "
                    "approval date; if it post-dates testing, confirm the bridge with a prospective protocol "
                    f"approved before new paired samples are tested" + (f" (while {bf.old_method} is in use)"
                                                                        if old_method_due(ctx, bf.old_method)
                                                                        else "") + "."),
            due_date=old_method_due(ctx, bf.old_method),
        )
