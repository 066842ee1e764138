"""What the report's text sections say, read from an audit result: the verdict, the
findings by pattern, the dosing plan, and the method and reproducibility statement.

Each builder returns plain dicts and lists for the template; the template escapes
every string (user text included), so nothing here is HTML.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..audit import AuditResult
from ..rules import SEVERITIES, all_rules
from ..rules.base import SEVERITY_RANK
from . import formatting as fmt

#: The three CRL patterns of the catalog, and the record-keeping that supports them.
PATTERNS = (
    ("assays", "Assay changes and bridging", ("assays",)),
    ("process", "Process lock and manufacturing", ("process", "manufacturing")),
    ("specifications", "Specifications and clinical coverage", ("specifications",)),
    ("records", "Records and potency", ("records", "potency")),
)
OTHER_PATTERN = ("other", "Other findings", ())

#: Findings of one code shown in full; the rest of that code go in a compact table.
MAX_DETAILED_PER_CODE = 25
#: Rows of the compact table per code; beyond it the JSON holds the rest.
MAX_COMPACT_PER_CODE = 200
MAX_LOTS_SHOWN = 12
MAX_PLAN_LOTS = 200

SUBJECT_LABELS = {
    "attribute_id": "Attribute",
    "method_id": "Method",
    "study_id": "Study",
    "process_version": "Process version",
    "change_id": "Change",
    "bridging_study_id": "Bridging study",
    "comparability_study_id": "Comparability study",
    "lot_ids": "Lots",
}


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def verdict(summary: dict[str, int]) -> dict[str, str]:
    """One sentence a reader can take into a meeting, and its level (for colour)."""
    c, M, m, i = (summary.get(s, 0) for s in SEVERITIES)
    if c:
        tail = f" and {M} major" if M else ""
        return {"level": "critical", "sentence": f"Not ready: {plural(c, 'critical finding')}{tail}"}
    if M:
        return {"level": "major", "sentence": f"Not ready as it stands: {plural(M, 'major finding')} to resolve, "
                                              "none critical"}
    if m or i:
        return {"level": "minor", "sentence": f"Ready, with {plural(m + i, 'minor or informational finding')} "
                                              "to address"}
    return {"level": "ready", "sentence": "Ready: no findings on this record"}


def _families() -> dict[str, str]:
    return {code: r.family for code, r in all_rules().items()}


def pattern_of(code: str, families: dict[str, str]) -> str:
    family = families.get(code)
    for key, _title, fams in PATTERNS:
        if family in fams:
            return key
    return OTHER_PATTERN[0]


def pattern_counts(result: AuditResult) -> list[dict[str, Any]]:
    """Findings by pattern and severity (every pattern listed, zeros included)."""
    families = _families()
    counts = Counter((pattern_of(f.code, families), f.severity) for f in result.findings)
    rows = []
    for key, title, _ in PATTERNS + (OTHER_PATTERN,):
        row = {s: counts.get((key, s), 0) for s in SEVERITIES}
        if key == OTHER_PATTERN[0] and not any(row.values()):
            continue
        rows.append({"key": key, "title": title, "counts": row, "total": sum(row.values())})
    return rows


def _subjects(subjects: dict[str, Any], attribute_names: dict[str, str]) -> tuple[list[dict], dict | None]:
    rows = []
    for key, value in subjects.items():
        if value is None or key == "lot_ids":
            continue
        text = str(value)
        if key == "attribute_id" and attribute_names.get(text):
            text = f"{text} ({attribute_names[text]})"
        rows.append({"label": SUBJECT_LABELS.get(key, fmt.label(key)), "value": text})
    lots = None
    lot_ids = subjects.get("lot_ids")
    if lot_ids:
        lot_ids = list(lot_ids)
        lots = {"shown": lot_ids[:MAX_LOTS_SHOWN], "more": max(len(lot_ids) - MAX_LOTS_SHOWN, 0),
                "n": len(lot_ids)}
    return rows, lots


#: Evidence lines above which a finding may break across printed pages.
LONG_EVIDENCE = 28


def finding_view(f, anchor: str, attribute_names: dict[str, str]) -> dict[str, Any]:
    subjects, lots = _subjects(f.subjects, attribute_names)
    evidence = list(fmt.evidence_items(f.evidence or {}))
    lines = sum(len(e["rows"]) + 2 if e["kind"] == "table" else 1 for e in evidence)
    return {
        "anchor": anchor,
        "code": f.code,
        "severity": f.severity,
        "title": f.title,
        "subjects": subjects,
        "lots": lots,
        "evidence": evidence,
        "long": lines > LONG_EVIDENCE,
        "why": f.why,
        "references": list(f.references),
        "action": f.action,
        "due_date": fmt.day(f.due_date) if f.due_date else None,
    }


def compact_view(f, anchor: str) -> dict[str, Any]:
    parts = [f"{SUBJECT_LABELS.get(k, k)} {v}" for k, v in f.subjects.items() if v is not None and k != "lot_ids"]
    lot_ids = list(f.subjects.get("lot_ids") or [])
    if lot_ids:
        parts.append("lots " + ", ".join(lot_ids[:3]) + (f" … ({len(lot_ids)})" if len(lot_ids) > 3 else ""))
    return {"anchor": anchor, "code": f.code, "severity": f.severity, "title": f.title,
            "subjects": "; ".join(parts), "due_date": fmt.day(f.due_date) if f.due_date else None}


def finding_anchor(index: int) -> str:
    return f"finding-{index + 1}"


def findings_by_pattern(result: AuditResult) -> list[dict[str, Any]]:
    """Findings grouped by pattern (catalog order), most severe first; within one code the
    first :data:`MAX_DETAILED_PER_CODE` in full, the rest as compact rows."""
    families = _families()
    d = result.dossier
    names = dict(zip(d.attributes["attribute_id"], d.attributes["name"])) if len(d.attributes) else {}
    indexed = list(enumerate(result.findings))
    groups = []
    for key, title, _ in PATTERNS + (OTHER_PATTERN,):
        members = [(i, f) for i, f in indexed if pattern_of(f.code, families) == key]
        if not members and key == OTHER_PATTERN[0]:
            continue
        members.sort(key=lambda t: (SEVERITY_RANK[t[1].severity], t[1].code, t[0]))
        detailed, compact, omitted = [], [], Counter()
        seen = Counter()
        for i, f in members:
            seen[f.code] += 1
            if seen[f.code] <= MAX_DETAILED_PER_CODE:
                detailed.append(finding_view(f, finding_anchor(i), names))
            elif seen[f.code] <= MAX_DETAILED_PER_CODE + MAX_COMPACT_PER_CODE:
                compact.append(compact_view(f, finding_anchor(i)))
            else:
                omitted[f.code] += 1
        counts = Counter(f.severity for _, f in members)
        groups.append({
            "key": key, "title": title, "n": len(members),
            "counts": [{"severity": s, "n": counts[s]} for s in SEVERITIES if counts[s]],
            "findings": detailed, "compact": compact,
            "omitted": [{"code": c, "n": n} for c, n in sorted(omitted.items())],
        })
    return groups


def findings_about(result: AuditResult, key: str, value: str, shown: set[str]) -> list[dict[str, Any]]:
    """Links to the findings whose subjects name ``value`` under ``key``: one per code and
    severity, with their number, to the first of them the report shows (``shown`` holds the
    anchors rendered), else to their pattern's heading."""
    families = _families()
    links: dict[tuple[str, str], dict[str, Any]] = {}
    for i, f in enumerate(result.findings):
        if f.subjects.get(key) != value:
            continue
        link = links.setdefault((f.code, f.severity), {"anchor": None, "code": f.code, "severity": f.severity,
                                                       "n": 0, "pattern": pattern_of(f.code, families)})
        link["n"] += 1
        if link["anchor"] is None and finding_anchor(i) in shown:
            link["anchor"] = finding_anchor(i)
    for link in links.values():
        link["anchor"] = link["anchor"] or f"pattern-{link.pop('pattern')}"
        link.pop("pattern", None)
    return sorted(links.values(), key=lambda link: (SEVERITY_RANK[link["severity"]], link["code"]))


