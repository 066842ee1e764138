from __future__ import annotations

from typing import Iterator

import numpy as np
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
    One row per release specification in force (several methods may each have one).

    Columns: lot_id, manufacture_date and the specification's attribute_id, method_id,
    lower, upper, effective_from, effective_to.
    """
    d = ctx.dossier
    ranks = d.lot_table_ranks
    dosed = d.administered_flags[ranks]
    lot_ids = d.lots["lot_id"].to_numpy(object)[dosed]
    made = d.lots["manufacture_date"].to_numpy()[dosed]
    lot_ranks = ranks[dosed]
    cqa = d.attributes.loc[d.attributes["cqa"].to_numpy(bool), "attribute_id"]
    specs = d.specifications
    specs = specs.loc[(specs["kind"] == "release") & specs["attribute_id"].isin(cqa),
                      ["attribute_id", "method_id", "lower", "upper", "effective_from", "effective_to"]]
    tested: dict[str, np.ndarray] = {}
    parts = []
    # One pass over the administered lots per release specification (a handful), instead
    # of a lots x specifications cross join.
    for spec in specs.to_dict("records"):
        aid = spec["attribute_id"]
        if aid not in tested:
            tested[aid] = d.rank_flags(d.results_of(attribute_id=aid)["_lot"])
        in_force = made >= spec["effective_from"].to_datetime64()
        if not pd.isna(spec["effective_to"]):
            in_force &= made <= spec["effective_to"].to_datetime64()
        hit = in_force & ~tested[aid][lot_ranks]
        if hit.any():
            parts.append(pd.DataFrame({"lot_id": lot_ids[hit], "manufacture_date": made[hit],
                                       **{k: [v] * int(hit.sum()) for k, v in spec.items()}}))
    if not parts:
        return pd.DataFrame(columns=["lot_id", "manufacture_date", *specs.columns])
    return pd.concat(parts, ignore_index=True)


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
    a = d.administrations
    adm = {lot: g for lot, g in a.loc[a["lot_id"].isin(missing["lot_id"].unique())].groupby("lot_id")}
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
