"""The rule catalog is generated from the registry and cannot drift from it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cmcready.cli import cli
from cmcready.report.catalog import catalog_markdown, rule_text
from cmcready.rules import all_rules
from cmcready.rules.base import SECTION_NAMES

ROOT = Path(__file__).resolve().parents[2]

# The codes of the contract's catalog (docs/contract/audit-rules.md).
CATALOG_CODES = {
    "AM001", "AM002", "AM003", "AM004", "AM005", "AM006", "AM007",
    "PR001", "PR002", "PR003", "PR004", "PR005", "PR006", "MS001", "MS002",
    "SP001", "SP002", "SP003", "SP004", "SP005", "DR001", "DR002", "DR003", "DR004", "PO001",
}


def test_every_catalog_rule_is_registered():
    assert set(all_rules()) == CATALOG_CODES


def test_every_rule_documents_the_four_sections():
    for code, rule in all_rules().items():
        sections = rule.sections()
        for name in SECTION_NAMES:
            assert sections.get(name), f"{code} lacks '{name}'"


def test_docs_rules_md_is_generated_from_the_registry():
    on_disk = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert on_disk == catalog_markdown(), (
        "docs/rules.md is stale: regenerate with `python -m cmcready.report.catalog docs/rules.md`")


def test_rules_command_prints_the_same_text_as_the_docs():
    r = CliRunner().invoke(cli, ["rules", "am004"])
    assert r.exit_code == 0
    assert r.output.strip() == rule_text("AM004").strip()
    assert rule_text("AM004") in catalog_markdown()


def test_rules_command_lists_every_code():
    r = CliRunner().invoke(cli, ["rules"], terminal_width=200)
    for code in CATALOG_CODES:
        assert code in r.output


def test_every_rule_has_its_own_tests():
    tests = {p.name[5:10].upper() for p in (ROOT / "tests" / "rules").glob("test_*.py")}
    assert CATALOG_CODES <= tests, sorted(CATALOG_CODES - tests)
