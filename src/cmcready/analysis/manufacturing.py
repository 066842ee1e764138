"""Manufacturing success per process version: the JSON's ``manufacturing`` block, MS001, MS002."""

from __future__ import annotations

import pandas as pd

from ..context import AuditContext, cached
from ..stats.proportions import clopper_pearson

# Engineering, PPQ and development runs do not show what patients can count on.
COUNTED_PURPOSES = ("clinical", "commercial")
STATUS_COLUMNS = ("released", "failed_manufacture", "rejected", "in_process")


@cached
def manufacturing_outcomes(ctx: AuditContext) -> pd.DataFrame:
    """Lot counts by status per process version, over lots of purpose clinical or commercial.

    Indexed by process_version (every version of the dossier, in effective_date order);
    columns released, failed_manufacture, rejected, in_process and attempted
    (= released + failed_manufacture + rejected; lots still in process are not attempts yet).
    """
    d = ctx.dossier
    versions = d.process_versions.sort_values(["effective_date", "process_version"])["process_version"]
    lots = d.lots.loc[d.lots["purpose"].isin(COUNTED_PURPOSES)]
    counts = pd.crosstab(lots["process_version"], lots["status"])
    counts = counts.reindex(index=pd.Index(versions, name="process_version"), columns=list(STATUS_COLUMNS),
                            fill_value=0).fillna(0).astype("int64")
    counts["attempted"] = counts["released"] + counts["failed_manufacture"] + counts["rejected"]
    return counts


def success_rate(released: int, attempted: int) -> tuple[float | None, tuple[float, float] | None]:
    """Point estimate and two-sided 95% Clopper-Pearson interval; (None, None) with no attempts."""
    if attempted == 0:
        return None, None
    return float(released / attempted), clopper_pearson(successes=int(released), trials=int(attempted))


def manufacturing_block(ctx: AuditContext) -> dict:
    """The contract's ``manufacturing`` block: every process version's attempts and success rate."""
    out = {}
    for version, row in manufacturing_outcomes(ctx).iterrows():
        rate, ci = success_rate(row["released"], row["attempted"])
        out[str(version)] = {
            "attempted": int(row["attempted"]),
            "released": int(row["released"]),
            "success_rate": rate,
            "ci": list(ci) if ci else None,
            "failed_manufacture": int(row["failed_manufacture"]),
            "rejected": int(row["rejected"]),
            "in_process": int(row["in_process"]),
        }
    return out


def successes_needed(released: int, attempted: int, *, min_rate: float, min_lower_bound: float,
                     limit: int = 10_000) -> int | None:
    """Fewest further released lots, in a row, after which the success rate reaches ``min_rate``
    and its 95% Clopper-Pearson lower bound reaches ``min_lower_bound``; None when out of reach."""
    if min_lower_bound >= 1 or (min_rate >= 1 and released < attempted):
        return None
    for more in range(0 if attempted else 1, limit + 1):
        rate, (lower, _) = success_rate(released + more, attempted + more)
        if rate >= min_rate and lower >= min_lower_bound:
            return more
    return None
