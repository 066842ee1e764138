"""The audit JSON's ``bridging`` block (filled in by the assay-governance work)."""

from __future__ import annotations

from ..context import AuditContext


def bridging_block(ctx: AuditContext) -> dict:
    return {}
