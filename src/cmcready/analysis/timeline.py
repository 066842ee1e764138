"""The program timeline: pivotal window, commercial process, versions of pivotal lots."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..context import AuditContext, cached


@dataclass(frozen=True)
class PivotalWindow:
    start: pd.Timestamp
    end: pd.Timestamp
    closed: bool  # every pivotal study has an enrollment_end

    def contains(self, day) -> bool:
        return self.start <= pd.Timestamp(day) <= self.end


@cached
def pivotal_window(ctx: AuditContext) -> PivotalWindow | None:
    """[S, E]: S the earliest pivotal enrollment_start; E the latest enrollment_end when all
    pivotal studies have one, else max(as-of, S). None without a pivotal study."""
    s = ctx.dossier.studies
    piv = s.loc[s["pivotal"].to_numpy(bool)]
    if piv.empty:
        return None
    start = piv["enrollment_start"].min()
    closed = bool(piv["enrollment_end"].notna().all())
    end = piv["enrollment_end"].max() if closed else max(ctx.as_of_ts, start)
    return PivotalWindow(start, end, closed)


@cached
def commercial_process(ctx: AuditContext) -> str | None:
    """The program's commercial_process_version, else the version with the latest effective_date."""
    p = ctx.dossier.program.commercial_process_version
    if p:
        return p
    pv = ctx.dossier.process_versions
    if pv.empty:
        return None
    return str(pv.sort_values("effective_date").iloc[-1]["process_version"])


@cached
def previous_process(ctx: AuditContext) -> str | None:
    """The from_version of the change leading to the commercial process, else the next-earlier version."""
    cp = commercial_process(ctx)
    ch = ctx.dossier.process_changes
    lead = ch.loc[ch["to_version"] == cp].sort_values(["change_date", "change_id"])
    if not lead.empty:
        return str(lead.iloc[-1]["from_version"])
    pv = ctx.dossier.process_versions.sort_values("effective_date")
    eff = pv.set_index("process_version")["effective_date"]
    if cp not in eff.index:
        return None
    earlier = pv.loc[pv["effective_date"] < eff[cp]]
    return None if earlier.empty else str(earlier.iloc[-1]["process_version"])


@cached
def pivotal_lots(ctx: AuditContext) -> pd.DataFrame:
    """Distinct pivotal lots with their process version (columns lot_id, process_version)."""
    d = ctx.dossier
    ids = sorted(d.pivotal_lot_ids)
    lots = d.lots_by_id.loc[ids, ["lot_id", "process_version"]] if ids else d.lots.iloc[:0][["lot_id", "process_version"]]
    return lots.reset_index(drop=True)


@cached
def has_pivotal_administration(ctx: AuditContext) -> bool:
    return pivotal_window(ctx) is not None and bool(ctx.dossier.pivotal_lot_ids)


def comparability_covers(ctx: AuditContext, a: str, b: str) -> list[str]:
    """Ids of comparability studies between versions a and b (either order)."""
    cs = ctx.dossier.comparability_studies
    m = ((cs["from_version"] == a) & (cs["to_version"] == b)) | ((cs["from_version"] == b) & (cs["to_version"] == a))
    return sorted(cs.loc[m, "comparability_study_id"])


@cached
def version_effective(ctx: AuditContext) -> pd.Series:
    pv = ctx.dossier.process_versions
    return pv.set_index("process_version")["effective_date"]


def version_in_effect(ctx: AuditContext, day) -> str | None:
    """The process version in effect on a date (latest effective_date on or before it)."""
    eff = version_effective(ctx).sort_values()
    eff = eff[eff <= pd.Timestamp(day)]
    return None if eff.empty else str(eff.index[-1])
