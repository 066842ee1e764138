from __future__ import annotations

from itertools import combinations
from typing import Iterator

from ..analysis.process_exposure import pivotal_exposure_by_version, pivotal_not_applicable_reason
from ..analysis.timeline import comparability_covers, pivotal_lots
from ..context import AuditContext
from . import references as ref
from .base import Finding, NotApplicable, rule


@rule(code="PR002", title="Pivotal lots from several process versions without comparability", family="process",
      severity="critical")
def check(ctx: AuditContext) -> Iterator[Finding | NotApplicable]:
    """
    What it checks
    --------------
    The process versions of the pivotal lots (lots administered in a study with
    `pivotal = true`). When there are several, every unordered pair of them needs a
    comparability study of those two versions (either order; a chain v1→v2→v3 does not
    cover the pair v1, v3). One finding for the program, listing the uncovered pairs.
    Not evaluated without a pivotal study or a pivotal administration.

    Why it matters
    --------------
    Pivotal patients treated with product of different processes can only be pooled as
    evidence for the licensed process when the versions were shown comparable, with
    acceptance criteria fixed in advance (ICH Q5E; FDA 2023 draft guidance on
    manufacturing changes and comparability for CGT products).

    How to fix
    ----------
    Run a comparability study for each uncovered pair of versions, with prospective
    acceptance criteria, using retained or new lots of both versions; discuss with FDA
    how the pivotal analysis will treat patients by process version.

    References
    ----------
    - ICH Q5E §2.4.
    - FDA draft guidance, Manufacturing Changes and Comparability for Human Cellular and
      Gene Therapy Products (July 2023).
    """
    reason = pivotal_not_applicable_reason(ctx)
    if reason:
        yield NotApplicable("PR002", reason)
        return
    lots = pivotal_lots(ctx)
    versions = sorted(set(lots["process_version"]))
    pairs = list(combinations(versions, 2))
    covered = {pair: comparability_covers(ctx, *pair) for pair in pairs}
    uncovered = [list(pair) for pair in pairs if not covered[pair]]
    if not uncovered:
        return
    exposure = pivotal_exposure_by_version(ctx)
    missing = "; ".join(f"{a} and {b}" for a, b in uncovered)
    yield Finding(
        code="PR002",
        severity="critical",
        title=f"Pivotal patients received {len(versions)} process versions; no comparability study of {missing}",
        subjects={"lot_ids": list(lots["lot_id"])},
        evidence={
            "versions": versions,
            "pivotal_lots_by_version": {v: int(exposure.at[v, "n_lots"]) for v in versions},
            "pivotal_patients_by_version": {v: int(exposure.at[v, "n_patients"]) for v in versions},
            "uncovered_pairs": uncovered,
            "covered_pairs": [{"versions": list(p), "comparability_study_ids": covered[p]} for p in pairs
                              if covered[p]],
        },
        why=(f"The pivotal data rest on lots of {', '.join(versions)}, and no comparability study shows "
             f"{missing} comparable, so the patients cannot be pooled as evidence for one licensed process "
             "(ICH Q5E; FDA 2023 draft CGT comparability guidance)."),
        references=(ref.ICH_Q5E, ref.FDA_CGT_COMPARABILITY),
        action=(f"Run a comparability study of {missing} with acceptance criteria fixed in advance, using "
                "retained or new lots of each version, and agree with FDA how the pivotal analysis will treat "
                "patients by process version."),
        due_date=None,
    )
