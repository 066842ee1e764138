"""The command-line contract: commands, exit statuses, JSON on standard output, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from cmcready.cli import cli
from tests.builders import AS_OF, base_tables, write_tables


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def dossier(tmp_path):
    return write_tables(base_tables(), tmp_path)


@pytest.fixture
def broken(tmp_path):
    t = base_tables()
    t["results"].loc[16, "lot_id"] = "L-999"
    t["lots"].loc[0, "status"] = "lost"
    return write_tables(t, tmp_path)


def test_validate_valid_dossier_exits_0(dossier):
    r = run("validate", str(dossier))
    assert r.exit_code == 0 and "valid" in r.output


def test_validate_invalid_dossier_lists_each_problem_and_exits_2(broken, tmp_path):
    out = tmp_path / "v.json"
    r = run("validate", str(broken), "--json", str(out))
    assert r.exit_code == 2
    payload = json.loads(out.read_text())
    assert payload["valid"] is False
    assert {"table": "results", "row": 18, "column": "lot_id", "message": "lot 'L-999' is not in lots"}.items() <= \
        payload["errors"][1].items() or any(
            e["table"] == "results" and e["row"] == 18 and e["column"] == "lot_id" for e in payload["errors"])
    assert any(e["table"] == "lots" and e["row"] == 2 and e["column"] == "status" for e in payload["errors"])
    assert set(payload) == {"valid", "errors", "warnings"}


def test_validate_lists_every_problem_on_the_terminal_too(tmp_path):
    # 250 results with an unknown lot: the first ones in a table, the rest one line each.
    t = base_tables()
    extra = t["results"].iloc[[0] * 250].assign(lot_id=[f"X-{i:03d}" for i in range(250)])
    t["results"] = pd.concat([t["results"], extra], ignore_index=True)
    r = run("validate", str(write_tables(t, tmp_path)))
    assert r.exit_code == 2
    assert all(f"X-{i:03d}" in r.output for i in range(250))
    assert "results, row 273, lot_id (value X-249): lot 'X-249' is not in lots" in r.output


def test_validate_json_to_stdout_is_only_json(broken):
    r = CliRunner().invoke(cli, ["validate", str(broken), "--json", "-"])
    assert r.exit_code == 2
    assert json.loads(r.stdout)["valid"] is False  # stdout parses as JSON: nothing else is on it


def test_audit_json_has_the_contract_keys(dossier, tmp_path):
    out = tmp_path / "a.json"
    r = run("audit", str(dossier), "--as-of", AS_OF.isoformat(), "--json", str(out))
    assert r.exit_code in (0, 1)
    payload = json.loads(out.read_text())
    for key in ("schema_version", "program_id", "as_of", "summary", "findings", "attributes", "bridging",
                "manufacturing", "joint_projected_failure_rate", "not_applicable"):
        assert key in payload
    assert payload["schema_version"] == 1 and payload["as_of"] == "2024-09-01"
    assert set(payload["summary"]) == {"critical", "major", "minor", "info"}


def test_audit_json_to_stdout_is_only_json(dossier):
    r = CliRunner().invoke(cli, ["audit", str(dossier), "--as-of", AS_OF.isoformat(), "--json", "-"])
    assert json.loads(r.stdout)["program_id"] == "PRG-1"


def test_audit_invalid_dossier_exits_2_and_writes_validation_json(broken, tmp_path):
    out = tmp_path / "a.json"
    r = run("audit", str(broken), "--json", str(out))
    assert r.exit_code == 2
    assert json.loads(out.read_text())["valid"] is False


def test_audit_fail_on_levels(tmp_path):
    t = base_tables()
    t["attributes"].loc[0, "cqa"] = True
    t = {**t}
    t["specifications"] = t["specifications"].iloc[:1]  # no proposed spec: SP005 (minor)
    path = write_tables(t, tmp_path)
    assert run("audit", str(path), "--as-of", AS_OF.isoformat()).exit_code == 0
    assert run("audit", str(path), "--as-of", AS_OF.isoformat(), "--fail-on", "minor").exit_code == 1
    assert run("audit", str(path), "--as-of", AS_OF.isoformat(), "--fail-on", "never").exit_code == 0


@pytest.mark.parametrize("args,fragment", [
    (["audit", "{d}", "--as-of", "31/12/2024"], "not a date"),
    (["audit", "{d}", "--fail-on", "severe"], "severe"),
    (["audit", "/no/such/dossier.xlsx"], "no such file"),
    (["audit", "{d}", "--json", "/no/such/folder/a.json"], "does not exist"),
    (["audit", "{d}", "--config", "/no/such/config.toml"], "no such file"),
    (["validate", "{d}/lots.csv"], "single CSV"),
    (["rules", "ZZ999"], "no rule"),
])
def test_user_errors_exit_2_with_a_one_line_cause(dossier, args, fragment):
    args = [a.replace("{d}", str(dossier)) for a in args]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert fragment in r.output


def test_bad_config_value_exits_2_with_the_reason(dossier, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[AM002]\nmax_days = 'thirty'\n[XX001]\nfoo = 1\n")
    r = CliRunner().invoke(cli, ["audit", str(dossier), "--config", str(cfg)])
    assert r.exit_code == 2
    assert "max_days" in r.output and "XX001" in r.output


def test_every_command_help_shows_an_example():
    for name, command in cli.commands.items():
        r = CliRunner().invoke(cli, [name, "--help"])
        assert r.exit_code == 0
        assert "Example:" in r.output, name


def test_installed_command_prints_no_traceback_for_a_missing_path(tmp_path):
    r = subprocess.run([sys.executable, "-m", "cmcready", "validate", str(tmp_path / "missing")],
                       capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and r.stderr.startswith("Error: no such file")
