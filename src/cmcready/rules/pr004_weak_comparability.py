from __future__ import annotations

from typing import Iterator

from ..analysis.comparability import ComparabilityAssessment, CqaComparison, comparability_assessments
from ..context import AuditContext
from . import references as ref
from .base import Finding, Threshold, rule


def _day(ts) -> str | None:
    return None if ts is None else ts.date().isoformat()


def _range_evidence(c: CqaComparison) -> dict:
    eq = c.equivalence
    return {
        "category": c.category,
        "method_id": c.method_id,
        "n_pre_change_lots": len(c.pre),
        "n_post_change_lots": len(c.post),
        "pre_change_mean": c.mean,
        "pre_change_sd": c.sd,
        "lower": c.lower,
        "upper": c.upper,
        "lots_outside": [{"lot_id": v.lot_id, "value": v.value} for v in c.outside],
        "n_censored_pre_change": c.n_censored["pre"],
        "n_censored_post_change": c.n_censored["post"],
        "not_evaluated": c.not_evaluated,
        "equivalence_tost": None if eq is None else {
            "margin": eq.margin, "mean_difference": eq.mean_difference, "ci": list(eq.ci),
            "ci_level": eq.ci_level, "p_value": eq.p_value, "equivalent": eq.equivalent, "method": eq.method},
    }


def _problems(a: ComparabilityAssessment, min_lots: int) -> tuple[list[str], list[CqaComparison], bool]:
    failing = [c for c in a.cqas if c.fails]
    weak = len(a.pre_lot_ids) < min_lots or len(a.post_lot_ids) < min_lots
    problems = []
    if weak:
        problems.append(f"{len(a.pre_lot_ids)} pre-change and {len(a.post_lot_ids)} post-change lots "
                        f"(at least {min_lots} per arm expected)")
    for c in failing:
        problems.append(f"{len(c.outside)} post-change lot(s) outside the pre-change quality range of "
                        f"{c.attribute_id}")
    if a.protocol_missing:
        problems.append("no protocol date: acceptance criteria not shown to be fixed in advance")
    elif a.protocol_late:
        problems.append(f"protocol approved {_day(a.protocol_date)}, after the first post-change lot was tested "
                        f"({_day(a.first_post_test_date)})")
    return problems, failing, weak


def _action(a: ComparabilityAssessment, failing: list[CqaComparison], weak: bool, min_lots: int) -> str:
    steps = []
    if weak:
        steps.append(f"Add lots to {a.study_id} so that each arm has at least {min_lots} "
                     f"({a.from_version}: {len(a.pre_lot_ids)}, {a.to_version}: {len(a.post_lot_ids)})")
    for c in failing:
        steps.append(f"Investigate {', '.join(v.lot_id for v in c.outside)} outside the {c.attribute_id} quality "
                     f"range [{c.lower:.4g}, {c.upper:.4g}] and assess the impact of the change on "
                     f"{c.attribute_id}, with further characterisation or clinical data where analytical data "
                     "do not suffice")
    if a.protocol_late:
        steps.append(f"Document acceptance criteria for {a.study_id} fixed before any post-change lot is tested "
                     "(a new protocol and newly tested lots where the criteria were set after the data)")
    return " ".join(f"{step}." for step in steps)


@rule(code="PR004", title="Comparability study weak or failing", family="process",
      severity="major (critical if a potency CQA falls outside the quality range)",
      thresholds=[
          Threshold("min_lots", 3, "fewest lots expected in each arm of a comparability study", "int"),
          Threshold("k_sd", 3.0, "quality range half-width, in standard deviations of the pre-change lots",
                    "float"),
      ])
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    Each comparability study. Its arms are the listed lots made by its `from_version`
    (pre-change) and its `to_version` (post-change). It fires when:

    - either arm has fewer than `min_lots` lots; or
    - for a CQA, a post-change lot lies strictly outside the quality range, mean ±
      `k_sd` × SD (n − 1) of the pre-change lots, all on the spec method's scale (per-lot
      means of converted reportable results; at least 2 pre-change lots needed); or
    - the protocol was approved after the earliest test of a post-change lot, or has no date.

    One finding per study, naming the lots outside. Major; critical when a `potency` CQA
    falls outside. TOST equivalence of the means (margin 1.5 × pre-change SD) is given
    in the evidence as a second view; it does not trigger the rule.

    Why it matters
    --------------
    Comparability must be shown against acceptance criteria fixed before the data are
    seen, on enough lots to estimate process variability (ICH Q5E; FDA 2023 draft guidance
    on manufacturing changes and comparability for CGT products). The quality range and
    the equivalence margin are biosimilar statistical practice (Yang, Novick & Burdick
    2016), not a CGT requirement.

    How to fix
    ----------
    Add lots to the thin arm; investigate each lot outside the range and assess the
    change's impact on that CQA, with further characterisation or clinical data where
    analytical data do not suffice; fix acceptance criteria in a protocol before testing.

    References
    ----------
    - ICH Q5E §2.4.
    - FDA draft guidance, Manufacturing Changes and Comparability for Human Cellular and
      Gene Therapy Products (July 2023).
    - Quality range practice: Yang, Novick & Burdick, PDA J Pharm Sci Technol 2016
      (practice, not a CGT requirement).
    """
    min_lots = int(ctx.threshold("PR004", "min_lots"))
    k = float(ctx.threshold("PR004", "k_sd"))
    for sid, a in comparability_assessments(ctx).items():
        problems, failing, weak = _problems(a, min_lots)
        if not problems:
            continue
        critical = any(c.category == "potency" for c in failing)
        subjects = {"comparability_study_id": sid}
        if a.lots_outside:
            subjects["lot_ids"] = list(a.lots_outside)
        yield Finding(
            code="PR004",
            severity="critical" if critical else "major",
            title=f"Comparability study {sid} ({a.from_version} → {a.to_version}) is weak or fails",
            subjects=subjects,
            evidence={
                "from_version": a.from_version,
                "to_version": a.to_version,
                "pre_change_lot_ids": list(a.pre_lot_ids),
                "post_change_lot_ids": list(a.post_lot_ids),
                "other_lot_ids": list(a.other_lot_ids),
                "n_pre_change_lots": len(a.pre_lot_ids),
                "n_post_change_lots": len(a.post_lot_ids),
                "min_lots": min_lots,
                "too_few_lots": weak,
                "k_sd": k,
                "cqas_outside": [c.attribute_id for c in failing],
                "quality_ranges": {c.attribute_id: _range_evidence(c) for c in a.cqas},
                "protocol_date": _day(a.protocol_date),
                "first_post_change_test_date": _day(a.first_post_test_date),
                "protocol_missing": a.protocol_missing,
                "protocol_after_first_test": a.protocol_late,
                "problems": problems,
            },
            why=(f"{sid} does not demonstrate that {a.to_version} is comparable to {a.from_version}: "
                 + "; ".join(problems)
                 + ". Comparability needs enough lots and acceptance criteria fixed in advance (ICH Q5E; "
                   "FDA 2023 draft CGT comparability guidance); the quality range is biosimilar practice."),
            references=(ref.ICH_Q5E, ref.FDA_CGT_COMPARABILITY, ref.QUALITY_RANGE_PRACTICE),
            action=_action(a, failing, weak, min_lots),
            due_date=None,
        )