def shown_anchors(groups: list[dict[str, Any]]) -> set[str]:
    """The anchors of the findings :func:`findings_by_pattern` renders (in full or compact)."""
    return {f["anchor"] for g in groups for f in g["findings"] + g["compact"]}


# ---------------------------------------------------------------------------------------
# Dosing plan
# ---------------------------------------------------------------------------------------


def plan_view(plan: dict | None, attribute_names: dict[str, str]) -> dict[str, Any] | None:
    if plan is None:
        return None
    targets = []
    for t in plan.get("targets") or []:
        proposed, extreme = t.get("proposed"), t.get("clinical_extreme")
        gap = None if fmt.is_missing(proposed) or fmt.is_missing(extreme) else abs(float(proposed) - float(extreme))
        aid = t.get("attribute_id")
        targets.append({"attribute": _named(aid, attribute_names), "limit": t.get("limit"),
                        "proposed": fmt.num(proposed), "clinical_extreme": fmt.num(extreme), "gap": fmt.num(gap)})
    lots = []
    recommended = plan.get("recommended_lots") or []
    for order, rec in enumerate(recommended[:MAX_PLAN_LOTS], start=1):
        extends = [f"{e.get('attribute_id')} {e.get('limit')}: {fmt.num(e.get('value'))}"
                   for e in rec.get("extends") or []]
        lots.append({"order": order, "lot_id": rec.get("lot_id"), "extends": extends})
    return {"as_of": plan.get("as_of"), "targets": targets, "lots": lots,
            "more_lots": max(len(recommended) - MAX_PLAN_LOTS, 0), "note": plan.get("note")}


def _named(aid: Any, names: dict[str, str]) -> str:
    return f"{aid} ({names[aid]})" if aid in names and names[aid] else str(aid)


# ---------------------------------------------------------------------------------------
# Method and reproducibility
# ---------------------------------------------------------------------------------------


def _threshold_value(value: Any, kind: str) -> str:
    if kind == "fraction":
        share = f"{100 * float(value):.2f}".rstrip("0").rstrip(".")
        return f"{fmt.num(value)} ({share}%)"
    if kind == "days":
        return f"{fmt.num(value)} days"
    return fmt.num(value)


