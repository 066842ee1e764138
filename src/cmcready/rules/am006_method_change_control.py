from __future__ import annotations

from typing import Iterator

import pandas as pd

from ..analysis.lineage import method_lineage, uncontrolled_change_rows
from ..context import AuditContext
from . import references as ref
from .base import Finding, rule
from .dates import old_method_due

MISSING_LABELS = {"rationale": "documented rationale", "approved_by": "approver", "approved_date": "approval date"}
FIX_LABELS = {"rationale": "document the rationale", "approved_by": "record who approved it",
              "approved_date": "record the approval date"}
WHY_TAIL = ("an analytical procedure change must be assessed, justified and approved under change control, with its "
            "effect on the specification evaluated (ICH Q14; ICH Q2(R2)).")


def _iso(ts) -> str | None:
    return None if pd.isna(ts) else pd.Timestamp(ts).date().isoformat()


def _unrecorded_changes(ctx: AuditContext, aid: str) -> Iterator[Finding]:
    lineage = method_lineage(ctx, aid)
    order = list(lineage["method_id"])
    for rec in lineage.iloc[1:].to_dict("records"):
        if rec["change_ids"]:
            continue
        mid, prev = rec["method_id"], rec["previous_method"]
        yield Finding(
            code="AM006",
            severity="major",
            title=f"Method change {prev} → {mid} for {aid} has no change-control record",
            subjects={"attribute_id": aid, "method_id": mid},
            evidence={
                "new_method": mid,
                "previous_method": prev,
                "method_order": order,
                "new_method_in_use_from": _iso(rec["in_use_from"]),
                "first_result_date": _iso(rec["first_result_date"]),
                "n_results": int(rec["n_results"]),
                "method_changes_row": False,
            },
            why=(f"Reportable {aid} results switch from {prev} to {mid} (first result {_iso(rec['first_result_date'])})"
                 f" with no method_changes row for the change: " + WHY_TAIL),
            references=(ref.ICH_Q14, ref.ICH_Q2R2),
            action=(f"Record the change from {prev} to {mid} for {aid} under change control (change date, "
                    "description, bridging study, rationale and approval), with an assessment of its effect on the "
                    "specification."),
            due_date=old_method_due(ctx, prev),
        )


def _uncontrolled_rows(ctx: AuditContext, aid: str) -> Iterator[Finding]:
    rows = uncontrolled_change_rows(ctx)
    rows = rows.loc[rows["attribute_id"] == aid]
    for mid, group in rows.groupby("to_method", sort=True):
        recs = group.sort_values("change_id").to_dict("records")
        first = recs[0]
        absent = [c for c in MISSING_LABELS if any(c in r["missing"] for r in recs)]
        ids = [r["change_id"] for r in recs]
        yield Finding(
            code="AM006",
            severity="major",
            title=f"Method change {first['change_id']} ({first['from_method']} → {mid}) has no "
                  + " and no ".join(MISSING_LABELS[a] for a in first["missing"]),
            subjects={"attribute_id": aid, "method_id": mid, "change_id": first["change_id"]},
            evidence={
                "new_method": mid,
                "changes": [{"change_id": r["change_id"], "from_method": r["from_method"],
                             "change_date": _iso(r["change_date"]), "missing": list(r["missing"])} for r in recs],
                "method_changes_row": True,
            },
            why=(f"Method change {', '.join(ids)} to {mid} for {aid} has no "
                 f"{' and no '.join(MISSING_LABELS[a] for a in absent)} on record: " + WHY_TAIL),
            references=(ref.ICH_Q14, ref.ICH_Q2R2),
            action=(f"Complete the change-control record of {', '.join(ids)}: "
                    + ", ".join(FIX_LABELS[a] for a in absent) + "."),
            due_date=old_method_due(ctx, first["from_method"]),
        )


@rule(code="AM006", title="Method change outside change control", family="assays", severity="major")
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    The methods used in an attribute's reportable results, ordered by `in_use_from`: each
    after the first needs a `method_changes` row of that attribute with it as `to_method`.
    Every `method_changes` row needs a rationale, `approved_by` and `approved_date`. One
    finding per attribute and new method (naming the change row when one exists).

    Why it matters
    --------------
    A change of analytical procedure affects how every later lot is judged against its
    specification; it must be assessed, justified and approved, and its effect on the
    specification evaluated, before results on the new procedure are reported (ICH Q14
    lifecycle management; ICH Q2(R2) revalidation after changes).

    How to fix
    ----------
    Record each method change under change control: from and to method, date, the bridging
    study that supports it, the documented rationale and the approval (who and when).

    References
    ----------
    - ICH Q14, Analytical Procedure Development (lifecycle management and changes).
    - ICH Q2(R2), Validation of Analytical Procedures (revalidation after changes).
    """
    d = ctx.dossier
    attrs = sorted(set(d.reportable_results["attribute_id"]) | set(d.method_changes["attribute_id"]))
    for aid in attrs:
        yield from _unrecorded_changes(ctx, aid)
        yield from _uncontrolled_rows(ctx, aid)
