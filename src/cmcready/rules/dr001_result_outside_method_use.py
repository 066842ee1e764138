from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from ..context import AuditContext
from . import references as ref
from .base import Finding, rule

# The user's rows named in the evidence; the counts always cover every row.
MAX_ROWS_LISTED = 20


def _iso(day) -> str | None:
    return None if pd.isna(day) else pd.Timestamp(day).date().isoformat()


def results_outside_use(ctx: AuditContext) -> pd.DataFrame:
    """Every result row (reportable or not) dated outside its method's in_use_from..in_use_to,
    with ``before`` / ``after`` flags saying on which side."""
    d = ctx.dossier
    r = d.results
    m = d.methods_by_id
    # Each result's method row by position: no merge of the results table on text ids.
    pos = m.index.get_indexer(r["method_id"])
    known = pos >= 0
    pos = np.where(known, pos, 0)
    test = r["test_date"].to_numpy()
    start = m["in_use_from"].to_numpy()[pos]
    end = m["in_use_to"].to_numpy()[pos]
    before = known & (test < start)
    after = known & ~np.isnat(end) & (test > end)
    hit = before | after
    out = r.loc[hit, ["_row", "lot_id", "attribute_id", "method_id", "test_date", "reportable"]]
    return out.assign(in_use_from=start[hit], in_use_to=end[hit], before=before[hit], after=after[hit])


@rule(code="DR001", title="Result dated outside its method's in-use period", family="records", severity="minor")
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    Every result row, reportable or not, is dated within its method's in-use period
    (`in_use_from`..`in_use_to`, both days included; an empty `in_use_to` is open-ended).
    One finding per method with results dated before its `in_use_from` or after its
    `in_use_to`, naming the lots concerned and the results rows.

    Why it matters
    --------------
    The in-use period records which version of an analytical procedure produced which
    results. A result dated outside it is either a record error or a result from a
    procedure not in its validated lifecycle at the time; either way the reviewer cannot
    tell which procedure, validated to which state, produced it (ICH Q2(R2); ICH Q14
    lifecycle management of analytical procedures).

    How to fix
    ----------
    For each results row named: correct the test date or the method assignment if it
    was entered wrongly, or correct the method's `in_use_from`/`in_use_to`. If the
    method really was used outside its recorded period, document the procedure's
    validation state on those dates and the assessment of those results.

    References
    ----------
    - ICH Q2(R2), Validation of Analytical Procedures.
    - ICH Q14, Analytical Procedure Development (procedure lifecycle).
    """
    bad = results_outside_use(ctx)
    if bad.empty:
        return
    d = ctx.dossier
    total = d.results.groupby("method_id").size()
    for mid, g in bad.sort_values(["method_id", "test_date", "_row"]).groupby("method_id", sort=True):
        first = g.iloc[0]
        n = len(g)
        n_before, n_after = int(g["before"].sum()), int(g["after"].sum())
        rows = [int(x) for x in sorted(g["_row"])]
        lots = sorted(set(g["lot_id"]))
        period = f"{_iso(first['in_use_from'])} to {_iso(first['in_use_to']) or 'open-ended'}"
        sides = [f"{n_before} before {_iso(first['in_use_from'])}"] if n_before else []
        sides += [f"{n_after} after {_iso(first['in_use_to'])}"] if n_after else []
        listed = ", ".join(map(str, rows[:MAX_ROWS_LISTED])) + (" …" if n > MAX_ROWS_LISTED else "")
        yield Finding(
            code="DR001",
            severity="minor",
            title=f"{n} result{'s' if n != 1 else ''} of method {mid} dated outside its in-use period ({period})",
            subjects={"method_id": mid, "attribute_id": first["attribute_id"], "lot_ids": lots},
            evidence={
                "in_use_from": _iso(first["in_use_from"]),
                "in_use_to": _iso(first["in_use_to"]),
                "n_results_outside": n,
                "n_before_in_use_from": n_before,
                "n_after_in_use_to": n_after,
                "n_not_reportable": int((~g["reportable"].to_numpy(bool)).sum()),
                "n_results_of_method": int(total.get(mid, n)),
                "earliest_test_date": _iso(g["test_date"].min()),
                "latest_test_date": _iso(g["test_date"].max()),
                "results_rows": rows[:MAX_ROWS_LISTED],
                "results_rows_truncated": n > MAX_ROWS_LISTED,
            },
            why=(f"Method {mid} was in use from {period}, yet {' and '.join(sides)} of its results are dated "
                 "outside that period: either the record is wrong or the results come from a procedure outside "
                 "its validated lifecycle at the time (ICH Q2(R2); ICH Q14)."),
            references=(ref.ICH_Q2R2, ref.ICH_Q14),
            action=(f"Review the results rows {listed} of method {mid} (lots {', '.join(lots[:10])}"
                    f"{' …' if len(lots) > 10 else ''}): correct their test dates or method assignment, or the "
                    f"in-use period of {mid}; if {mid} was really used on those dates, document its validation "
                    "state then and the assessment of those results."),
            due_date=None,
        )
