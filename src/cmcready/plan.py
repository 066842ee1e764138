"""The dosing plan: which available lots to dose next to extend clinical experience toward
the proposed commercial limits.

Targets are the gaps between each clinical-basis attribute's clinical experience range and
its proposed limits. Lots are chosen greedily: each step takes the available lot that closes
the largest total fraction of the remaining gaps (ties by lot_id), then updates the clinical
range as if that lot had been dosed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .analysis.coverage import all_experience
from .analysis.inventory import available_lots
from .analysis.values import lot_values
from .config import Config
from .context import AuditContext
from .dossier import Dossier

PATIENT_SPECIFIC_NOTE = (
    "This is a patient-specific product ({modality}): each lot belongs to one patient and cannot be "
    "reassigned, so no lot is recommended. Widen clinical experience within the proposed ranges through "
    "manufacture instead."
)


# Relative difference below which two lots' total fractions of the gaps closed are a tie.
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Target:
    attribute_id: str
    limit: str  # "lower" | "upper"
    proposed: float
    clinical_extreme: float
    spec_method: str
    proposed_lower: float | None
    proposed_upper: float | None

    @property
    def gap(self) -> float:
        return self.clinical_extreme - self.proposed if self.limit == "lower" else self.proposed - self.clinical_extreme


#: Comparisons of values with limits and extremes allow a relative 1e-9: per-lot values are
#: means, whose binary rounding must not make a tie in decimal a difference.
_SLACK = 1e-9


def plan_targets(ctx: AuditContext) -> list[Target]:
    """Every limit of a clinical-basis attribute's proposed specification that the clinical
    experience range falls short of, by attribute_id, lower before upper."""
    out = []
    for c in all_experience(ctx):
        s = c.spec
        if not c.clinical_basis or s is None or not c.has_clinical:
            continue
        for side, proposed, extreme in (("lower", s.lower, c.clinical_min), ("upper", s.upper, c.clinical_max)):
            if proposed is None:
                continue
            t = Target(c.attribute_id, side, proposed, extreme, s.method_id, s.lower, s.upper)
            if t.gap > _SLACK * max(abs(proposed), abs(extreme)):
                out.append(t)
    return out


def _candidate_values(ctx: AuditContext, lot_ids: list[str], targets: list[Target]) -> np.ndarray:
    """(lots × targets) values on each target's spec scale; NaN where a lot has none."""
    out = np.full((len(lot_ids), len(targets)), np.nan)
    for j, t in enumerate(targets):
        v = lot_values(ctx, t.attribute_id, t.spec_method).set_index("lot_id")["value"]
        out[:, j] = v.reindex(lot_ids).to_numpy(float)
    return out


def greedy_choice(values: np.ndarray, *, is_lower: np.ndarray, proposed: np.ndarray, extremes: np.ndarray,
                  within: np.ndarray, same_attribute: np.ndarray
                  ) -> tuple[list[tuple[int, np.ndarray, np.ndarray]], np.ndarray]:
    """The greedy plan over lots (rows, sorted by lot_id) and targets (columns).

    ``within[i, j]``: lot i's value lies within the proposed limits of target j's attribute.
    ``same_attribute[j, k]``: targets j and k are limits of the same attribute (dosing a lot
    moves both ends of that attribute's range). Returns, in the order chosen, (row, mask of
    the targets it extends, fraction of each remaining gap it closes), and the clinical
    extremes once every chosen lot is dosed.
    """
    cur = extremes.astype(float).copy()
    remaining = np.ones(values.shape[0], dtype=bool)
    chosen = []
    sign = np.where(is_lower, -1.0, 1.0)  # +: beyond the upper extreme, -: beyond the lower one
    with np.errstate(invalid="ignore", divide="ignore"):
        while remaining.any():
            gap = sign * (proposed - cur)
            beyond = sign * (values - cur)
            # "Strictly beyond", judged on decimal values: a mean of 0.1 and 0.2 is
            # 0.15000000000000002, and a lot at 0.15 does not extend it.
            beyond_slack = _SLACK * np.maximum(np.abs(values), np.abs(cur))
            gap_slack = _SLACK * np.maximum(np.abs(proposed), np.abs(cur))
            extends = within & (beyond > beyond_slack) & (gap > gap_slack) & remaining[:, None]
            frac = np.where(extends, beyond / np.where(gap > 0, gap, 1.0), 0.0)
            score = frac.sum(axis=1)
            top = float(score.max())
            if top <= 0:
                break
            # Fractions equal in exact arithmetic can differ in the last bits (34.2/34.3 computed two
            # ways): scores within TIE_TOLERANCE of the best are ties, and the smallest lot_id wins.
            best = int(np.flatnonzero(score >= top - TIE_TOLERANCE * max(1.0, top))[0])
            chosen.append((best, extends[best].copy(), frac[best].copy()))
            remaining[best] = False
            # As if dosed: every range the lot has a value for moves to include it.
            row = values[best]
            for j in range(len(cur)):
                vals = row[same_attribute[j]]
                vals = vals[~np.isnan(vals)]
                if vals.size:
                    cur[j] = min(cur[j], vals.min()) if is_lower[j] else max(cur[j], vals.max())
    return chosen, cur


