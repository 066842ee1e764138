"""The report's figures and their fact tables, read from the audit result.

The numbers come from the JSON blocks (``result.attributes``, ``result.bridging``,
``result.manufacturing``) and from the shared analyses the rules used
(``lot_values``, ``bridge_fits``, ``convert``...), never from a second computation,
so a figure always shows what the JSON says. Every builder tolerates a missing block
or key (a sparse dossier gets fewer figures, never an error).
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.bridging import bridge_fits, convert
from ..analysis.specs import proposed_specs, reference_method
from ..analysis.timeline import commercial_process, pivotal_window
from ..analysis.values import converted_results, lot_values, unconvertible_methods
from ..audit import AuditResult
from . import figures
from . import formatting as fmt
from .figures import (Agreement, AttributeSeries, Bar, BridgingPlot, FitLine, Lane, LimitSegment, Mark,
                      SuccessRate, Timeline)

SEVERAL_METHODS = "several methods"


def _ts(x) -> pd.Timestamp | None:
    return None if fmt.is_missing(x) else pd.Timestamp(x)


def _opt(x) -> float | None:
    return None if fmt.is_missing(x) else float(x)


# ---------------------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------------------


def timeline(result: AuditResult) -> Timeline | None:
    ctx, d = result.context, result.dossier
    as_of = ctx.as_of_ts
    lanes: list[Lane] = []

    studies = d.studies.sort_values(["enrollment_start", "study_id"])
    for s in studies.to_dict("records"):
        start = _ts(s["enrollment_start"])
        if start is None:
            continue
        end, ongoing = _ts(s["enrollment_end"]), False
        if end is None:
            end, ongoing = max(as_of, start), True
        pivotal = bool(s["pivotal"])
        text = f"phase {s['phase']}" + (", pivotal" if pivotal else "") + (", enrolling" if ongoing else "")
        lanes.append(Lane("Studies", str(s["study_id"]), (Bar(start, end, text, "pivotal" if pivotal else "study",
                                                              ongoing),)))

    commercial = commercial_process(ctx)
    pv = d.process_versions.sort_values(["effective_date", "process_version"]).reset_index(drop=True)
    changes = d.process_changes.sort_values(["change_date", "change_id"])
    for i, v in enumerate(pv.to_dict("records")):
        start = _ts(v["effective_date"])
        if start is None:
            continue
        nxt = _ts(pv.loc[i + 1, "effective_date"]) if i + 1 < len(pv) else None
        end, ongoing = (nxt - pd.Timedelta(days=1), False) if nxt is not None else (max(as_of, start), True)
        version = str(v["process_version"])
        kind = "commercial" if version == commercial else "process"
        marks = tuple(Mark(pd.Timestamp(c["change_date"]), str(c["change_id"]), "process_change")
                      for c in changes.loc[changes["to_version"] == version].to_dict("records")
                      if _ts(c["change_date"]) is not None)
        text = version + (" (commercial)" if kind == "commercial" else "")
        lanes.append(Lane("Process", f"process {version}", (Bar(start, max(end, start), text, kind, ongoing),),
                          marks))

    mchanges = d.method_changes.sort_values(["change_date", "change_id"])
    methods = d.methods.sort_values(["attribute_id", "in_use_from", "method_id"])
    for m in methods.to_dict("records"):
        start = _ts(m["in_use_from"])
        if start is None:
            continue
        end, ongoing = _ts(m["in_use_to"]), False
        if end is None:
            end, ongoing = max(as_of, start), True
        marks = tuple(Mark(pd.Timestamp(c["change_date"]), str(c["change_id"]), "method_change")
                      for c in mchanges.loc[mchanges["to_method"] == m["method_id"]].to_dict("records")
                      if _ts(c["change_date"]) is not None)
        lanes.append(Lane("Methods", f"{m['attribute_id']}: {m['method_id']}",
                          (Bar(start, max(end, start), str(m["validation_status"]), "method", ongoing),), marks))

    if not lanes:
        return None
    w = pivotal_window(ctx)
    return Timeline(tuple(lanes), as_of, _ts(d.program.submission_target),
                    (w.start, w.end) if w is not None else None)


# ---------------------------------------------------------------------------------------
# Attributes
# ---------------------------------------------------------------------------------------


def scale_method(result: AuditResult, attribute_id: str) -> str | None:
    block = result.attributes.get(attribute_id) or {}
    return block.get("scale_method") or block.get("spec_method") or reference_method(result.context, attribute_id)


def _lot_methods(result: AuditResult, attribute_id: str, scale: str) -> pd.Series:
    """The method of each lot's convertible results ('several methods' when they differ)."""
    r = converted_results(result.context, attribute_id, scale)
    return lot_methods(r.loc[r["scaled"].notna()])


