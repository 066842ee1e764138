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


def _fmt(v: float | None) -> str:
    return "none" if v is None else f"{v:g}"


def out_of_release_spec(ctx: AuditContext) -> pd.DataFrame:
    """Reportable results of administered lots outside the release specification of their
    attribute and method in force on their test date (limits inclusive).

    A censored result fails only when every value it allows is outside: ``<x`` fails a lower
    limit L when x <= L and never an upper limit; ``>x`` fails an upper limit U when x >= U
    and never a lower limit. Columns ``below`` / ``above`` say which limit failed.
    """
    d = ctx.dossier
    r = d.administered_results[["_row", "lot_id", "attribute_id", "method_id", "value", "qualifier", "test_date"]]
    s = d.specifications
    s = s.loc[s["kind"] == "release", ["attribute_id", "method_id", "lower", "upper", "effective_from",
                                       "effective_to"]]
    j = r.merge(s, on=["attribute_id", "method_id"], how="inner")
    t = j["test_date"]
    j = j.loc[(j["effective_from"] <= t) & (j["effective_to"].isna() | (j["effective_to"] >= t))]
    value, q = j["value"].to_numpy(float), j["qualifier"]
    plain = q.isna().to_numpy(bool)
    less = (q == "<").to_numpy(bool)
    more = (q == ">").to_numpy(bool)
    lower, upper = j["lower"].to_numpy(float), j["upper"].to_numpy(float)
    # NaN limits compare False, so a one-sided specification never fails on its open side.
    with np.errstate(invalid="ignore"):
        below = (plain & (value < lower)) | (less & (value <= lower))
        above = (plain & (value > upper)) | (more & (value >= upper))
    return j.assign(below=below, above=above).loc[below | above]


@rule(code="DR004", title="Administered lot with a result outside its release specification", family="records",
      severity="major")
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    Each reportable result of an administered lot, on its own, against the `release`
    specification of the same attribute and method in force on the result's test date
    (limits inclusive: a value equal to a limit passes). A censored result fails only
    when every value it allows is outside: `<x` fails a lower limit L when x ≤ L (and
    never an upper limit); `>x` fails an upper limit U when x ≥ U (and never a lower
    limit). One finding per result.

    Why it matters
    --------------
    A lot whose release result lies outside the specification in force did not conform to
    the criteria that make it acceptable for its intended use (ICH Q6B); for potency, the
    criterion is the one on the potency test that 21 CFR 610.10 requires. Dosing it is either an
    undocumented out-of-specification release or a record error, and a reviewer will ask
    which, and what it means for the patients and the clinical data.

    How to fix
    ----------
    Confirm the result against the laboratory record. If it is a transcription error,
    correct it; if it was invalidated, mark it not reportable with the investigation
    reference. If it stands, document the out-of-specification investigation and the
    release decision, and assess the impact on the patients who received the lot.

    References
    ----------
    - ICH Q6B, Specifications.
    - 21 CFR 600.3(s) and 610.10 (potency tests), for potency attributes.
    """
    bad = out_of_release_spec(ctx)
    if bad.empty:
        return
    d = ctx.dossier
    attrs = d.attributes_by_id
    lots = d.lots_by_id
    adm = d.administrations
    adm = adm.loc[adm["lot_id"].isin(bad["lot_id"])]  # only the lots that fail: a handful, not every dose
    studies_of = adm.groupby("lot_id")["study_id"].agg(lambda s: sorted(set(s)))
    patients_of = adm.groupby("lot_id")["patient_id"].nunique()
    bad = bad.sort_values(["lot_id", "attribute_id", "method_id", "test_date", "_row"])
    for rec in bad.to_dict("records"):
        lot, aid, mid = rec["lot_id"], rec["attribute_id"], rec["method_id"]
        name, category = attrs.at[aid, "name"], attrs.at[aid, "category"]
        lower, upper = _num(rec["lower"]), _num(rec["upper"])
        limit = "lower" if rec["below"] else "upper"
        q = rec["qualifier"] or ""
        shown = f"{q}{rec['value']:g}"
        spec = f"{_fmt(lower)}–{_fmt(upper)}"
        studies = studies_of[lot]
        n_patients = int(patients_of[lot])
        potency = category == "potency"
        yield Finding(
            code="DR004",
            severity="major",
            title=f"Administered lot {lot}: {name} {shown} by {mid} on {_iso(rec['test_date'])} is outside the "
                  f"release specification ({spec})",
            subjects={"lot_ids": [lot], "attribute_id": aid, "method_id": mid},
            evidence={
                "value": float(rec["value"]),
                "qualifier": rec["qualifier"],
                "censored": bool(q),
                "test_date": _iso(rec["test_date"]),
                "results_row": int(rec["_row"]),
                "limit_failed": limit,
                "lower": lower,
                "upper": upper,
                "limits_inclusive": True,
                "specification_effective_from": _iso(rec["effective_from"]),
                "specification_effective_to": _iso(rec["effective_to"]),
                "lot_status": lots.at[lot, "status"],
                "release_date": _iso(lots.at[lot, "release_date"]),
                "study_ids": studies,
                "n_patients": n_patients,
                "pivotal": lot in d.pivotal_lot_ids,
            },
            why=(f"Lot {lot} was dosed to {n_patients} patient{'s' if n_patients != 1 else ''} although its {name} "
                 f"result {shown} lies {'below' if limit == 'lower' else 'above'} the {limit} release limit in force "
                 f"({_fmt(lower if limit == 'lower' else upper)}), so it did not conform to its specification "
                 f"(ICH Q6B{'; 21 CFR 610.10' if potency else ''})."),
            references=(ref.ICH_Q6B,) + ((ref.CFR_POTENCY,) if potency else ()),
            action=(f"Check results row {int(rec['_row'])} (lot {lot}, {name} by {mid}, tested "
                    f"{_iso(rec['test_date'])}) against the laboratory record: correct it if it is a record error, "
                    "mark it not reportable if it was invalidated; otherwise document the out-of-specification "
                    f"investigation and release decision and assess the impact on the patients in "
                    f"{', '.join(studies)}."),
            due_date=None,
        )
