"""The HTML readiness report (filled in by the report work)."""

from __future__ import annotations

import html

from ..audit import AuditResult


def render_html(result: AuditResult, *, plan: dict | None = None) -> str:
    name = html.escape(result.dossier.program.product_name)
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{name}</title></head><body><h1>{name}</h1></body></html>"
