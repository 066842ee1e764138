"""Specifications in force: the proposed commercial spec and the spec method of each attribute."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..context import AuditContext, cached


@dataclass(frozen=True)
class ProposedSpec:
    attribute_id: str
    method_id: str
    lower: float | None
    upper: float | None

    @property
    def two_sided(self) -> bool:
        return self.lower is not None and self.upper is not None


def _num(v) -> float | None:
    return None if pd.isna(v) else float(v)


@cached
def proposed_specs(ctx: AuditContext) -> dict[str, ProposedSpec]:
    """The proposed_commercial specification in force on the as-of date, by attribute."""
    s = ctx.dossier.specifications_in_force(ctx.as_of, kind="proposed_commercial")
    out = {}
    for rec in s.sort_values("effective_from").to_dict("records"):
        out[rec["attribute_id"]] = ProposedSpec(rec["attribute_id"], rec["method_id"], _num(rec["lower"]), _num(rec["upper"]))
    return out


def spec_method(ctx: AuditContext, attribute_id: str) -> str | None:
    spec = proposed_specs(ctx).get(attribute_id)
    return spec.method_id if spec else None


@cached
def reference_method(ctx: AuditContext, attribute_id: str) -> str | None:
    """The spec method; without a proposed spec, the method in use on the as-of date with the
    latest in_use_from (none in use: the one with the latest in_use_to)."""
    sm = spec_method(ctx, attribute_id)
    if sm is not None:
        return sm
    m = ctx.dossier.methods_of(attribute_id)
    if m.empty:
        return None
    day = ctx.as_of_ts
    in_use = m.loc[(m["in_use_from"] <= day) & (m["in_use_to"].isna() | (m["in_use_to"] >= day))]
    if not in_use.empty:
        return str(in_use.sort_values(["in_use_from", "method_id"]).iloc[-1]["method_id"])
    ended = m.loc[m["in_use_to"].notna()]
    if not ended.empty:
        return str(ended.sort_values(["in_use_to", "method_id"]).iloc[-1]["method_id"])
    return str(m.sort_values(["in_use_from", "method_id"]).iloc[-1]["method_id"])
