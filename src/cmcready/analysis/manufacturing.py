"""Manufacturing success per process version (filled in by the process work)."""

from __future__ import annotations

from ..context import AuditContext


def manufacturing_block(ctx: AuditContext) -> dict:
    return {}