def lot_methods(r: pd.DataFrame) -> pd.Series:
    """Per lot_id of ``r`` (columns lot_id, method_id, test_date): the method of its earliest
    result (ties by method_id), or 'several methods' when its results use more than one."""
    if r.empty:
        return pd.Series([], dtype=object, index=pd.Index([], dtype=object, name="lot_id"), name="method_id")
    # Integer codes instead of sorting 10^5 strings: lots in any order, methods in id order
    # (the tie-break), test dates as int64 with a missing date last.
    lot_code, lots = pd.factorize(r["lot_id"])
    method_code, methods = pd.factorize(r["method_id"], sort=True)
    day = r["test_date"].to_numpy("datetime64[ns]").view("int64")
    day = np.where(r["test_date"].isna().to_numpy(), np.iinfo(np.int64).max, day)
    order = np.lexsort((method_code, day, lot_code))
    sorted_lots = lot_code[order]
    starts = np.flatnonzero(np.r_[True, sorted_lots[1:] != sorted_lots[:-1]])
    first = np.asarray(methods, dtype=object)[method_code[order][starts]]
    pairs = np.unique(lot_code.astype(np.int64) * len(methods) + method_code)
    n_methods = np.bincount(pairs // len(methods), minlength=len(lots))
    lot_ids = np.asarray(lots, dtype=object)[sorted_lots[starts]]
    several = n_methods[sorted_lots[starts]] > 1
    return pd.Series(np.where(several, SEVERAL_METHODS, first).astype(object),
                     index=pd.Index(lot_ids, dtype=object, name="lot_id"), name="method_id")


def _release_segments(result: AuditResult, attribute_id: str, scale: str) -> tuple[list[LimitSegment], list[str]]:
    ctx, d = result.context, result.dossier
    s = d.specifications
    rel = s.loc[(s["attribute_id"] == attribute_id) & (s["kind"] == "release")]
    segments, notes = [], []
    for rec in rel.sort_values(["effective_from", "method_id"]).to_dict("records"):
        lo, hi = _opt(rec["lower"]), _opt(rec["upper"])
        method = rec["method_id"]
        if method != scale:
            conv = convert(ctx, [np.nan if lo is None else lo, np.nan if hi is None else hi], method, scale)
            if conv is None:
                notes.append(f"Release limits on {method} ({fmt.limits(lo, hi)}) have no bridging path to "
                             f"{scale} and are not drawn.")
                continue
            notes.append(f"Release limits on {method} ({fmt.limits(lo, hi)}) are drawn converted to the "
                         f"{scale} scale along the audit's bridging path.")
            lo, hi = _opt(conv[0]), _opt(conv[1])
        segments.append(LimitSegment(_ts(rec["effective_from"]), _ts(rec["effective_to"]), lo, hi, method))
    return segments, notes


def attribute_section(result: AuditResult, attribute_id: str, key: str) -> dict[str, Any]:
    """The facts table, the values figure (or why there is none) and the notes of one attribute."""
    ctx, d = result.context, result.dossier
    attr = d.attributes_by_id.loc[attribute_id]
    block = result.attributes.get(attribute_id) or {}
    scale = scale_method(result, attribute_id)
    view: dict[str, Any] = {
        "id": attribute_id, "anchor": f"attribute-{key}", "name": attr["name"], "unit": attr["unit"],
        "category": attr["category"], "cqa": bool(attr["cqa"]), "limit_basis": attr["limit_basis"] or "clinical",
        "scale": scale, "facts": _attribute_facts(result, attribute_id, block), "svg": None, "notes": [],
    }
    if scale is None:
        view["notes"].append("No method measures this attribute; there is nothing to plot.")
        return view
    values = lot_values(ctx, attribute_id, scale)
    unconvertible = unconvertible_methods(ctx, attribute_id, scale)
    for method, lots in sorted(unconvertible.items()):
        view["notes"].append(f"{len(lots)} lot{'s' if len(lots) != 1 else ''} with results on {method} "
                             f"cannot be put on the {scale} scale (no bridging path) and are not shown.")
    if values.empty:
        view["notes"].append(f"No lot has a reportable result on the {scale} scale.")
        return view
    ranks = values["_lot"].to_numpy()
    rows = d.lot_table_rows[ranks]  # each lot's row in the lots table, by rank
    values, ranks, rows = values.loc[rows >= 0], ranks[rows >= 0], rows[rows >= 0]
    frame = pd.DataFrame({
        "lot_id": values["lot_id"].to_numpy(),
        "value": values["value"].to_numpy(float),
        "day": pd.to_datetime(d.lots["manufacture_date"].to_numpy()[rows]),
        "process_version": d.lots["process_version"].to_numpy()[rows],
        "administered": d.administered_flags[ranks],
    })
    frame = frame.loc[frame["day"].notna()]
    # Markers show the method only where lots are drawn one by one; monthly bands ignore it.
    frame = frame.assign(method=_lot_methods(result, attribute_id, scale).reindex(frame["lot_id"]).fillna(scale)
                         .to_numpy() if len(frame) <= figures.MAX_POINTS else None)
    release, notes = _release_segments(result, attribute_id, scale)
    view["notes"] += notes
    spec = proposed_specs(ctx).get(attribute_id)
    proposed_lower = block["proposed_lower"] if "proposed_lower" in block else (spec.lower if spec else None)
    proposed_upper = block["proposed_upper"] if "proposed_upper" in block else (spec.upper if spec else None)
    versions = tuple(d.process_versions.sort_values(["effective_date", "process_version"])["process_version"])
    series = AttributeSeries(
        title=f"{attribute_id}: {attr['name']}", unit=attr["unit"], scale_method=scale, lots=frame,
        versions=versions, proposed_lower=_opt(proposed_lower), proposed_upper=_opt(proposed_upper),
        clinical_min=_opt(block.get("clinical_min")), clinical_max=_opt(block.get("clinical_max")),
        approvable_lower=_opt(block.get("approvable_lower")), approvable_upper=_opt(block.get("approvable_upper")),
        release=tuple(release))
    view["svg"] = figures.attribute_figure(series, key=f"fa{key}")
    n_admin = int(frame["administered"].sum())
    summary = (f"monthly 5–95% bands and medians per process version ({len(frame):,} lots)"
               if len(frame) > figures.MAX_POINTS else f"{len(frame)} lots")
    n_censored = int(values["n_censored"].sum())
    view["caption"] = (f"Per-lot values on the {scale} scale (each reportable result converted, then averaged per "
                       f"lot): {summary}, {n_admin:,} administered."
                       + (f" {n_censored} censored results enter at their recorded value." if n_censored else ""))
    return view


def _attribute_facts(result: AuditResult, attribute_id: str, a: dict) -> list[dict[str, str]]:
    if not a:
        return []
    rows = [
        ("Spec method", a.get("spec_method") or "none in force"),
        ("Proposed commercial limits", fmt.limits(a.get("proposed_lower"), a.get("proposed_upper"))),
        ("Clinical experience (administered lots)",
         (fmt.limits(a.get("clinical_min"), a.get("clinical_max")) if a.get("clinical_min") is not None
          else "none on the spec scale") + f" ({fmt.num(a.get('clinical_n_lots'))} lots)"),
        ("Pivotal lots", fmt.limits(a.get("pivotal_min"), a.get("pivotal_max"))
         + (f" ({fmt.num(a['pivotal_n_lots'])} lots)" if a.get("pivotal_n_lots") is not None else "")),
    ]
    if "approvable_lower" in a or "approvable_upper" in a:
        rows.append(("Projected approvable range", fmt.limits(a.get("approvable_lower"), a.get("approvable_upper"))))
    rate = a.get("projected_oos_rate")
    if rate is not None:
        against = a.get("rate_against")
        rows.append(("Projected out-of-spec rate" + (f" against the {against}" if against else ""),
                     f"{fmt.pct(rate, 2)} (95% CI {fmt.pct_interval(a.get('projected_oos_ci'), 2)}), "
                     f"{a.get('model') or 'model not stated'} model"
                     + (f", {fmt.num(a['n_projection_lots'])} commercial-process lots"
                        if a.get("n_projection_lots") is not None else "")))
    elif a.get("not_estimable_reason"):
        rows.append(("Projected out-of-spec rate", f"not estimable: {a['not_estimable_reason']}"))
    if a.get("note"):
        rows.append(("Note", a["note"]))
    return [{"label": k, "value": v} for k, v in rows]


# ---------------------------------------------------------------------------------------
# Bridging
# ---------------------------------------------------------------------------------------


def _optional_stat(module: str, name: str):
    try:
        return getattr(importlib.import_module(f"cmcready.stats.{module}"), name)
    except (ImportError, AttributeError):
        return None


def agreement(old: np.ndarray, new: np.ndarray) -> Agreement | None:
    """The Bland–Altman analysis of ``cmcready.stats.bland_altman`` (None when that module is
    absent or cannot analyse these pairs)."""
    fn = _optional_stat("bland_altman", "bland_altman")
    if fn is None:
        return None
    try:
        ba = fn(x=old, y=new)
    except ValueError:
        return None
    return Agreement(np.asarray(ba.means, float), np.asarray(ba.differences, float), float(ba.bias),
                     float(ba.loa_lower), float(ba.loa_upper), bool(ba.percent))


def bridging_sections(result: AuditResult) -> list[dict[str, Any]]:
    ctx, d = result.context, result.dossier
    studies = d.bridging_studies.set_index("bridging_study_id", drop=False)
    passing_bablok = _optional_stat("passing_bablok", "passing_bablok")
    out = []
    for i, (sid, bf) in enumerate(sorted(bridge_fits(ctx).items())):
        block = result.bridging.get(sid) or {}
        old, new = bf.pairs["old"].to_numpy(float), bf.pairs["new"].to_numpy(float)
        lines = []
        if bf.fit is not None:
            lines.append(FitLine(f"Deming y = {fmt.num(bf.fit.intercept, 4)} + {fmt.num(bf.fit.slope, 4)}·x",
                                 bf.fit.intercept, bf.fit.slope, figures.PALETTE[5]))
        notes = []
        if passing_bablok is not None and len(old) >= 3:
            try:
                pb = passing_bablok(x=old, y=new)
                lines.append(FitLine(f"Passing–Bablok y = {fmt.num(pb.intercept, 4)} + {fmt.num(pb.slope, 4)}·x",
                                     float(pb.intercept), float(pb.slope), figures.PALETTE[2], (0, (5, 2))))
            except (ValueError, ArithmeticError) as exc:
                notes.append(f"Passing–Bablok line not drawn: {exc}")
        levels = block.get("old_value_at_limits") or {}
        decision = tuple((f"{name} limit", float(v)) for name, v in sorted(levels.items()) if not fmt.is_missing(v))
        svg = None
        if len(old):
            svg = figures.bridging_figure(BridgingPlot(
                old_method=bf.old_method, new_method=bf.new_method, old=old, new=new, lines=tuple(lines),
                agreement=agreement(old, new), decision_levels=decision), key=f"fb{i + 1}")
        if bf.reason:
            notes.append(f"No Deming fit: {bf.reason}.")
        if block.get("bias_note"):
            notes.append(f"Bias at the proposed limits not evaluated: {block['bias_note']}.")
        rec = studies.loc[sid] if sid in studies.index else None
        out.append({"id": sid, "anchor": f"bridging-{i + 1}", "attribute_id": bf.attribute_id,
                    "old_method": bf.old_method, "new_method": bf.new_method,
                    "facts": _bridging_facts(bf, block, rec), "svg": svg, "notes": notes})
    return out


def _bridging_facts(bf, block: dict, rec) -> list[dict[str, str]]:
    fit = bf.fit
    rows = [("Paired samples", fmt.num(block.get("n_pairs", bf.n_pairs))),
            ("Error ratio (old / new error variance)", fmt.num(block.get("error_ratio", bf.error_ratio)))]
    slope = block.get("slope", fit.slope if fit else None)
    if slope is not None:
        rows.append(("Deming slope (95% jackknife CI)",
                     f"{fmt.num(slope)} ({fmt.interval(block.get('slope_ci', fit.slope_ci if fit else None))})"))
        rows.append(("Deming intercept (95% jackknife CI)",
                     f"{fmt.num(block.get('intercept', fit.intercept if fit else None))} "
                     f"({fmt.interval(block.get('intercept_ci', fit.intercept_ci if fit else None))})"))
    bias = block.get("bias_at_limits") or {}
    cis = block.get("bias_ci_at_limits") or {}
    pcts = block.get("bias_pct_at_limits") or {}
    levels = block.get("old_value_at_limits") or {}
    for name in ("lower", "upper"):
        if bias.get(name) is None:
            continue
        text = f"{fmt.num(bias[name])} (95% CI {fmt.interval(cis.get(name))})"
        if pcts.get(name) is not None:
            text += f"; {fmt.num(pcts[name], 4)}% of the old-method value"
        if levels.get(name) is not None:
            text += f"; at old-method value {fmt.num(levels[name])}"
        rows.append((f"Bias (new − old) at the proposed {name} limit", text))
    if rec is not None:
        crit = []
        if not fmt.is_missing(rec.get("acceptance_max_bias")):
            crit.append(f"|bias| ≤ {fmt.num(rec['acceptance_max_bias'])} units")
        if not fmt.is_missing(rec.get("acceptance_max_bias_pct")):
            crit.append(f"|bias| ≤ {fmt.num(rec['acceptance_max_bias_pct'])}%")
        rows.append(("Pre-specified criterion", " and ".join(crit) if crit else "none"))
        rows.append(("Protocol approved", fmt.day(rec.get("protocol_date"))))
    if len(bf.pairs):
        first, last = bf.pairs["first_date"].min(), bf.pairs["last_date"].max()
        rows.append(("Paired tests", f"{fmt.day(first)} to {fmt.day(last)}"))
    return [{"label": k, "value": v} for k, v in rows]


# ---------------------------------------------------------------------------------------
# Manufacturing
# ---------------------------------------------------------------------------------------


def manufacturing_section(result: AuditResult) -> dict[str, Any] | None:
    block = result.manufacturing or {}
    if not block:
        return None
    ctx = result.context
    commercial = commercial_process(ctx)
    order = list(result.dossier.process_versions.sort_values(["effective_date", "process_version"])["process_version"])
    versions = [v for v in order if v in block] + sorted(set(block) - set(order))
    rates, rows = [], []
    for v in versions:
        b = block[v] or {}
        ci = b.get("ci")
        rates.append(SuccessRate(v, int(b.get("released") or 0), int(b.get("attempted") or 0),
                                 _opt(b.get("success_rate")), tuple(ci) if ci else None, v == commercial))
        rows.append({"version": v, "commercial": v == commercial, "attempted": fmt.num(b.get("attempted")),
                     "released": fmt.num(b.get("released")), "failed": fmt.num(b.get("failed_manufacture")),
                     "rejected": fmt.num(b.get("rejected")), "in_process": fmt.num(b.get("in_process")),
                     "rate": fmt.pct(b.get("success_rate")), "ci": fmt.pct_interval(ci)})
    thresholds = result.context.config.effective(result.dossier.program.modality).get("MS001", {})
    svg = figures.manufacturing_figure(rates, min_rate=thresholds.get("min_rate"),
                                       min_lower_bound=thresholds.get("min_lower_bound"), key="fm")
    return {"svg": svg, "rows": rows, "commercial": commercial}
