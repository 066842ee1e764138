"""Per-lot values of an attribute on one method's scale (convert each result, then average)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..context import AuditContext, cached
from .bridging import convert

LOT_VALUE_COLUMNS = ["lot_id", "value", "n_results", "n_censored", "first_test_date", "_lot"]


@cached
def converted_results(ctx: AuditContext, attribute_id: str, scale_method: str) -> pd.DataFrame:
    """Reportable results of an attribute with a ``scaled`` column (NaN where no path exists)."""
    r = ctx.dossier.results_of(attribute_id=attribute_id).copy()
    r["scaled"] = np.nan
    for method, idx in r.groupby("method_id").groups.items():
        conv = convert(ctx, r.loc[idx, "value"].to_numpy(), method, scale_method)
        if conv is not None:
            r.loc[idx, "scaled"] = conv
    return r


@cached
def lot_values(ctx: AuditContext, attribute_id: str, scale_method: str) -> pd.DataFrame:
    """One row per lot with at least one result convertible to ``scale_method``, in lot id order.

    ``value`` is the mean of the lot's converted reportable results; ``n_censored`` counts
    results with a ``<`` or ``>`` qualifier among them (entered at their recorded value);
    ``_lot`` is the lot's rank (``Dossier.lot_order``).
    """
    r = converted_results(ctx, attribute_id, scale_method)
    r = r.loc[r["scaled"].notna() & (r["_lot"] >= 0).to_numpy()]
    if r.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            LOT_VALUE_COLUMNS, [object, float, "int64", "int64", "datetime64[ns]", "int64"])})
    # Ranks follow the sorted lot ids: grouping by them sorts integers, not strings.
    g = r.assign(censored=r["qualifier"].notna()).groupby("_lot", sort=True)
    out = pd.DataFrame({
        "value": g["scaled"].mean(),
        "n_results": g.size(),
        "n_censored": g["censored"].sum().astype("int64"),
        "first_test_date": g["test_date"].min(),
    }).reset_index()
    ranks = out["_lot"].to_numpy()
    out["lot_id"] = ctx.dossier.lot_order.to_numpy(object)[ranks]
    return out[LOT_VALUE_COLUMNS]


def unconvertible_methods(ctx: AuditContext, attribute_id: str, scale_method: str, *,
                          administered_only: bool = False) -> dict[str, list[str]]:
    """Methods whose reportable results (of administered lots only, if asked) cannot reach
    ``scale_method``: method -> lot ids."""
    r = converted_results(ctx, attribute_id, scale_method)
    if administered_only:
        r = r.loc[ctx.dossier.administered_flags[r["_lot"].to_numpy()]]
    bad = r.loc[r["scaled"].isna()]
    return {m: sorted(set(g["lot_id"])) for m, g in bad.groupby("method_id")}
