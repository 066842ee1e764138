from __future__ import annotations

from typing import Iterator

from ..analysis.process_exposure import pivotal_not_applicable_reason
from ..analysis.timeline import pivotal_window
from ..context import AuditContext
from . import references as ref
from .base import Finding, NotApplicable, Threshold, rule
from .dates import pivotal_start_due


def _action(frm: str, to: str, start, missing: int, before_start: bool) -> str:
    if before_start:
        return (f"Manufacture and release at least {missing} more {to} lot(s) before {start.date().isoformat()}, "
                f"the start of pivotal enrollment, and complete the comparability study of {frm} and {to} before "
                "pivotal dosing.")
    return (f"Pivotal enrollment began on {start.date().isoformat()}: show {to}'s consistency from the lots made "
            f"since, and complete a comparability study of {frm} and {to} with acceptance criteria fixed in "
            "advance before the BLA.")


@rule(code="PR005", title="Process changed shortly before pivotal enrollment", family="process", severity="major",
      thresholds=[
          Threshold("max_days", 90, "a change this many days or fewer before the pivotal window opens is recent",
                    "days"),
          Threshold("min_released_lots", 3,
                    "released lots of the new version made before the window opens that show it is established",
                    "int"),
      ])
def check(ctx: AuditContext) -> Iterator[Finding | NotApplicable]:
    """
    What it checks
    --------------
    Every process change dated 1 to `max_days` days before the pivotal window opens
    (S, the earliest pivotal `enrollment_start`; a change on S itself is inside the window,
    see PR001), when fewer than `min_released_lots` lots of the change's `to_version`, of
    any purpose, with status `released`, were made before S. One finding per change. Not
    evaluated without a pivotal study or a pivotal administration.

    Why it matters
    --------------
    A process changed just before pivotal enrollment reaches patients before it has shown
    it can consistently make product, and its comparability with the earlier clinical
    process rests on few lots; changes late in development need the most comprehensive
    comparability exercise (ICH Q5E §2.4; FDA 2023 draft guidance on manufacturing changes
    and comparability for CGT products).

    How to fix
    ----------
    Make and release enough lots of the new version before the first pivotal patient
    (engineering or clinical lots both count), or move the change earlier; complete the
    comparability study of the two versions before pivotal dosing.

    References
    ----------
    - ICH Q5E §2.4.
    - FDA draft guidance, Manufacturing Changes and Comparability for Human Cellular and
      Gene Therapy Products (July 2023).
    """
    reason = pivotal_not_applicable_reason(ctx)
    if reason:
        yield NotApplicable("PR005", reason)
        return
    max_days = int(ctx.threshold("PR005", "max_days"))
    min_released = int(ctx.threshold("PR005", "min_released_lots"))
    start = pivotal_window(ctx).start
    d = ctx.dossier
    changes = d.process_changes.assign(days_before=(start - d.process_changes["change_date"]).dt.days)
    recent = changes.loc[(changes["days_before"] >= 1) & (changes["days_before"] <= max_days)]
    lots = d.lots
    released_before = lots.loc[(lots["status"] == "released") & (lots["manufacture_date"] < start)]
    for ch in recent.sort_values(["change_date", "change_id"]).to_dict("records"):
        cid, frm, to = ch["change_id"], ch["from_version"], ch["to_version"]
        made = sorted(released_before.loc[released_before["process_version"] == to, "lot_id"])
        if len(made) >= min_released:
            continue
        days = int(ch["days_before"])
        due = pivotal_start_due(ctx)
        yield Finding(
            code="PR005",
            severity="major",
            title=f"Process change {cid} ({frm} → {to}) took effect {days} days before pivotal enrollment",
            subjects={"change_id": cid, "process_version": to},
            evidence={
                "change_date": ch["change_date"].date().isoformat(),
                "from_version": frm,
                "to_version": to,
                "risk": ch["risk"],
                "pivotal_window_start": start.date().isoformat(),
                "days_before_window": days,
                "max_days": max_days,
                "released_lots_before_window": len(made),
                "released_lot_ids_before_window": made,
                "min_released_lots": min_released,
            },
            why=(f"{to} took effect {days} days before the first pivotal enrollment with only {len(made)} released "
                 f"lot(s) made before it, so pivotal patients receive a process not yet shown to be consistent "
                 "or comparable (ICH Q5E §2.4; FDA 2023 draft CGT comparability guidance)."),
            references=(ref.ICH_Q5E, ref.FDA_CGT_COMPARABILITY),
            action=_action(frm, to, start, min_released - len(made), due is not None),
            due_date=due,
        )