def make_plan(dossier: Dossier, *, as_of: dt.date, config: Config | None = None,
              context: AuditContext | None = None) -> dict:
    """The Plan JSON of the contract (plus extra keys: gaps, fractions closed, counts, and the
    clinical-basis attributes with a proposed specification but no clinical range to extend).

    ``context`` may be an audit's context for the same dossier and date, so that the
    per-lot values it already computed are reused instead of recomputed.
    """
    if context is not None and context.dossier is dossier and context.as_of == as_of:
        ctx = context
    else:
        ctx = AuditContext(dossier=dossier, as_of=as_of, config=config or Config())
    targets = plan_targets(ctx)
    untargeted = [{"attribute_id": c.attribute_id, "spec_method": c.spec.method_id,
                   "reason": "no administered lot has a value on the spec scale: there is no clinical "
                             "experience range to extend (SP003 names the limits; SP004 says when values "
                             "cannot be put on the scale)"}
                  for c in all_experience(ctx) if c.clinical_basis and c.spec is not None and not c.has_clinical]
    plan: dict = {
        "as_of": as_of.isoformat(),
        "program_id": dossier.program.program_id,
        "modality": dossier.program.modality,
        "targets": [{"attribute_id": t.attribute_id, "limit": t.limit, "proposed": t.proposed,
                     "clinical_extreme": t.clinical_extreme, "gap": t.gap, "spec_method": t.spec_method}
                    for t in targets],
        "recommended_lots": [],
        "not_targeted": untargeted,
    }
    if dossier.program.patient_specific:
        plan["note"] = PATIENT_SPECIFIC_NOTE.format(modality=dossier.program.modality)
        return plan
    lot_ids = list(available_lots(ctx)["lot_id"])
    plan["n_available_lots"] = len(lot_ids)
    if not targets or not lot_ids:
        for entry in plan["targets"]:
            entry["remaining_gap"] = entry["gap"]
        return plan
    values = _candidate_values(ctx, lot_ids, targets)
    lo = np.array([np.nan if t.proposed_lower is None else t.proposed_lower for t in targets])
    hi = np.array([np.nan if t.proposed_upper is None else t.proposed_upper for t in targets])
    with np.errstate(invalid="ignore"):
        within = ~np.isnan(values) & (np.isnan(lo) | (values >= lo - _SLACK * np.abs(lo))) \
            & (np.isnan(hi) | (values <= hi + _SLACK * np.abs(hi)))
    attrs = np.array([t.attribute_id for t in targets], dtype=object)
    is_lower = np.array([t.limit == "lower" for t in targets])
    chosen, final = greedy_choice(
        values, is_lower=is_lower, proposed=np.array([t.proposed for t in targets]),
        extremes=np.array([t.clinical_extreme for t in targets]), within=within,
        same_attribute=attrs[:, None] == attrs[None, :],
    )
    for row, extends, frac in chosen:
        entry = {"lot_id": lot_ids[row], "extends": [], "fraction_of_gaps_closed": float(frac.sum())}
        for j in np.flatnonzero(extends):
            t = targets[j]
            entry["extends"].append({"attribute_id": t.attribute_id, "limit": t.limit,
                                     "value": float(values[row, j]), "fraction_closed": float(frac[j])})
        plan["recommended_lots"].append(entry)
    for entry, t, r in zip(plan["targets"], targets, final):
        entry["extreme_after_plan"] = float(r)
        entry["remaining_gap"] = float(r - t.proposed if t.limit == "lower" else t.proposed - r)
    return plan
