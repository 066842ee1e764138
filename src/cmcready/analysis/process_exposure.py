"""Which process versions made the product each study's patients received."""

from __future__ import annotations

import pandas as pd

from ..context import AuditContext, cached

EXPOSURE_COLUMNS = ["study_id", "pivotal", "process_version", "n_lots", "n_patients", "n_administrations"]


@cached
def process_exposure(ctx: AuditContext) -> pd.DataFrame:
    """One row per (study, process version) of the administered lots.

    ``n_lots`` counts distinct lots, ``n_patients`` distinct patients who received at least
    one lot of that version in that study, ``n_administrations`` administration rows.
    Sorted by study_id, then process_version.
    """
    d = ctx.dossier
    adm = d.administrations.merge(d.lots[["lot_id", "process_version"]], on="lot_id", how="left")
    if adm.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c.startswith("n_") else object) for c in EXPOSURE_COLUMNS})
    g = adm.groupby(["study_id", "process_version"], sort=True)
    out = pd.DataFrame({
        "n_lots": g["lot_id"].nunique(),
        "n_patients": g["patient_id"].nunique(),
        "n_administrations": g.size(),
    }).reset_index()
    out["pivotal"] = out["study_id"].isin(d.pivotal_study_ids)
    return out[EXPOSURE_COLUMNS].astype({"n_lots": "int64", "n_patients": "int64", "n_administrations": "int64"})


@cached
def pivotal_exposure_by_version(ctx: AuditContext) -> pd.DataFrame:
    """Pivotal lots and patients per process version, across all pivotal studies.

    Indexed by process_version (sorted); columns n_lots (distinct pivotal lots) and
    n_patients (distinct pivotal patients who received a lot of that version).
    """
    d = ctx.dossier
    adm = d.administrations.loc[d.administrations["study_id"].isin(d.pivotal_study_ids)]
    adm = adm.merge(d.lots[["lot_id", "process_version"]], on="lot_id", how="left")
    g = adm.groupby("process_version", sort=True)
    return pd.DataFrame({"n_lots": g["lot_id"].nunique(), "n_patients": g["patient_id"].nunique()}).astype("int64")


def pivotal_not_applicable_reason(ctx: AuditContext) -> str | None:
    """Why the pivotal-study rules (PR001, PR002, PR003, PR005) cannot be judged, or None."""
    d = ctx.dossier
    if not d.pivotal_study_ids:
        return "no study is marked pivotal, so there is no pivotal window or pivotal lot to judge"
    if not d.pivotal_lot_ids:
        studies = ", ".join(sorted(d.pivotal_study_ids))
        return f"no lot has been administered in the pivotal study ({studies}) yet"
    return None
