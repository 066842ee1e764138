"""The rule catalog, generated from the registry: `cmcready rules` and docs/rules.md."""

from __future__ import annotations

from rich.table import Table

from ..rules import FAMILIES, all_rules
from ..rules.base import SECTION_NAMES, Rule


def _thresholds_md(rule: Rule) -> list[str]:
    if not rule.thresholds:
        return ["No configurable thresholds."]
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for t in rule.thresholds:
        lines.append(f"| `[{rule.code}] {t.name}` | {t.default:g} | {t.description} |")
    return lines


def rule_markdown(rule: Rule) -> str:
    s = rule.sections()
    out = [f"## {rule.code}: {rule.title}", "", f"*Family:* {FAMILIES[rule.family]}. *Severity:* {rule.severity}", ""]
    for name in SECTION_NAMES:
        out += [f"### {name}", "", s.get(name, "").strip(), ""]
    out += ["### Thresholds", "", *_thresholds_md(rule), ""]
    return "\n".join(out)


def catalog_markdown() -> str:
    rules = all_rules()
    out = ["# Rule catalog", "",
           "Generated from the rule registry by `python -m cmcready.report.catalog`; "
           "`cmcready rules CODE` prints the same text. Do not edit by hand.", "",
           "| code | family | title | severity |", "|---|---|---|---|"]
    for r in rules.values():
        out.append(f"| [{r.code}](#{r.code.lower()}-{_anchor(r.title)}) | {FAMILIES[r.family]} | {r.title} | {r.severity} |")
    out.append("")
    for r in rules.values():
        out.append(rule_markdown(r))
    return "\n".join(out).rstrip() + "\n"


def _anchor(title: str) -> str:
    import re

    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


def rule_text(code: str) -> str | None:
    rule = all_rules().get(code)
    return None if rule is None else rule_markdown(rule)


def rules_table() -> Table:
    t = Table(title="cmcready audit rules")
    for col in ("code", "family", "severity", "title"):
        t.add_column(col, overflow="fold")
    for r in all_rules().values():
        t.add_row(r.code, FAMILIES[r.family], r.severity, r.title)
    return t


if __name__ == "__main__":  # regenerate docs/rules.md
    import pathlib
    import sys

    target = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules.md")
    target.write_text(catalog_markdown(), encoding="utf-8")
    print(f"wrote {target}")