def thresholds_view(result: AuditResult) -> list[dict[str, Any]]:
    """Every threshold in force (modality overrides applied), with its default."""
    rules = all_rules()
    effective = result.context.config.effective(result.dossier.program.modality)
    rows = []
    for code, values in effective.items():
        rule = rules.get(code)
        known = {t.name: t for t in rule.thresholds} if rule else {}
        for name, value in values.items():
            t = known.get(name)
            kind = t.kind if t else "float"
            rows.append({
                "code": code, "rule": rule.title if rule else "", "name": name,
                "value": _threshold_value(value, kind),
                "default": _threshold_value(t.default, kind) if t else fmt.MISSING,
                "changed": bool(t) and value != t.default,
                "description": t.description if t else "",
            })
    return rows


def models_view(result: AuditResult) -> list[dict[str, str]]:
    """The statistical models and conventions behind the numbers, as the audit used them."""
    seed = result.context.seed
    joint = result.joint_projected_failure_rate
    items = [
        {"name": "Projected out-of-specification rate",
         "text": "Per-lot values on the spec scale of the commercial process's lots, fitted by a normal model, or "
                 "log-normal when every value is positive, Shapiro–Wilk rejects normality (p < 0.05) and does "
                 "not reject it for the logarithms; parameters from the sample mean and SD (n − 1). The 95% "
                 f"interval is a seeded parametric bootstrap percentile interval (seed {seed}). The projected "
                 "approvable range is a projection from practice, not guidance text."},
        {"name": "Joint projected failure rate (SP002)",
         "text": "A multivariate normal (log scale for log-normal attributes) fitted to the commercial lots with "
                 "every clinical-basis attribute, the correlation kept; rate = 1 − P(all inside their "
                 f"approvable ranges), by a seeded Monte Carlo of at least 10⁵ draws (seed {seed}). "
                 f"Result: {fmt.pct(joint, 2) if joint is not None else 'not estimable'}."},
        {"name": "Bridging (scale conversion and bias)",
         "text": "Deming regression of the new method on the old per bridging study, with the study's error "
                 "ratio (old-method to new-method error variance; default 1). Confidence intervals of slope, "
                 "intercept and bias at a level X (b0 + (b1 − 1)·X) by leave-one-sample-out jackknife with "
                 "t(0.975, n − 2) (Linnet; as R mcr, method.ci = \"jackknife\"). Conversions chain along the "
                 "path through the fewest studies. Passing–Bablok lines and Bland–Altman plots are shown for "
                 "comparison only; no finding rests on them."},
        {"name": "Manufacturing success",
         "text": "released / (released + failed_manufacture + rejected), lots of purpose clinical or commercial; "
                 "two-sided 95% Clopper–Pearson (exact) interval. MS002: one-sided Fisher exact test that the "
                 "commercial process's success odds are lower than the previous version's."},
        {"name": "Comparability (PR004)",
         "text": "Quality range: mean ± k·SD (n − 1) of the pre-change lots' values on the spec scale; a "
                 "post-change lot strictly outside fails. Cited as biosimilar statistical practice, not as a "
                 "CGT requirement."},
        {"name": "Potency and outcome (PO001)",
         "text": "Logistic regression of responder on the mean spec-scale potency of the lots each patient "
                 "received; two-sided Wald p."},
        {"name": "Values and censoring",
         "text": "Only reportable results (DR001 excepted). A lot's value on a scale: each result converted, "
                 "then averaged. Censored results (<, >) enter at their recorded value; the evidence counts "
                 "them."},
    ]
    return items


def _model_choice(criterion: str | None) -> str:
    # The criterion restates the rule (given once under Models) before "Here: <this attribute>".
    if not criterion:
        return ""
    return criterion.split("Here: ", 1)[-1]


def projection_rows(result: AuditResult) -> list[dict[str, str]]:
    rows = []
    for aid in sorted(result.attributes):
        a = result.attributes[aid] or {}
        rows.append({
            "attribute": aid,
            "scale": a.get("scale_method") or a.get("spec_method") or fmt.MISSING,
            "model": a.get("model") or "none",
            "criterion": _model_choice(a.get("model_criterion")),
            "n": fmt.num(a.get("n_projection_lots")),
            "rate": fmt.pct(a.get("projected_oos_rate"), 2),
            "ci": fmt.pct_interval(a.get("projected_oos_ci"), 2),
            "reason": a.get("not_estimable_reason") or "",
        })
    return rows


def not_applicable_view(result: AuditResult) -> list[dict[str, str]]:
    rules = all_rules()
    return [{"code": n.code, "title": rules[n.code].title if n.code in rules else "", "reason": n.reason}
            for n in sorted(result.not_applicable, key=lambda n: (n.code, n.reason))]


def warnings_view(result: AuditResult) -> list[str]:
    out = []
    for w in result.dossier.warnings:
        where = w.location() if hasattr(w, "location") else ""
        message = getattr(w, "message", str(w))
        out.append(f"{where}: {message}" if where else message)
    return out
