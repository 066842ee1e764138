"""Method lineage: the succession of methods that measured an attribute, and the change rows behind it.

The lineage of an attribute is every method used in its reportable results, ordered by
``in_use_from`` (ties by ``method_id``); each method after the first is a method change
that ``method_changes`` should record with it as ``to_method``. AM006 reads it, and the
AM rules use :func:`older_method` to name the method whose retirement bounds a bridge.
"""

from __future__ import annotations

import pandas as pd

from ..context import AuditContext, cached

LINEAGE_COLUMNS = ["method_id", "in_use_from", "in_use_to", "validation_status", "n_results",
                   "first_result_date", "last_result_date", "previous_method", "change_ids"]
CONTROL_COLUMNS = ("rationale", "approved_by", "approved_date")


def missing_text(s: pd.Series) -> pd.Series:
    """True where a text cell is empty (None, NaN or only spaces)."""
    return s.isna() | (s.astype("string").str.strip() == "")


@cached
def method_lineage(ctx: AuditContext, attribute_id: str) -> pd.DataFrame:
    """The methods used in an attribute's reportable results, in order of ``in_use_from``.

    Columns: method_id, in_use_from, in_use_to, validation_status, n_results,
    first_result_date, last_result_date, previous_method (None for the first), change_ids
    (sorted ids of the attribute's ``method_changes`` rows with this method as ``to_method``).
    """
    d = ctx.dossier
    r = d.results_of(attribute_id=attribute_id)
    used = r.groupby("method_id")["test_date"].agg(n_results="size", first_result_date="min",
                                                   last_result_date="max")
    methods = d.methods_by_id.loc[sorted(used.index)] if len(used) else d.methods_by_id.iloc[:0]
    out = methods[["method_id", "in_use_from", "in_use_to", "validation_status"]].join(used)
    out = out.reset_index(drop=True).sort_values(["in_use_from", "method_id"]).reset_index(drop=True)
    out["previous_method"] = out["method_id"].shift(1).astype(object).where(out.index > 0, None)
    ch = d.method_changes
    ch = ch.loc[ch["attribute_id"] == attribute_id]
    by_target = ch.groupby("to_method")["change_id"].agg(lambda s: tuple(sorted(s)))
    out["change_ids"] = [by_target.get(m, ()) for m in out["method_id"]]
    return out[LINEAGE_COLUMNS]


@cached
def uncontrolled_change_rows(ctx: AuditContext) -> pd.DataFrame:
    """``method_changes`` rows lacking a rationale, an approver or an approval date.

    The rows, with a ``missing`` column listing the absent items in catalog order.
    """
    ch = ctx.dossier.method_changes
    missing = pd.DataFrame({
        "rationale": missing_text(ch["rationale"]),
        "approved_by": missing_text(ch["approved_by"]),
        "approved_date": ch["approved_date"].isna(),
    }, index=ch.index)
    bad = ch.loc[missing.any(axis=1)].copy()
    bad["missing"] = [[c for c in CONTROL_COLUMNS if missing.at[i, c]] for i in bad.index]
    return bad.sort_values(["attribute_id", "to_method", "change_id"])


def older_method(ctx: AuditContext, a: str, b: str) -> str:
    """Of two methods, the one introduced first (earlier ``in_use_from``; ties: ``a``)."""
    m = ctx.dossier.methods_by_id
    if a not in m.index or b not in m.index:
        return a
    return b if m.at[b, "in_use_from"] < m.at[a, "in_use_from"] else a
