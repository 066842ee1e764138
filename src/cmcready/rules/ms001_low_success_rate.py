from __future__ import annotations

from typing import Iterator

import pandas as pd

from ..analysis.manufacturing import COUNTED_PURPOSES, manufacturing_outcomes, success_rate, successes_needed
from ..analysis.timeline import commercial_process
from ..context import AuditContext
from . import references as ref
from .base import Finding, Threshold, rule


def _action(cp: str, failed: pd.DataFrame, needed: int | None, min_rate: float, min_lower: float) -> str:
    steps = []
    if len(failed):
        steps.append(f"Investigate the causes of the {len(failed)} failed or rejected {cp} lots "
                     f"({', '.join(failed['lot_id'])}) and correct the process.")
    target = (f"a success rate of at least {min_rate:.0%} with a 95% Clopper–Pearson lower bound of at least "
              f"{min_lower:.0%}")
    if needed is None:
        steps.append(f"Justify the process's reliability otherwise: no number of further lots reaches {target}.")
    else:
        steps.append(f"Manufacture further {cp} lots: {needed} more released in a row would show {target}.")
    return " ".join(steps)


@rule(code="MS001", title="Commercial process manufacturing success rate too low", family="manufacturing",
      severity="critical below critical_rate; major otherwise",
      thresholds=[
          Threshold("min_rate", 0.90, "lowest acceptable manufacturing success rate", "fraction"),
          Threshold("min_lower_bound", 0.80,
                    "lowest acceptable lower end of the two-sided 95% Clopper–Pearson interval", "fraction"),
          Threshold("critical_rate", 0.80, "a success rate below this is critical", "fraction"),
      ])
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    The commercial process's manufacturing success rate: released / (released +
    failed_manufacture + rejected) over lots of purpose `clinical` or `commercial` (lots
    still `in_process` are left out). It fires when the rate is below `min_rate`, or the
    lower end of its two-sided 95% Clopper–Pearson interval is below `min_lower_bound`.
    Critical when the rate is below `critical_rate`, major otherwise. Thresholds may be set
    per modality (`[modality.autologous_cell.MS001]`). Not evaluated with no attempt.

    Why it matters
    --------------
    A patient-specific product that fails to manufacture leaves a patient untreated, and a
    process that cannot reliably supply patients puts the license and commercial supply at
    risk. For context, manufacturing failure in the pivotal trials of approved autologous
    CAR-T products ranged from under 1% to about 7%. With few lots, the confidence
    interval shows how little the record proves.

    How to fix
    ----------
    Investigate the failure causes and fix the process, then manufacture more lots of the
    commercial process to show a success rate whose confidence interval clears the
    threshold.

    References
    ----------
    - Context figure: manufacturing failure of approved autologous CAR-T products in their
      pivotal trials (tisa-cel 7%, axi-cel 1%, brexu-cel 4%).
    """
    cp = commercial_process(ctx)
    outcomes = manufacturing_outcomes(ctx)
    if cp not in outcomes.index or outcomes.at[cp, "attempted"] == 0:
        return
    row = outcomes.loc[cp]
    released, attempted = int(row["released"]), int(row["attempted"])
    rate, (lower, upper) = success_rate(released, attempted)
    min_rate = float(ctx.threshold("MS001", "min_rate"))
    min_lower = float(ctx.threshold("MS001", "min_lower_bound"))
    critical_rate = float(ctx.threshold("MS001", "critical_rate"))
    if rate >= min_rate and lower >= min_lower:
        return
    d = ctx.dossier
    counted = d.lots.loc[(d.lots["process_version"] == cp) & d.lots["purpose"].isin(COUNTED_PURPOSES)]
    failed = counted.loc[counted["status"].isin(["failed_manufacture", "rejected"])].sort_values("lot_id")
    reasons = failed["failure_reason"].fillna("not recorded").value_counts().sort_index()
    failures = attempted - released
    record = (f"failed {failures} of {attempted} attempts" if failures
              else f"released all {attempted} attempted lots, too few to show a reliable process")
    short = [f"success rate {rate:.1%} below {min_rate:.0%}"] if rate < min_rate else []
    short += [f"95% lower bound {lower:.1%} below {min_lower:.0%}"] if lower < min_lower else []
    yield Finding(
        code="MS001",
        severity="critical" if rate < critical_rate else "major",
        title=f"Commercial process {cp} released {released} of {attempted} attempted lots ({rate:.1%})",
        subjects={"process_version": cp},
        evidence={
            "attempted": attempted,
            "released": released,
            "failed_manufacture": int(row["failed_manufacture"]),
            "rejected": int(row["rejected"]),
            "in_process_excluded": int(row["in_process"]),
            "purposes": list(COUNTED_PURPOSES),
            "success_rate": rate,
            "ci": [lower, upper],
            "ci_method": "two-sided 95% Clopper–Pearson",
            "min_rate": min_rate,
            "min_lower_bound": min_lower,
            "critical_rate": critical_rate,
            "modality": d.program.modality,
            "failed_lot_ids": list(failed["lot_id"]),
            "failure_reasons": {str(k): int(v) for k, v in reasons.items()},
        },
        why=(f"{cp} {record} ({'; '.join(short)}): a process that cannot "
             "reliably supply patients puts the license and commercial supply at risk; approved autologous CAR-T "
             "products failed in under 1% to about 7% of pivotal-trial manufacturing runs (context figure)."),
        references=(ref.CART_FAILURE_CONTEXT,),
        action=_action(cp, failed, successes_needed(released, attempted, min_rate=min_rate,
                                                    min_lower_bound=min_lower), min_rate, min_lower),
        due_date=None,
    )
