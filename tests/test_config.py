"""Thresholds: registry defaults, TOML overrides, per-modality overrides, and every bad value
reported at once (ConfigError; exit 2 from the command line)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cmcready.cli import cli
from cmcready.config import Config, ConfigError, defaults, load_config, parse_config
from cmcready.context import AuditContext
from cmcready.rules import all_rules
from tests.builders import AS_OF, base_tables, load, write_tables


def _toml(tmp_path, text, name="cmcready.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ---- defaults ---------------------------------------------------------------------------

def test_defaults_come_from_every_registered_rule():
    d = defaults()
    rules = all_rules()
    assert set(d) == set(rules)
    for code, rule in rules.items():
        assert d[code] == {t.name: t.default for t in rule.thresholds}
    assert d["MS001"] == {"min_rate": 0.90, "min_lower_bound": 0.80, "critical_rate": 0.80}
    assert d["PO001"] == {"alpha": 0.05}
    assert d["DR001"] == {}


def test_empty_config_gives_the_defaults_and_states_only_rules_with_thresholds():
    c = Config()
    assert c.get("MS001", "min_rate") == 0.90
    assert c.get("PO001", "alpha", modality="autologous_cell") == 0.05
    eff = c.effective()
    assert eff["MS001"]["min_lower_bound"] == 0.80 and "DR001" not in eff and "SP005" not in eff
    assert load_config(None) == Config()


def test_threshold_kinds_are_known():
    for rule in all_rules().values():
        for t in rule.thresholds:
            assert t.kind in ("fraction", "int", "float", "days"), (rule.code, t.name)
            if t.kind == "fraction":
                assert 0 <= t.default <= 1, (rule.code, t.name)


# ---- overrides ------------------------------------------------------------------------

def test_toml_overrides_one_key_and_keeps_the_others(tmp_path):
    c = load_config(_toml(tmp_path, "[MS001]\nmin_rate = 0.85\n\n[PO001]\nalpha = 0.1\n"))
    assert c.get("MS001", "min_rate") == 0.85
    assert c.get("MS001", "min_lower_bound") == 0.80
    assert c.get("PO001", "alpha") == 0.1
    assert c.effective()["MS001"] == {"min_rate": 0.85, "min_lower_bound": 0.80, "critical_rate": 0.80}
    assert c.source == str(tmp_path / "cmcready.toml")


def test_whole_numbers_are_read_as_integers_for_int_and_days_kinds(tmp_path):
    c = load_config(_toml(tmp_path, "[PR005]\nmax_days = 60.0\nmin_released_lots = 5\n"))
    assert c.get("PR005", "max_days") == 60 and isinstance(c.get("PR005", "max_days"), int)
    assert c.get("PR005", "min_released_lots") == 5
    # an integer for a float threshold is a float
    c = parse_config({"PR004": {"k_sd": 2}})
    assert c.get("PR004", "k_sd") == 2.0 and isinstance(c.get("PR004", "k_sd"), float)


def test_modality_table_overrides_for_that_modality_only(tmp_path):
    c = load_config(_toml(tmp_path, """
[MS001]
min_rate = 0.85

