from __future__ import annotations

from typing import Iterator

import pandas as pd

from ..context import AuditContext
from . import references as ref
from .base import Finding, rule

MISSING_LABELS = {"rationale": "documented rationale", "approved_by": "approver", "approved_date": "approval date"}
WHY_REFS = (ref.FDA_CGT_COMPARABILITY, ref.CFR_601_12, ref.ICH_Q5E)


def _missing_text(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("string").str.strip() == "")


def _version_findings(ctx: AuditContext) -> Iterator[Finding]:
    d = ctx.dossier
    versions = d.process_versions.sort_values(["effective_date", "process_version"])
    first = versions["process_version"].iloc[0] if len(versions) else None
    led_to = set(d.process_changes["to_version"])
    lots = d.lots.merge(versions[["process_version", "effective_date"]], on="process_version", how="left")
    early = lots.loc[lots["manufacture_date"] < lots["effective_date"]].sort_values("lot_id")
    early_by_version = dict(tuple(early.groupby("process_version")))
    for rec in versions.to_dict("records"):
        v = rec["process_version"]
        made_early = early_by_version.get(v, early.iloc[:0])
        no_change = v != first and v not in led_to
        if made_early.empty and not no_change:
            continue
        problems, steps, subjects = [], [], {"process_version": v}
        if len(made_early):
            subjects["lot_ids"] = list(made_early["lot_id"])
            problems.append(f"{len(made_early)} lot(s) made before {v} took effect on "
                            f"{rec['effective_date'].date().isoformat()}")
            steps.append(f"Correct the process version or manufacture date of {', '.join(made_early['lot_id'])}, "
                         f"or document under change control why they were made with {v} before its effective date")
        if no_change:
            problems.append(f"no process_changes row leads to {v}")
            steps.append(f"Record the change to {v} under change control (from version, change date, "
                         "description, risk, rationale and approval)")
        yield Finding(
            code="PR006",
            severity="major",
            title=f"Process version {v} is outside change control",
            subjects=subjects,
            evidence={
                "effective_date": rec["effective_date"].date().isoformat(),
                "lots_made_before_effective_date": [
                    {"lot_id": r["lot_id"], "manufacture_date": r["manufacture_date"].date().isoformat()}
                    for r in made_early.to_dict("records")],
                "first_version": first,
                "has_change_leading_to_it": v == first or v in led_to,
                "problems": problems,
            },
            why=(f"Process version {v}: {'; '.join(problems)}. Every process change must be assessed and "
                 "approved under change control before lots are made with it (21 CFR 601.12(a)(2); "
                 "FDA 2023 draft CGT comparability guidance)."),
            references=WHY_REFS,
            action=" ".join(f"{step}." for step in steps),
            due_date=None,
        )


def _change_row_findings(ctx: AuditContext) -> Iterator[Finding]:
    ch = ctx.dossier.process_changes
    missing = pd.DataFrame({
        "rationale": _missing_text(ch["rationale"]),
        "approved_by": _missing_text(ch["approved_by"]),
        "approved_date": ch["approved_date"].isna(),
    }, index=ch.index)
    bad = ch.loc[missing.any(axis=1)].sort_values(["change_date", "change_id"])
    for idx, rec in zip(bad.index, bad.to_dict("records")):
        absent = [c for c in missing.columns if missing.at[idx, c]]
        cid = rec["change_id"]
        yield Finding(
            code="PR006",
            severity="major",
            title=f"Process change {cid} ({rec['from_version']} → {rec['to_version']}) has no "
                  + " and no ".join(MISSING_LABELS[a] for a in absent),
            subjects={"change_id": cid},
            evidence={
                "from_version": rec["from_version"],
                "to_version": rec["to_version"],
                "change_date": rec["change_date"].date().isoformat(),
                "missing": absent,
            },
            why=(f"Change {cid} has no {' and no '.join(MISSING_LABELS[a] for a in absent)} on record: a process "
                 "change must be assessed, justified and approved under change control (21 CFR 601.12(a)(2); "
                 "FDA 2023 draft CGT comparability guidance)."),
            references=WHY_REFS,
            action=(f"Complete the change-control record of {cid}: "
                    + ", ".join({"rationale": "document the rationale", "approved_by": "record who approved it",
                                 "approved_date": "record the approval date"}[a] for a in absent) + "."),
            due_date=None,
        )


@rule(code="PR006", title="Process change outside change control", family="process", severity="major")
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    Three gaps in process change control:

    - a lot made before its process version's `effective_date`;
    - a process version with no `process_changes` row leading to it (`to_version`), the
      first version (earliest `effective_date`) excepted;
    - a `process_changes` row with no rationale, no `approved_by` or no `approved_date`.

    One finding per process version (the first two gaps, with the lots concerned) and one
    per change row (the third).

    Why it matters
    --------------
    Each manufacturing change must be assessed for its effect on the product and approved
    before it is implemented; a change outside change control cannot be shown to have been
    assessed (21 CFR 601.12(a)(2); FDA 2023 draft guidance on manufacturing changes and
    comparability for CGT products; ICH Q5E).

    How to fix
    ----------
    Record the missing change, its rationale and its approval; correct lot records whose
    process version or manufacture date is wrong, or document why a lot preceded its
    version's effective date.

    References
    ----------
    - 21 CFR 601.12(a)(2).
    - FDA draft guidance, Manufacturing Changes and Comparability for Human Cellular and
      Gene Therapy Products (July 2023).
    - ICH Q5E.
    """
    yield from _version_findings(ctx)
    yield from _change_row_findings(ctx)
