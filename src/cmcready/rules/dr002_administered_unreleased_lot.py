from __future__ import annotations

from typing import Iterator

import pandas as pd

from ..context import AuditContext
from . import references as ref
from .base import Finding, rule


def _iso(day) -> str | None:
    return None if pd.isna(day) else pd.Timestamp(day).date().isoformat()


def unreleased_administrations(ctx: AuditContext) -> pd.DataFrame:
    """Administrations of a lot not released, dated before its release_date, or of a released
    lot with no release_date; one row per administration with the flags that apply."""
    d = ctx.dossier
    a = d.administrations[["patient_id", "study_id", "lot_id", "administration_date"]]
    row = d.lot_table_rows[d.lot_ranks(a["lot_id"])]
    a = a.loc[row >= 0]
    row = row[row >= 0]
    lots = d.lots
    a = a.assign(**{c: lots[c].to_numpy()[row] for c in ("status", "release_date", "failure_reason")})
    not_released = (a["status"] != "released").to_numpy(bool)
    before_release = (a["release_date"].notna() & (a["administration_date"] < a["release_date"])).to_numpy(bool)
    no_release_date = ((a["status"] == "released") & a["release_date"].isna()).to_numpy(bool)
    a = a.assign(not_released=not_released, before_release=before_release, no_release_date=no_release_date)
    return a.loc[not_released | before_release | no_release_date]


@rule(code="DR002", title="Lot administered before release or without release", family="records",
      severity="major")
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    Every administration is of a lot with status `released`, dated on or after the lot's
    `release_date`. It fires for a lot administered while `rejected`,
    `failed_manufacture` or `in_process`, administered before its `release_date`, or
    released with no `release_date` recorded. One finding per lot; the study is the one of
    the lot's first such administration, and the evidence lists them all.

    Why it matters
    --------------
    A patient who received a lot before its release decision, or a lot that failed
    release, received product not shown to conform to its specification, the criteria
    that make a lot acceptable for its intended use (ICH Q6B). The clinical data from
    that patient rest on product of unassured quality, and a reviewer will ask how it
    happened and what it means for the study.

    How to fix
    ----------
    Check the lot record first: a wrong status or release date is corrected at the
    source. Otherwise treat the administration as a deviation: investigate it, assess
    the impact on the patients and on the study analysis, and record the corrective
    actions.

    References
    ----------
    - ICH Q6B, Specifications (a specification defines the criteria to which a product
      should conform to be considered acceptable for its intended use).
    """
    bad = unreleased_administrations(ctx)
    if bad.empty:
        return
    bad = bad.sort_values(["lot_id", "administration_date", "study_id", "patient_id"])
    for lot, g in bad.groupby("lot_id", sort=True):
        first = g.iloc[0]
        status, release = first["status"], first["release_date"]
        reasons = []
        if g["not_released"].any():
            reasons.append(f"status {status}")
        if g["before_release"].any():
            reasons.append(f"administered before its release_date {_iso(release)}")
        if g["no_release_date"].any():
            reasons.append("released with no release_date recorded")
        early = g.loc[g["before_release"].to_numpy(bool)]
        days_early = int((release - early["administration_date"].min()).days) if len(early) else None
        studies = sorted(set(g["study_id"]))
        patients = sorted(set(g["patient_id"]))
        n = len(g)
        yield Finding(
            code="DR002",
            severity="major",
            title=f"Lot {lot} was administered {'; '.join(reasons)}",
            subjects={"lot_ids": [lot], "study_id": first["study_id"]},
            evidence={
                "status": status,
                "release_date": _iso(release),
                "failure_reason": first["failure_reason"],
                "reasons": reasons,
                "n_administrations": n,
                "patient_ids": patients,
                "study_ids": studies,
                "first_administration_date": _iso(g["administration_date"].min()),
                "last_administration_date": _iso(g["administration_date"].max()),
                "n_before_release_date": int(len(early)),
                "max_days_before_release": days_early,
                "pivotal": bool(set(studies) & ctx.dossier.pivotal_study_ids),
            },
            why=(f"{len(patients)} patient{'s' if len(patients) != 1 else ''} in {', '.join(studies)} received lot "
                 f"{lot} ({'; '.join(reasons)}), that is, product not shown to conform to its release "
                 "specification when dosed (ICH Q6B)."),
            references=(ref.ICH_Q6B,),
            action=(f"Verify the status and release_date of lot {lot}; if the record is right, open a deviation for "
                    f"its {n} administration{'s' if n != 1 else ''} (patients {', '.join(patients)}), assess the "
                    f"impact on those patients and on the analysis of {', '.join(studies)}, and record the "
                    "corrective actions."),
            due_date=None,
        )
