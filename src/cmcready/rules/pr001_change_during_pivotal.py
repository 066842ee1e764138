from __future__ import annotations

from typing import Iterator

from ..analysis.process_exposure import pivotal_exposure_by_version, pivotal_not_applicable_reason
from ..analysis.timeline import comparability_covers, pivotal_window
from ..context import AuditContext
from . import references as ref
from .base import Finding, NotApplicable, rule
from .dates import pivotal_start_due


def change_comparability_studies(ctx: AuditContext, change: dict) -> list[str]:
    """The change's own comparability study and any study of the same two versions (either order)."""
    named = [change["comparability_study_id"]] if change["comparability_study_id"] else []
    return sorted(set(named) | set(comparability_covers(ctx, change["from_version"], change["to_version"])))


@rule(code="PR001", title="Process change inside the pivotal window", family="process",
      severity="critical when the change's risk is high or it has no comparability study; major otherwise")
def check(ctx: AuditContext) -> Iterator[Finding | NotApplicable]:
    """
    What it checks
    --------------
    Every process change whose `change_date` falls inside the pivotal window [S, E]
    (S the earliest pivotal `enrollment_start`; E the latest `enrollment_end`, or the
    as-of date while a pivotal study is still enrolling). Both ends are included: a change
    dated on the window's first day is inside it. One finding per change.

    Critical when the sponsor rated the change's risk `high`, or when no comparability
    study covers it (its `comparability_study_id`, or any study of the same two versions
    in either order); major otherwise. Not evaluated without a pivotal study or a pivotal
    administration.

    Why it matters
    --------------
    Approval rests on the pivotal study, so the process that made its lots is the process
    being licensed. A change during pivotal enrollment splits the clinical evidence across
    two processes; late changes need the most comprehensive comparability exercise, and
    analytical data alone may not suffice (ICH Q5E §2.4; FDA 2023 draft guidance on
    manufacturing changes and comparability for CGT products).

    How to fix
    ----------
    Lock the process before pivotal enrollment. For a change already made, run a
    comparability study of the two versions with acceptance criteria fixed in advance,
    and discuss with FDA whether the post-change patients support the license or
    clinical data on the new process are needed.

    References
    ----------
    - ICH Q5E §2.4 (comparability during development; late changes).
    - FDA draft guidance, Manufacturing Changes and Comparability for Human Cellular and
      Gene Therapy Products (July 2023).
    - 21 CFR 601.12(a)(2) (assess the effects of a change).
    """
    reason = pivotal_not_applicable_reason(ctx)
    if reason:
        yield NotApplicable("PR001", reason)
        return
    window = pivotal_window(ctx)
    changes = ctx.dossier.process_changes
    inside = changes.loc[(changes["change_date"] >= window.start) & (changes["change_date"] <= window.end)]
    exposure = pivotal_exposure_by_version(ctx)["n_lots"]
    for ch in inside.sort_values(["change_date", "change_id"]).to_dict("records"):
        studies = change_comparability_studies(ctx, ch)
        high_risk = ch["risk"] == "high"
        critical = high_risk or not studies
        frm, to, cid = ch["from_version"], ch["to_version"], ch["change_id"]
        if critical and not studies:
            basis = f"{'a high-risk' if high_risk else 'a'} change with no comparability study of {frm} and {to}"
        elif critical:
            basis = f"a high-risk change (comparability study {', '.join(studies)})"
        else:
            basis = f"a {ch['risk'] or 'not risk-rated'} change covered by comparability study {', '.join(studies)}"
        if studies:
            action = (f"Confirm that comparability study {', '.join(studies)} of {frm} and {to} has acceptance "
                      f"criteria fixed in advance and passes (see PR004); discuss with FDA whether the pivotal "
                      f"patients treated with {frm} and {to} lots can be pooled in support of the license.")
        else:
            action = (f"Run a comparability study of {frm} and {to} with acceptance criteria fixed in advance "
                      f"before more pivotal patients receive {to} lots, and discuss with FDA whether the pivotal "
                      f"data on {frm} support licensing {to} or clinical data on {to} are needed.")
        yield Finding(
            code="PR001",
            severity="critical" if critical else "major",
            title=f"Process change {cid} ({frm} → {to}) took effect during pivotal enrollment",
            subjects={"change_id": cid, "process_version": to},
            evidence={
                "change_date": ch["change_date"].date().isoformat(),
                "from_version": frm,
                "to_version": to,
                "unit_operation": ch["unit_operation"],
                "risk": ch["risk"],
                "comparability_study_ids": studies,
                "pivotal_window_start": window.start.date().isoformat(),
                "pivotal_window_end": window.end.date().isoformat(),
                "pivotal_window_closed": window.closed,
                "days_after_window_start": int((ch["change_date"] - window.start).days),
                "pivotal_lots_from_version": int(exposure.get(frm, 0)),
                "pivotal_lots_to_version": int(exposure.get(to, 0)),
            },
            why=(f"{cid} is {basis}, made while the pivotal study was enrolling: the licensed process must be "
                 "the one that made the pivotal lots, and a late change needs a comprehensive comparability "
                 "exercise (ICH Q5E §2.4; FDA 2023 draft CGT comparability guidance)."),
            references=(ref.ICH_Q5E, ref.FDA_CGT_COMPARABILITY, ref.CFR_601_12),
            action=action,
            due_date=pivotal_start_due(ctx),
        )
