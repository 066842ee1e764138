from __future__ import annotations

from typing import Iterator

import pandas as pd

from ..context import AuditContext
from . import references as ref
from .base import Finding, rule


def _iso(day) -> str | None:
    return None if pd.isna(day) else pd.Timestamp(day).date().isoformat()


def _num(v) -> float | None:
    return None if pd.isna(v) else float(v)


def missing_release_results(ctx: AuditContext) -> pd.DataFrame:
    """(administered lot, CQA) pairs where a release specification of the CQA was in force on
    the lot's manufacture date and the lot has no reportable result of the CQA on any method.
    One row per release specification in force (several methods may each have one)."""
    d = ctx.dossier
    lots = d.lots.loc[d.lots["lot_id"].isin(d.administered_lot_ids), ["lot_id", "manufacture_date"]]
    cqa = d.attributes.loc[d.attributes["cqa"].to_numpy(bool), "attribute_id"]
    specs = d.specifications
    specs = specs.loc[(specs["kind"] == "release") & specs["attribute_id"].isin(cqa),
                      ["attribute_id", "method_id", "lower", "upper", "effective_from", "effective_to"]]
    pairs = lots.merge(specs, how="cross")
    md = pairs["manufacture_date"]
    pairs = pairs.loc[(pairs["effective_from"] <= md) & (pairs["effective_to"].isna() | (pairs["effective_to"] >= md))]
    tested = d.administered_results[["lot_id", "attribute_id"]].drop_duplicates()
    pairs = pairs.merge(tested, on=["lot_id", "attribute_id"], how="left", indicator=True)
    return pairs.loc[pairs["_merge"] == "left_only"].drop(columns="_merge")


@rule(code="DR003", title="Administered lot without a reportable release result", family="records",
      severity="major")
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    Every administered lot has a reportable result for each CQA (`cqa = true`) that had a
    `release` specification in force on the lot's `manufacture_date`. A reportable
    result on any method of the attribute satisfies it. One finding per lot and
    attribute.

    Why it matters
    --------------
    Release testing against the specification is what shows that a lot was acceptable
    for its intended use (ICH Q6B); for potency, 21 CFR 610.10 requires tests designed
    to indicate the product's potency. A dosed lot with no reportable result for a released attribute
    cannot be shown to have met its specification, and the clinical experience for that
    attribute has a hole.

    How to fix
    ----------
    Find the missing result in the laboratory records and enter it as reportable (or mark
    the superseding valid result reportable). If the test was never done, open a
    deviation, assess the impact on the patients who received the lot, and test a
    retained sample where one exists.

    References
    ----------
    - ICH Q6B, Specifications.
    - 21 CFR 600.3(s) and 610.10 (potency tests), for potency attributes.
    """
    missing = missing_release_results(ctx)
    if missing.empty:
        return
    d = ctx.dossier
    attrs = d.attributes_by_id
    adm = {lot: g for lot, g in d.administrations.groupby("lot_id")}
    r = d.results
    non_reportable = r.loc[~r["reportable"].to_numpy(bool)].groupby(["lot_id", "attribute_id"]).size()
    for (lot, aid), g in missing.sort_values(["lot_id", "attribute_id", "method_id"]).groupby(
            ["lot_id", "attribute_id"], sort=True):
        name, category = attrs.at[aid, "name"], attrs.at[aid, "category"]
        made = g["manufacture_date"].iloc[0]
        lot_adm = adm[lot]
        studies = sorted(set(lot_adm["study_id"]))
        patients = sorted(set(lot_adm["patient_id"]))
        n_invalid = int(non_reportable.get((lot, aid), 0))
        specs = [{"method_id": r["method_id"], "lower": _num(r["lower"]), "upper": _num(r["upper"]),
                  "effective_from": _iso(r["effective_from"]), "effective_to": _iso(r["effective_to"])}
                 for r in g.to_dict("records")]
        methods = ", ".join(s["method_id"] for s in specs)
        potency = category == "potency"
        invalid_note = (f"; {n_invalid} non-reportable result{'s exist' if n_invalid != 1 else ' exists'}"
                        if n_invalid else "")
        yield Finding(
            code="DR003",
            severity="major",
            title=f"Administered lot {lot} has no reportable {name} result",
            subjects={"lot_ids": [lot], "attribute_id": aid},
            evidence={
                "manufacture_date": _iso(made),
                "category": category,
                "release_specifications_in_force": specs,
                "n_reportable_results": 0,
                "n_non_reportable_results": n_invalid,
                "study_ids": studies,
                "n_patients": len(patients),
                "pivotal": lot in d.pivotal_lot_ids,
            },
            why=(f"Lot {lot} was dosed to {len(patients)} patient{'s' if len(patients) != 1 else ''} without a "
                 f"reportable {name} result although a release specification ({methods}) was in force when it was "
                 "made, so its conformance to the specification cannot be shown (ICH Q6B"
                 f"{'; 21 CFR 610.10' if potency else ''})."),
            references=(ref.ICH_Q6B,) + ((ref.CFR_POTENCY,) if potency else ()),
            action=(f"Locate the {name} release result of lot {lot} (method {methods}) and record it as reportable"
                    f"{invalid_note}. If it was never tested, open a deviation for its administration in "
                    f"{', '.join(studies)}, assess the impact on those patients, and test a retained sample where "
                    "one exists."),
            due_date=None,
        )