[modality.autologous_cell.MS001]
min_rate = 0.70
min_lower_bound = 0.60
"""))
    assert c.get("MS001", "min_rate", modality="autologous_cell") == 0.70
    assert c.get("MS001", "min_lower_bound", modality="autologous_cell") == 0.60
    # keys the modality table does not set fall back to the file, then to the defaults
    assert c.get("MS001", "critical_rate", modality="autologous_cell") == 0.80
    assert c.get("MS001", "min_rate", modality="allogeneic_cell") == 0.85
    assert c.get("MS001", "min_rate") == 0.85
    assert c.effective("autologous_cell")["MS001"] == {"min_rate": 0.70, "min_lower_bound": 0.60,
                                                      "critical_rate": 0.80}


def test_audit_context_applies_the_programs_modality(tmp_path):
    config = parse_config({"MS001": {"min_rate": 0.85},
                           "modality": {"autologous_cell": {"MS001": {"min_rate": 0.7}}}})
    t = base_tables()
    allo = AuditContext(load(t, tmp_path / "allo"), as_of=AS_OF, config=config)
    t["program"]["modality"] = "autologous_cell"
    auto = AuditContext(load(t, tmp_path / "auto"), as_of=AS_OF, config=config)
    assert allo.threshold("MS001", "min_rate") == 0.85
    assert auto.threshold("MS001", "min_rate") == 0.7


def test_zero_and_one_are_valid_fractions():
    c = parse_config({"MS001": {"min_rate": 1, "min_lower_bound": 0}})
    assert c.get("MS001", "min_rate") == 1.0 and c.get("MS001", "min_lower_bound") == 0.0


# ---- bad configurations ---------------------------------------------------------------

@pytest.mark.parametrize("data, expected", [
    ({"XX999": {"a": 1}}, "[XX999] is not a rule code"),
    ({"MS001": {"min_rat": 0.9}}, "[MS001] min_rat: unknown threshold; MS001 has min_rate"),
    ({"DR001": {"max_days": 3}}, "DR001 has no thresholds"),
    ({"MS001": {"min_rate": "90%"}}, "[MS001] min_rate = '90%': must be a number"),
    ({"MS001": {"min_rate": True}}, "[MS001] min_rate = True: must be a number"),
    ({"MS001": {"min_rate": 90}}, "[MS001] min_rate = 90: must be a fraction between 0 and 1 (write 0.9 for 90%)"),
    ({"MS001": {"min_rate": -0.1}}, "must be a fraction between 0 and 1"),
    ({"PR005": {"max_days": -5}}, "[PR005] max_days = -5: must be a whole number ≥ 0"),
    ({"PR005": {"max_days": 30.5}}, "[PR005] max_days = 30.5: must be a whole number ≥ 0"),
    ({"PR004": {"k_sd": -1.0}}, "[PR004] k_sd = -1.0: must not be negative"),
    ({"PR004": {"k_sd": float("nan")}}, "[PR004] k_sd = nan: must be a finite number"),
    ({"PR005": {"max_days": float("inf")}}, "[PR005] max_days = inf: must be a finite number"),
    ({"MS001": 0.9}, "[MS001] must be a table of thresholds"),
    ({"modality": {"autologus_cell": {"MS001": {"min_rate": 0.7}}}}, "[modality.autologus_cell] is not a modality"),
    ({"modality": {"autologous_cell": {"MS001": {"min_rate": 7}}}},
     "[modality.autologous_cell.MS001] min_rate = 7: must be a fraction"),
    ({"modality": {"autologous_cell": {"XX999": {}}}}, "[modality.autologous_cell.XX999] is not a rule code"),
    ({"modality": 3}, "[modality] must hold tables"),
])
def test_each_bad_value_is_a_config_error_saying_where_and_why(data, expected):
    with pytest.raises(ConfigError) as exc:
        parse_config(data)
    assert len(exc.value.problems) == 1
    assert expected in exc.value.problems[0]
    assert expected in str(exc.value)


def test_every_problem_is_listed_at_once(tmp_path):
    p = _toml(tmp_path, """
[MS001]
min_rate = 90
min_lower_bound = "high"

[PR005]
max_days = -1

[ZZ001]
x = 1

[modality.autologous_cell.PO001]
alpha = 5
""")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    problems = exc.value.problems
    assert len(problems) == 5
    assert [q.split("]")[0] + "]" for q in problems] == [
        "[MS001]", "[MS001]", "[PR005]", "[ZZ001]", "[modality.autologous_cell.PO001]"]
    assert str(p) in str(exc.value)


def test_unreadable_or_invalid_toml_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_toml(tmp_path, "[MS001\nmin_rate = 0.9\n"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path)  # a folder


# ---- the command line -------------------------------------------------------------------

def _run(args):
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_audit_with_a_bad_config_exits_2_with_every_reason(tmp_path):
    dossier = write_tables(base_tables(), tmp_path)
    bad = _toml(tmp_path, "[MS001]\nmin_rate = 1.5\n\n[AB123]\nx = 1\n", name="bad.toml")
    code, out, err = _run(["audit", str(dossier), "--as-of", AS_OF.isoformat(), "--config", str(bad)])
    assert code == 2
    assert "Error: the configuration file is invalid" in err
    assert "[MS001] min_rate = 1.5: must be a fraction between 0 and 1" in err
    assert "[AB123] is not a rule code" in err
    assert "Traceback" not in err + out


def test_audit_with_a_missing_config_exits_2(tmp_path):
    dossier = write_tables(base_tables(), tmp_path)
    code, _, err = _run(["audit", str(dossier), "--config", str(tmp_path / "nope.toml")])
    assert code == 2 and "no such file" in err


def test_audit_states_the_thresholds_it_used(tmp_path):
    dossier = write_tables(base_tables(), tmp_path)
    good = _toml(tmp_path, "[PO001]\nalpha = 0.1\n\n[modality.allogeneic_cell.MS001]\nmin_rate = 0.75\n")
    code, out, _ = _run(["audit", str(dossier), "--as-of", AS_OF.isoformat(), "--config", str(good),
                         "--json", "-", "--fail-on", "never"])
    assert code == 0
    thresholds = json.loads(out)["thresholds"]
    assert thresholds["PO001"] == {"alpha": 0.1}
    assert thresholds["MS001"]["min_rate"] == 0.75  # the base program is allogeneic
    assert thresholds["MS001"]["min_lower_bound"] == 0.80
