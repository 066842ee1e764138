"""The HTML readiness report: one self-contained, printable file.

Everything is inline (CSS and SVG figures); the page loads no script, font, image or
style sheet from anywhere, so it works offline and can be archived with the dossier.
Every piece of user text goes through Jinja's autoescaping; figure text is escaped by
matplotlib's SVG writer. The file depends only on the audit result (no clock), so the
same input and as-of date give the same bytes.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..analysis.timeline import commercial_process
from ..audit import AuditResult
from ..rules import SEVERITIES
from . import figure_data, figures, sections
from . import formatting as fmt


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("cmcready.report", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _svg(text: str | None) -> Markup | None:
    # matplotlib's SVG writer escapes every text node; the markup itself is ours.
    return Markup(text) if text else None


def render_html(result: AuditResult, *, plan: dict | None = None) -> str:
    """The readiness report of an audit (and of its dosing plan, when given) as HTML."""
    d, ctx = result.dossier, result.context
    p = d.program
    names = dict(zip(d.attributes["attribute_id"], d.attributes["name"]))
    timeline = figure_data.timeline(result)
    groups = sections.findings_by_pattern(result)
    shown = sections.shown_anchors(groups)
    attributes = []
    for i, aid in enumerate(sorted(d.attributes["attribute_id"])):
        view = figure_data.attribute_section(result, aid, str(i + 1))
        view["svg"] = _svg(view["svg"])
        view["findings"] = sections.findings_about(result, "attribute_id", aid, shown)
        attributes.append(view)
    bridging = figure_data.bridging_sections(result)
    for b in bridging:
        b["svg"] = _svg(b["svg"])
        b["findings"] = sections.findings_about(result, "bridging_study_id", b["id"], shown)
    manufacturing = figure_data.manufacturing_section(result)
    if manufacturing:
        manufacturing["svg"] = _svg(manufacturing["svg"])
    summary = result.summary()
    page = {
        "product_name": p.product_name,
        "program_id": p.program_id,
        "modality": p.modality.replace("_", " "),
        "approval_basis": p.approval_basis,
        "submission_target": fmt.day(p.submission_target) if p.submission_target else None,
        "as_of": result.as_of.isoformat(),
        "commercial_process": commercial_process(ctx),
        "verdict": sections.verdict(summary),
        "summary": [{"severity": s, "n": summary.get(s, 0)} for s in SEVERITIES],
        "n_findings": len(result.findings),
        "patterns": sections.pattern_counts(result),
        "timeline_svg": _svg(figures.timeline_figure(timeline)) if timeline else None,
        "finding_groups": groups,
        "attributes": attributes,
        "bridging": bridging,
        "manufacturing": manufacturing,
        "plan": sections.plan_view(plan, names),
        "thresholds": sections.thresholds_view(result),
        "config_source": ctx.config.source,
        "modality_overrides": bool(ctx.config.modality.get(p.modality)),
        "models": sections.models_view(result),
        "projections": sections.projection_rows(result),
        "not_applicable": sections.not_applicable_view(result),
        "warnings": sections.warnings_view(result),
        "source": d.source,
        "sha256": d.sha256,
        "version": result.version,
        "seed": ctx.seed,
        "max_points": figures.MAX_POINTS,
        "max_detailed": sections.MAX_DETAILED_PER_CODE,
    }
    return _environment().get_template("report.html.j2").render(**page)
