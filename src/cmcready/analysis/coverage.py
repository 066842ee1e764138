"""Clinical experience, approvable ranges and projections (filled in by the specification work)."""

from __future__ import annotations

from ..context import AuditContext


def attributes_block(ctx: AuditContext) -> dict:
    return {}


def joint_projected_failure_rate(ctx: AuditContext) -> float | None:
    return None
