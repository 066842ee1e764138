"""Due dates as the catalog derives them from the record."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..analysis.timeline import pivotal_window
from ..context import AuditContext


def old_method_due(ctx: AuditContext, method_id: str | None) -> dt.date | None:
    """AM rules: the old method's in_use_to when it is on or after the as-of date."""
    if method_id is None or method_id not in ctx.dossier.methods_by_id.index:
        return None
    end = ctx.dossier.methods_by_id.at[method_id, "in_use_to"]
    if pd.isna(end) or end < ctx.as_of_ts:
        return None
    return end.date()


def pivotal_start_due(ctx: AuditContext) -> dt.date | None:
    """PR001, PR005, SP003: the pivotal window's start when it is after the as-of date."""
    w = pivotal_window(ctx)
    if w is None or w.start <= ctx.as_of_ts:
        return None
    return w.start.date()


def submission_due(ctx: AuditContext) -> dt.date | None:
    """Other SP rules: the program's submission_target."""
    return ctx.dossier.program.submission_target
