"""The dosing plan as a terminal table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _fmt(x) -> str:
    return "" if x is None else f"{x:.4g}"


def print_plan(console: Console, plan: dict) -> None:
    console.print(f"Dosing plan as of {plan['as_of']}")
    targets = plan.get("targets", [])
    if targets:
        t = Table(title="Gaps between clinical experience and proposed limits")
        for col in ("attribute", "limit", "proposed", "clinical extreme"):
            t.add_column(col)
        for g in targets:
            t.add_row(g["attribute_id"], g["limit"], _fmt(g.get("proposed")), _fmt(g.get("clinical_extreme")))
        console.print(t)
    for u in plan.get("not_targeted", []):
        console.print(f"{u['attribute_id']} (on {u['spec_method']}): not targeted, {u['reason']}.",
                      markup=False, highlight=False)
    if plan.get("note"):
        console.print(plan["note"])
    lots = plan.get("recommended_lots", [])
    if not lots:
        if not plan.get("note"):
            console.print("No available lot extends the clinical experience.")
        return
    t = Table(title="Recommended lots, in order")
    for col in ("#", "lot", "extends"):
        t.add_column(col, overflow="fold")
    for i, lot in enumerate(lots, 1):
        ext = "; ".join(f"{e['attribute_id']} {e['limit']} → {_fmt(e['value'])}" for e in lot["extends"])
        t.add_row(str(i), lot["lot_id"], ext)
    console.print(t)
