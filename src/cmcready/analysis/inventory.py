"""Lots that could still be dosed: released, not administered, not expired, within release specs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..context import AuditContext, cached


def outside_release_spec(results: pd.DataFrame, specs: pd.DataFrame) -> pd.Series:
    """Per result row: outside the release spec of its attribute and method (inclusive limits).

    A censored value is outside only when every value it allows is (as DR004 judges it):
    ``<x`` fails a lower limit L when x ≤ L; ``>x`` fails an upper limit U when x ≥ U.
    """
    spec = specs.drop_duplicates(["attribute_id", "method_id"]).set_index(["attribute_id", "method_id"])
    keys = pd.MultiIndex.from_arrays([results["attribute_id"], results["method_id"]])
    lower = spec["lower"].reindex(keys).to_numpy(float)
    upper = spec["upper"].reindex(keys).to_numpy(float)
    v = results["value"].to_numpy(float)
    q = results["qualifier"].to_numpy(object)
    below_q, above_q = q == "<", q == ">"
    with np.errstate(invalid="ignore"):
        fails_lower = np.where(below_q, v <= lower, np.where(above_q, False, v < lower))
        fails_upper = np.where(above_q, v >= upper, np.where(below_q, False, v > upper))
    # NaN limits compare False: no limit, no failure.
    return pd.Series(fails_lower | fails_upper, index=results.index)


@cached
def available_lots(ctx: AuditContext) -> pd.DataFrame:
    """Lots a sponsor could dose next, as of the audit date.

    Released, not administered, not expired (``expiry_date`` < as-of is expired; no expiry
    date is not expired), and no reportable result outside a release specification in force
    on the as-of date for its attribute and method. Columns lot_id, process_version,
    manufacture_date, expiry_date; sorted by lot_id.
    """
    d = ctx.dossier
    lots = d.lots
    keep = (
        (lots["status"] == "released")
        & ~lots["lot_id"].isin(d.administered_lot_ids)
        & ~(lots["expiry_date"] < ctx.as_of_ts)
    )
    lots = lots.loc[keep]
    r = d.reportable_results
    r = r.loc[r["lot_id"].isin(lots["lot_id"])]
    bad = outside_release_spec(r, d.specifications_in_force(ctx.as_of, kind="release"))
    failing = set(r.loc[bad.to_numpy(bool), "lot_id"])
    lots = lots.loc[~lots["lot_id"].isin(failing)]
    cols = ["lot_id", "process_version", "manufacture_date", "expiry_date"]
    return lots.sort_values("lot_id")[cols].reset_index(drop=True)
