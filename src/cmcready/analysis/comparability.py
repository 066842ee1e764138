"""Comparability studies: arms, per-CQA lot values, quality ranges and equivalence of means.

The quality range (mean ± k·SD of the pre-change lots, a post-change lot strictly outside
fails) is what PR004 judges; TOST equivalence of the arm means, with a margin of 1.5 × the
pre-change SD, is reported beside it as a second view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..context import AuditContext, cached
from ..stats.quality_range import quality_range
from ..stats.tost import tost_two_sample
from .specs import reference_method
from .values import lot_values

EQUIVALENCE_MARGIN_SD = 1.5
TOST_ALPHA = 0.05


@dataclass(frozen=True)
class LotValue:
    lot_id: str
    value: float
    n_censored: int


@dataclass(frozen=True)
class Equivalence:
    """TOST of mean(post) − mean(pre) against ± margin (the second view, not a rule trigger)."""

    margin: float
    mean_difference: float
    ci: tuple[float, float]
    ci_level: float
    p_value: float
    equivalent: bool
    method: str


@dataclass(frozen=True)
class CqaComparison:
    """One CQA of one comparability study, on the scale of its spec method."""

    attribute_id: str
    category: str
    method_id: str | None
    pre: tuple[LotValue, ...]
    post: tuple[LotValue, ...]
    k: float
    mean: float | None  # of the pre-change lots
    sd: float | None  # of the pre-change lots, n − 1
    lower: float | None  # mean − k·SD
    upper: float | None  # mean + k·SD
    outside: tuple[LotValue, ...]  # post-change lots strictly outside [lower, upper]
    equivalence: Equivalence | None
    not_evaluated: str | None  # why no quality range was judged

    @property
    def fails(self) -> bool:
        return bool(self.outside)

    @property
    def n_censored(self) -> dict[str, int]:
        return {"pre": sum(v.n_censored for v in self.pre), "post": sum(v.n_censored for v in self.post)}


@dataclass(frozen=True)
class ComparabilityAssessment:
    study_id: str
    from_version: str
    to_version: str
    pre_lot_ids: tuple[str, ...]
    post_lot_ids: tuple[str, ...]
    other_lot_ids: tuple[str, ...]  # listed in the study but made by neither version
    protocol_date: pd.Timestamp | None
    first_post_test_date: pd.Timestamp | None
    cqas: tuple[CqaComparison, ...]

    @property
    def protocol_missing(self) -> bool:
        return self.protocol_date is None

    @property
    def protocol_late(self) -> bool:
        """Approved after the first test of a post-change lot (an empty date counts as late)."""
        if self.protocol_date is None:
            return True
        return self.first_post_test_date is not None and self.protocol_date > self.first_post_test_date

    @property
    def lots_outside(self) -> tuple[str, ...]:
        return tuple(sorted({v.lot_id for c in self.cqas for v in c.outside}))


def _date(v) -> pd.Timestamp | None:
    return None if pd.isna(v) else pd.Timestamp(v)


def _lot_values(ctx: AuditContext, values: pd.DataFrame, lot_ids) -> tuple[LotValue, ...]:
    # lot_values rows are in lot id order already.
    arm = values.loc[ctx.dossier.lot_flags(lot_ids)[values["_lot"].to_numpy()]]
    return tuple(LotValue(str(r.lot_id), float(r.value), int(r.n_censored)) for r in arm.itertuples())


def _equivalence(pre: np.ndarray, post: np.ndarray, sd: float) -> Equivalence | None:
    if len(pre) < 2 or len(post) < 2 or not sd > 0:
        return None
    margin = EQUIVALENCE_MARGIN_SD * sd
    # Welch: a process change may change the lot-to-lot variability as well as the mean.
    try:
        t = tost_two_sample(x=pre, y=post, lower_margin=-margin, upper_margin=margin, alpha=TOST_ALPHA,
                            equal_var=False)
    except ValueError:  # a spread that overflows (values near 1e300): no equivalence view
        return None
    return Equivalence(margin, t.mean_difference, t.ci, t.ci_level, t.p_value, t.equivalent, t.method)


def compare_cqa(ctx: AuditContext, attribute: dict, pre_ids, post_ids, k: float) -> CqaComparison:
    aid = attribute["attribute_id"]
    method = reference_method(ctx, aid)
    if method is None:
        return CqaComparison(aid, attribute["category"], None, (), (), k, None, None, None, None, (), None,
                             "the attribute has no method")
    values = lot_values(ctx, aid, method)
    pre, post = _lot_values(ctx, values, pre_ids), _lot_values(ctx, values, post_ids)
    if len(pre) < 2:
        return CqaComparison(aid, attribute["category"], method, pre, post, k, None, None, None, None, (), None,
                             f"{len(pre)} pre-change lot(s) with a value on the {method} scale; "
                             "a quality range needs at least 2")
    qr = quality_range(reference=[v.value for v in pre], k=k)
    inside = qr.classify(values=[v.value for v in post]).inside
    outside = tuple(v for v, ok in zip(post, inside) if not ok)
    equivalence = _equivalence(np.array([v.value for v in pre]), np.array([v.value for v in post]), qr.sd)
    return CqaComparison(aid, attribute["category"], method, pre, post, k, qr.mean, qr.sd, qr.lower, qr.upper,
                         outside, equivalence, None)


@cached
def comparability_assessments(ctx: AuditContext) -> dict[str, ComparabilityAssessment]:
    """Every comparability study, by id (sorted), judged on every CQA."""
    d = ctx.dossier
    k = float(ctx.threshold("PR004", "k_sd"))
    cqas = d.attributes.loc[d.attributes["cqa"].to_numpy(bool)].sort_values("attribute_id").to_dict("records")
    listed = d.comparability_lots.merge(d.lots[["lot_id", "process_version"]], on="lot_id", how="left")
    reportable = d.reportable_results
    out = {}
    for study in d.comparability_studies.sort_values("comparability_study_id").to_dict("records"):
        sid = study["comparability_study_id"]
        lots = listed.loc[listed["comparability_study_id"] == sid]
        pre_ids = tuple(sorted(set(lots.loc[lots["process_version"] == study["from_version"], "lot_id"])))
        post_ids = tuple(sorted(set(lots.loc[lots["process_version"] == study["to_version"], "lot_id"])))
        other_ids = tuple(sorted(set(lots["lot_id"]) - set(pre_ids) - set(post_ids)))
        first_post_test = reportable.loc[d.lot_flags(post_ids)[reportable["_lot"].to_numpy()], "test_date"].min()
        out[sid] = ComparabilityAssessment(
            study_id=sid,
            from_version=study["from_version"],
            to_version=study["to_version"],
            pre_lot_ids=pre_ids,
            post_lot_ids=post_ids,
            other_lot_ids=other_ids,
            protocol_date=_date(study["protocol_date"]),
            first_post_test_date=_date(first_post_test),
            cqas=tuple(compare_cqa(ctx, a, pre_ids, post_ids, k) for a in cqas),
        )
    return out
