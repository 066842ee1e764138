"""Lots that could still be dosed: released, not administered, not expired (and within release specs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..context import AuditContext, cached


def outside_release_spec(results: pd.DataFrame, specs: pd.DataFrame) -> pd.Series:
    """Per result row: outside the release spec of its attribute and method (inclusive limits).

    A censored value is judged at its recorded value, as the contract has censored values
    enter computations (only DR004 judges them by every value they allow): a "<105" against
    an upper limit of 100 may be above it, and a lot that may fail is not one to recommend.
    """
    spec = specs.drop_duplicates(["attribute_id", "method_id"]).set_index(["attribute_id", "method_id"])
    keys = pd.MultiIndex.from_arrays([results["attribute_id"], results["method_id"]])
    lower = spec["lower"].reindex(keys).to_numpy(float)
    upper = spec["upper"].reindex(keys).to_numpy(float)
    v = results["value"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        # NaN limits compare False: no limit, no failure.
        outside = (v < lower) | (v > upper)
    return pd.Series(outside, index=results.index)


@cached
def _undosed_rows(ctx: AuditContext) -> np.ndarray:
    """Which rows of the lots table are released, not administered and not expired."""
    d = ctx.dossier
    lots = d.lots
    return ((lots["status"] == "released").to_numpy()
            & ~d.administered_flags[d.lot_table_ranks]
            & ~(lots["expiry_date"] < ctx.as_of_ts).to_numpy())


@cached
def undosed_lots(ctx: AuditContext) -> pd.DataFrame:
    """Lots on the shelf as of the audit date: released, not administered, not expired
    (``expiry_date`` < as-of is expired; no expiry date is not expired). SP003's "available
    lots". Columns lot_id, process_version, manufacture_date, expiry_date; sorted by lot_id.
    """
    cols = ["lot_id", "process_version", "manufacture_date", "expiry_date"]
    return ctx.dossier.lots.loc[_undosed_rows(ctx)].sort_values("lot_id")[cols].reset_index(drop=True)


@cached
def undosed_flags(ctx: AuditContext) -> np.ndarray:
    """:func:`undosed_lots` as ``Dossier.lot_flags``, for filtering frames that carry ``_lot``."""
    d = ctx.dossier
    return d.rank_flags(d.lot_table_ranks[_undosed_rows(ctx)])


@cached
def lots_outside_release_specs(ctx: AuditContext) -> frozenset[str]:
    """Undosed lots with a reportable result outside a release specification in force on
    the as-of date for its attribute and method."""
    d = ctx.dossier
    r = d.reportable_results
    r = r.loc[undosed_flags(ctx)[r["_lot"].to_numpy()]]
    bad = outside_release_spec(r, d.specifications_in_force(ctx.as_of, kind="release"))
    return frozenset(r.loc[bad.to_numpy(bool), "lot_id"])


@cached
def available_lots(ctx: AuditContext) -> pd.DataFrame:
    """Lots a sponsor could dose next, as the plan recommends them: :func:`undosed_lots`
    without those outside a release specification in force on the as-of date. Same columns."""
    lots = undosed_lots(ctx)
    failing = lots_outside_release_specs(ctx)
    return lots.loc[~lots["lot_id"].isin(failing)].reset_index(drop=True)
