"""Running the audit: every registered rule over one dossier, as of one date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from . import __version__
from .analysis.bridging_summary import bridging_block
from .analysis.coverage import attributes_block, joint_projected_failure_rate, joint_projection_details
from .analysis.manufacturing import manufacturing_block
from .config import Config
from .context import AuditContext
from .dossier import Dossier
from .rules import SEVERITIES, Finding, NotApplicable, all_rules
from .rules.base import SEVERITY_RANK


@dataclass
class AuditResult:
    context: AuditContext
    findings: list[Finding]
    not_applicable: list[NotApplicable]
    attributes: dict
    bridging: dict
    manufacturing: dict
    joint_projected_failure_rate: float | None
    joint_projection: dict = field(default_factory=dict)
    version: str = __version__

    @property
    def dossier(self) -> Dossier:
        return self.context.dossier

    @property
    def as_of(self) -> dt.date:
        return self.context.as_of

    def summary(self) -> dict[str, int]:
        counts = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    def worst(self) -> str | None:
        return min((f.severity for f in self.findings), key=SEVERITY_RANK.get, default=None)

    def fails(self, level: str) -> bool:
        """True when some finding is at or above ``level`` ('never' never fails)."""
        if level == "never":
            return False
        return any(SEVERITY_RANK[f.severity] <= SEVERITY_RANK[level] for f in self.findings)


def _finding_order(f: Finding):
    return (SEVERITY_RANK[f.severity], f.code, str(sorted(f.subjects.items(), key=lambda kv: kv[0])))


def run_audit(dossier: Dossier, *, as_of: dt.date, config: Config | None = None,
              progress: Callable[[str], None] | None = None) -> AuditResult:
    """Audit a valid dossier as of a date; the result holds findings and the JSON blocks."""
    ctx = AuditContext(dossier=dossier, as_of=as_of, config=config or Config())
    findings: list[Finding] = []
    not_applicable: list[NotApplicable] = []
    for code, rule in all_rules().items():
        if progress:
            progress(code)
        for item in rule.check(ctx):
            if isinstance(item, NotApplicable):
                not_applicable.append(item)
            else:
                findings.append(item)
    findings.sort(key=_finding_order)
    return AuditResult(
        context=ctx,
        findings=findings,
        not_applicable=not_applicable,
        attributes=attributes_block(ctx),
        bridging=bridging_block(ctx),
        manufacturing=manufacturing_block(ctx),
        joint_projected_failure_rate=joint_projected_failure_rate(ctx),
        joint_projection=joint_projection_details(ctx),
    )
