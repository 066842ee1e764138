"""Adversarial review of the command-line contract, through the installed entry point.

These run ``python -m cmcready`` in a subprocess so that what is checked is exactly what a
user (or an acceptance script) sees: exit status, standard output, standard error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.builders import AS_OF, base_tables, write_tables


def cmc(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "default", "COLUMNS": "120"}
    env.pop("CMCREADY_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "cmcready", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300)


@pytest.fixture(scope="module")
def dossier(tmp_path_factory):
    return write_tables(base_tables(), tmp_path_factory.mktemp("ok"))


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    t = base_tables()
    t["lots"].loc[2, "process_version"] = "v9"
    return write_tables(t, tmp_path_factory.mktemp("broken"))


@pytest.fixture(scope="module")
def corrupt(tmp_path_factory):
    good = write_tables(base_tables(), tmp_path_factory.mktemp("wb"), container="xlsx")
    cut = good.parent / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:3000])
    return cut


def _first_line(stderr: str) -> str:
    return stderr.splitlines()[0] if stderr else ""


@pytest.mark.parametrize("as_of", ["20240901", "2024-W35-1", "2024-9-1", "2024-09-01T00:00", "yesterday"])
def test_as_of_accepts_only_yyyy_mm_dd(dossier, as_of):
    r = cmc("audit", str(dossier), "--as-of", as_of)
    assert r.returncode == 2 and r.stdout == ""
    assert _first_line(r.stderr).startswith("Error: --as-of") and "YYYY-MM-DD" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args,fragment", [
    (["audit", "{d}", "--fail-on", "severe"], "--fail-on"),
    (["audit"], "PATH"),
    (["frobnicate"], "frobnicate"),
    (["audit", "{d}", "--colour"], "--colour"),
    (["plan", "{d}", "--as-of"], "--as-of"),
])
def test_usage_errors_start_with_a_one_line_cause_and_exit_2(dossier, args, fragment):
    r = cmc(*[a.replace("{d}", str(dossier)) for a in args])
    assert r.returncode == 2 and r.stdout == ""
    first = _first_line(r.stderr)
    assert first.startswith("Error: ") and fragment in first
    assert "Traceback" not in r.stderr
    assert "--help" in r.stderr  # the details say where to look


def test_json_may_go_to_a_writable_special_file(dossier):
    r = cmc("audit", str(dossier), "--as-of", AS_OF.isoformat(), "--json", os.devnull, "--html", os.devnull)
    assert r.returncode == 0, r.stderr
    r = cmc("validate", str(dossier), "--json", os.devnull)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("kind", ["cut", "locked", "text"])
def test_unreadable_workbooks_exit_2_with_a_one_line_cause(tmp_path, kind):
    path = tmp_path / f"{kind}.xlsx"
    if kind == "cut":
        good = write_tables(base_tables(), tmp_path, container="xlsx")
        path.write_bytes(good.read_bytes()[:5000])
    elif kind == "locked":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)  # the OLE box Excel encrypts into
    else:
        path.write_text("lot_id,status\nL-1,released\n")
    for command in (["validate"], ["audit", "--as-of", "2024-09-01"], ["plan"]):
        r = cmc(*command, str(path))
        assert r.returncode == 2 and "Traceback" not in r.stderr
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: {kind}.xlsx")
    if kind == "locked":
        assert "password" in r.stderr


@pytest.mark.parametrize("command", ["validate", "audit", "plan"])
def test_unreadable_container_with_json_to_stdout_gives_the_validation_json(corrupt, command):
    r = cmc(command, str(corrupt), "--json", "-")
    assert r.returncode == 2
    payload = json.loads(r.stdout)  # nothing but the JSON on stdout
    assert payload["valid"] is False and set(payload) == {"valid", "errors", "warnings"}
    (e,) = payload["errors"]
    assert e["table"] is None and e["row"] is None and e["column"] is None and "cut.xlsx" in e["message"]
    assert _first_line(r.stderr).startswith("Error: cut.xlsx") and "Traceback" not in r.stderr


def test_missing_path_with_json_file_writes_the_validation_json(tmp_path):
    out = tmp_path / "v.json"
    r = cmc("validate", str(tmp_path / "nope.xlsx"), "--json", str(out))
    assert r.returncode == 2 and _first_line(r.stderr).startswith("Error: no such file")
    assert json.loads(out.read_text())["valid"] is False


@pytest.mark.parametrize("command", ["audit", "plan"])
def test_invalid_dossier_with_json_to_stdout_gives_only_the_validation_json(broken, command):
    r = cmc(command, str(broken), "--json", "-")
    assert r.returncode == 2
    payload = json.loads(r.stdout)
    assert payload["valid"] is False
    assert [(e["table"], e["row"], e["column"]) for e in payload["errors"]] == [("lots", 4, "process_version")]
    assert "Traceback" not in r.stderr


def test_invalid_dossier_stderr_starts_with_the_cause_and_lists_each_problem(broken):
    r = cmc("audit", str(broken))
    assert r.returncode == 2
    first = _first_line(r.stderr)
    assert first.startswith("Error: ") and "invalid" in first and "1 problem" in first
    assert "lots" in r.stderr and "process_version" in r.stderr and "v9" in r.stderr


def test_validate_lists_problems_on_stdout_and_exits_2(broken):
    r = cmc("validate", str(broken))
    assert r.returncode == 2
    assert "process_version" in r.stdout and "'v9' is not in process_versions" in r.stdout.replace("\n", " ") \
        or "'v9'" in r.stdout


def test_html_to_stdout_is_only_the_html(dossier):
    r = cmc("audit", str(dossier), "--as-of", AS_OF.isoformat(), "--html", "-")
    assert r.returncode == 0
    assert r.stdout.lstrip().lower().startswith("<!doctype html") and r.stdout.rstrip().endswith("</html>")
    assert "as of 2024-09-01" in r.stderr  # the human summary went to stderr


def test_a_json_file_keeps_the_report_off_stdout(dossier, tmp_path):
    out = tmp_path / "a.json"
    r = cmc("audit", str(dossier), "--as-of", AS_OF.isoformat(), "--json", str(out))
    assert r.returncode == 0
    assert json.loads(out.read_text())["program_id"] == "PRG-1"
    assert "{" not in r.stdout and "schema_version" not in r.stdout


def test_audit_shows_dossier_warnings(tmp_path):
    t = base_tables()
    t["lots"]["operator"] = "AB"
    r = cmc("audit", str(write_tables(t, tmp_path)), "--as-of", AS_OF.isoformat(), "--json", "-")
    assert r.returncode == 0
    assert json.loads(r.stdout)["program_id"] == "PRG-1"
    assert "operator" in r.stderr and "ignored" in r.stderr


def test_unwritable_output_fails_before_the_work_with_exit_2(dossier, tmp_path):
    target = tmp_path / "a-folder"
    target.mkdir()
    r = cmc("audit", str(dossier), "--json", str(target))
    assert r.returncode == 2 and _first_line(r.stderr).startswith("Error: cannot write")
    r = cmc("plan", str(dossier), "--json", str(tmp_path / "missing" / "p.json"))
    assert r.returncode == 2 and "does not exist" in _first_line(r.stderr)


def test_bad_config_first_line_names_the_file(dossier, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[AM002]\nmax_days = -3\n")
    r = cmc("audit", str(dossier), "--config", str(cfg))
    assert r.returncode == 2
    assert _first_line(r.stderr).startswith("Error: ") and "c.toml" in _first_line(r.stderr)
    assert "max_days" in r.stderr


def test_config_that_is_not_toml_exits_2(dossier, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_bytes(b"\xff\xfe[AM002]")
    r = cmc("audit", str(dossier), "--config", str(cfg))
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_csv_in_another_encoding_exits_2_with_the_table_named(tmp_path):
    t = base_tables()
    t["program"].loc[0, "product_name"] = "Zellprodukt für Kinder"
    folder = write_tables(t, tmp_path)
    p = folder / "program.csv"
    p.write_bytes(p.read_text(encoding="utf-8").encode("cp1252"))
    r = cmc("audit", str(folder), "--json", "-")
    assert r.returncode == 2
    (e,) = json.loads(r.stdout)["errors"]
    assert (e["table"], e["row"]) == ("program", 2) and "UTF-8" in e["message"]


def test_empty_workbook_sheet_and_empty_csv_exit_2(tmp_path):
    folder = write_tables(base_tables(), tmp_path)
    (folder / "lots.csv").write_text("")
    r = cmc("validate", str(folder), "--json", "-")
    assert r.returncode == 2
    assert [(e["table"], e["row"]) for e in json.loads(r.stdout)["errors"]] == [("lots", None)]


def test_internal_error_prints_a_cause_not_a_traceback(dossier, tmp_path):
    # A defect in the tool (simulated) must not pass for "findings" (exit 1) nor print a traceback.
    boot = tmp_path / "boom.py"
    boot.write_text(
        "import sys, cmcready.audit as a\n"
        "def boom(*args, **kwargs):\n    raise RuntimeError('simulated defect')\n"
        "a.run_audit = boom\n"
        "from cmcready.cli import main\nsys.argv = ['cmcready'] + sys.argv[1:]\nmain()\n")
    r = subprocess.run([sys.executable, str(boot), "audit", str(dossier), "--as-of", AS_OF.isoformat()],
                       capture_output=True, text=True, env={k: v for k, v in os.environ.items() if k != "CMCREADY_DEBUG"})
    assert r.returncode == 3
    assert "Traceback" not in r.stderr
    assert _first_line(r.stderr).startswith("Error: internal error") and "simulated defect" in r.stderr


def test_demo_exits_0_and_says_where(tmp_path):
    r = cmc("demo", "--out", str(tmp_path / "demo"))
    assert r.returncode == 0, r.stderr
    assert str(tmp_path / "demo") in r.stdout
    assert json.loads((tmp_path / "demo" / "audit.json").read_text())["schema_version"] == 1


def test_user_text_that_looks_like_terminal_markup_prints_as_is(tmp_path):
    # "[/x]" in a product name or a cell is the user's text, not a style tag (it used to crash rich).
    t = base_tables()
    t["program"].loc[0, "product_name"] = "CAR-T [/x] [bold]"
    t["lots"].loc[0, "status"] = "[/lost]"
    r = cmc("validate", str(write_tables(t, tmp_path / "bad")))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "[/lost]" in r.stdout
    t["lots"].loc[0, "status"] = "released"
    r = cmc("audit", str(write_tables(t, tmp_path / "ok")), "--as-of", AS_OF.isoformat())
    assert r.returncode == 0, r.stderr
    assert "CAR-T [/x] [bold]" in r.stdout


def test_json_values_are_plain_whatever_the_analysis_hands_over():
    import datetime as dt

    import numpy as np
    import pandas as pd

    from cmcready.report.json_out import dumps, plain

    payload = plain({"day": np.datetime64("2024-09-01T00:00:00.000000"), "nat": np.datetime64("NaT"),
                     "na": pd.NA, "ts": pd.Timestamp("9999-12-31"), "date": dt.date(2024, 1, 2),
                     "x": np.float64("nan"), "inf": float("inf"), "n": np.int64(3), "b": np.bool_(True)})
    assert payload == {"day": "2024-09-01", "nat": None, "na": None, "ts": "9999-12-31", "date": "2024-01-02",
                       "x": None, "inf": None, "n": 3, "b": True}
    assert json.loads(dumps(payload)) == payload
