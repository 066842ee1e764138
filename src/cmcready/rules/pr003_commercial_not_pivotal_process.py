from __future__ import annotations

from typing import Iterator

from ..analysis.process_exposure import pivotal_exposure_by_version, pivotal_not_applicable_reason
from ..analysis.timeline import commercial_process, comparability_covers
from ..context import AuditContext
from . import references as ref
from .base import Finding, NotApplicable, rule


@rule(code="PR003", title="Commercial process is not the process of most pivotal lots", family="process",
      severity="critical without a comparability study between them; major with one")
def check(ctx: AuditContext) -> Iterator[Finding | NotApplicable]:
    """
    What it checks
    --------------
    Counts the distinct pivotal lots made by each process version and fires when the
    commercial process (`program.commercial_process_version`, else the latest version) is
    not among the versions with the highest count (a tie for the top counts as the top).
    Critical; major when a comparability study covers the commercial version and one of
    the top versions. Not evaluated without a pivotal study or a pivotal administration.

    Why it matters
    --------------
    The license describes the commercial process, but the clinical evidence comes mostly
    from another one: the application must show the two comparable, and a late change
    needs the most comprehensive exercise (ICH Q5E §2.4; FDA 2023 draft guidance on
    manufacturing changes and comparability for CGT products; 21 CFR 601.12).

    How to fix
    ----------
    License the process that made the pivotal lots, or demonstrate comparability of the
    commercial process with it in a study with prospective acceptance criteria, and
    agree with FDA whether clinical data on the commercial process are needed.

    References
    ----------
    - ICH Q5E §2.4.
    - FDA draft guidance, Manufacturing Changes and Comparability for Human Cellular and
      Gene Therapy Products (July 2023).
    - 21 CFR 601.12(a)(2).
    """
    reason = pivotal_not_applicable_reason(ctx)
    if reason:
        yield NotApplicable("PR003", reason)
        return
    cp = commercial_process(ctx)
    counts = pivotal_exposure_by_version(ctx)["n_lots"]
    top_count = int(counts.max())
    top = sorted(v for v, n in counts.items() if n == top_count)
    if cp in top:
        return
    bridging = {v: comparability_covers(ctx, cp, v) for v in top}
    studies = sorted({s for ids in bridging.values() for s in ids})
    top_text = " and ".join(top)
    cp_count = int(counts.get(cp, 0))
    yield Finding(
        code="PR003",
        severity="major" if studies else "critical",
        title=f"Commercial process {cp} made {cp_count} of {int(counts.sum())} pivotal lots; {top_text} made the most",
        subjects={"process_version": cp},
        evidence={
            "commercial_process": cp,
            "pivotal_lots_by_version": {str(v): int(n) for v, n in counts.items()},
            "commercial_pivotal_lots": cp_count,
            "top_versions": top,
            "top_pivotal_lots": top_count,
            "total_pivotal_lots": int(counts.sum()),
            "comparability_study_ids": studies,
        },
        why=(f"The license would describe {cp}, but most pivotal lots came from {top_text}"
             + (f"; comparability study {', '.join(studies)} links them, and must carry the clinical evidence "
                "over to the commercial process" if studies else ", and no comparability study links them")
             + " (ICH Q5E §2.4; FDA 2023 draft CGT comparability guidance; 21 CFR 601.12)."),
        references=(ref.ICH_Q5E, ref.FDA_CGT_COMPARABILITY, ref.CFR_601_12),
        action=(f"Either license {' or '.join(top)}, the process of most pivotal lots, or "
                + (f"confirm that comparability study {', '.join(studies)} of {cp} and {top_text} meets acceptance "
                   "criteria fixed in advance (see PR004)" if studies else
                   f"run a comparability study of {cp} against {top_text} with acceptance criteria fixed in advance")
                + f", and agree with FDA whether clinical data on {cp} are needed."),
        due_date=None,
    )
