"""A dossier whose tables are present but empty (an early program: no study, no dosing, no
specification yet) is valid, and every command runs on it to the end."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cmcready.cli import cli
from cmcready.dossier import check_dossier
from tests.builders import AS_OF, base_tables, write_tables

EMPTIED = [
    ("specifications",),
    ("administrations",),
    ("studies", "administrations"),
    ("results",),
    ("lots", "results", "administrations"),
    ("methods", "results", "specifications"),
    ("attributes", "methods", "results", "specifications"),
    ("process_versions", "lots", "results", "administrations"),
    ("studies", "process_versions", "attributes", "methods", "lots", "results", "administrations",
     "specifications"),
]


@pytest.mark.parametrize("tables", EMPTIED, ids=["+".join(t) for t in EMPTIED])
def test_audit_plan_and_report_run_on_header_only_tables(tmp_path, tables):
    t = base_tables()
    for name in tables:
        t[name] = t[name].iloc[:0]
    if "process_versions" in tables:
        t["program"] = t["program"].assign(commercial_process_version=None)
    folder = write_tables(t, tmp_path)
    assert check_dossier(folder).valid
    runner = CliRunner()
    audit = runner.invoke(cli, ["audit", str(folder), "--as-of", AS_OF.isoformat(), "--json", str(tmp_path / "a.json"),
                                "--html", str(tmp_path / "r.html"), "--fail-on", "never"])
    assert audit.exit_code == 0, audit.output
    result = json.loads((tmp_path / "a.json").read_text())
    assert set(result["summary"]) >= {"critical", "major", "minor", "info"}
    assert "</html>" in (tmp_path / "r.html").read_text()
    plan = runner.invoke(cli, ["plan", str(folder), "--as-of", AS_OF.isoformat(), "--json", "-"])
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.stdout)["recommended_lots"] == []
