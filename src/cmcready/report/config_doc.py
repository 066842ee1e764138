"""docs/configuration.md, generated from the rule registry: every threshold, its default and meaning."""

from __future__ import annotations

from ..rules import all_rules


def configuration_markdown() -> str:
    rules = all_rules()
    out = [
        "# Configuration",
        "",
        "Generated from the rule registry by `python -m cmcready.report.config_doc`; do not edit by hand.",
        "",
        "`cmcready audit DOSSIER --config FILE` reads a TOML file with one table per rule code and the",
        "threshold names below as keys. Percentages are fractions (`0.9`, not `90`), day counts whole",
        "numbers. A `[modality.NAME.CODE]` table overrides a rule's thresholds for one modality",
        "(`autologous_cell`, `allogeneic_cell`, `ex_vivo_gene_modified_cell`, `in_vivo_gene_therapy`,",
        "`other`). Unknown tables or keys and bad values stop the audit with exit status 2 and every",
        "reason. The JSON (`thresholds`) and the HTML report state every threshold in force.",
        "",
        "## Example",
        "",
        "```toml",
        "[AM002]",
        "max_days = 21          # bridging pairs measured at most 21 days apart",
        "",
        "[MS001]",
        "min_rate = 0.90",
        "",
        "[modality.autologous_cell.MS001]",
        "min_rate = 0.93        # compare with approved CAR-T products' 1-7% failure",
        "```",
        "",
        "## Every threshold",
        "",
        "| table | key | default | kind | meaning |",
        "|---|---|---|---|---|",
    ]
    for code, rule in rules.items():
        for t in rule.thresholds:
            out.append(f"| `[{code}]` | `{t.name}` | {t.default:g} | {t.kind} | {t.description} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import pathlib
    import sys

    target = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "docs/configuration.md")
    target.write_text(configuration_markdown(), encoding="utf-8")
    print(f"wrote {target}")
