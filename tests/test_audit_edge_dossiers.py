"""Valid but unusual dossiers (found by a crash hunt) on which every command must finish:
audit with JSON and HTML, and the plan; exit 0 or 1, JSON without NaN, no figure lost."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from cmcready.cli import cli
from tests.builders import AS_OF, base_tables, write_tables
from tests.rules.am_builders import method_change_tables, with_study
from tests.spec_fixtures import mid_range_program


def _run(tables, tmp_path, *, as_of=AS_OF.isoformat()) -> dict:
    folder = write_tables(tables, tmp_path)
    runner = CliRunner()
    a = runner.invoke(cli, ["audit", str(folder), "--as-of", as_of, "--json", str(tmp_path / "a.json"),
                            "--html", str(tmp_path / "r.html"), "--fail-on", "never"], catch_exceptions=False)
    assert a.exit_code == 0, a.output
    text = (tmp_path / "a.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    report = (tmp_path / "r.html").read_text()
    assert "could not be drawn" not in report
    p = runner.invoke(cli, ["plan", str(folder), "--as-of", as_of, "--json", "-"], catch_exceptions=False)
    assert p.exit_code == 0, p.output
    return json.loads(text)


def _scaled(factor: float):
    t = mid_range_program()
    t["results"] = t["results"].assign(value=t["results"]["value"] * factor)
    s = t["specifications"]
    t["specifications"] = s.assign(lower=s["lower"] * factor, upper=s["upper"] * factor)
    return t


def test_identical_values_all_beyond_the_proposed_range(tmp_path):
    # Every lot at 200 against 50-150: the approvable range is empty and every lot is
    # outside it (rate 1), with no spread to fit a model to.
    t = base_tables()
    t["results"] = t["results"].assign(value=200.0)
    out = _run(t, tmp_path)
    [sp001] = [f for f in out["findings"] if f["code"] == "SP001"]
    assert sp001["evidence"]["projected_oos_rate"] == 1.0
    assert "None" not in sp001["why"] and "None" not in sp001["action"]


def test_bridging_study_of_a_method_with_itself(tmp_path):
    t = with_study(method_change_tables(), old_method="M-NEW", new_method="M-NEW")
    t["bridging_results"] = t["bridging_results"].assign(method_id="M-NEW")
    out = _run(t, tmp_path)
    assert out["bridging"]["BR-1"]["n_pairs"] == 0


@pytest.mark.parametrize("column, value", [
    (("methods", "in_use_to"), "9999-12-31"),
    (("specifications", "effective_to"), "9999-12-31"),
    (("studies", "enrollment_end"), "9999-12-31"),
    (("program", "submission_target"), "9999-12-31"),
    (("methods", "in_use_from"), "0001-01-01"),
    (("process_versions", "effective_date"), "0001-01-01"),
])
def test_dates_at_the_ends_of_the_calendar_are_drawn(tmp_path, column, value):
    t = base_tables()
    table, col = column
    t[table] = t[table].assign(**{col: pd.Timestamp(value)})
    _run(t, tmp_path)


@pytest.mark.parametrize("as_of", ["0001-01-01", "0050-01-01", "9990-01-01", "9999-12-31"])
def test_as_of_dates_at_the_ends_of_the_calendar(tmp_path, as_of):
    t = base_tables()
    t["methods"] = t["methods"].assign(in_use_to=pd.Timestamp("9999-12-31"))
    _run(t, tmp_path, as_of=as_of)


def test_replicate_means_that_differ_in_the_last_binary_digit_have_no_spread(tmp_path):
    # 21 lots at 3.3 and one whose replicates 1.7 and 4.9 average to 3.3000000000000003:
    # no spread to project from (not a 100% failure rate out of rounding noise).
    t = base_tables()
    r = t["results"].assign(value=3.3)
    r.loc[r.index[-1], "value"] = 1.7
    t["results"] = pd.concat([r, r.iloc[[-1]].assign(value=4.9)], ignore_index=True)
    s = t["specifications"]
    t["specifications"] = s.assign(lower=1.0, upper=5.0)
    out = _run(t, tmp_path)
    pot = out["attributes"]["POT"]
    assert pot["projected_oos_rate"] is None and pot["projected_oos_ci"] is None


@pytest.mark.parametrize("factor", [1e-300, 1e-12, 1e12, 1e300])
def test_values_of_extreme_magnitude(tmp_path, factor):
    out = _run(_scaled(factor), tmp_path)
    pot = out["attributes"]["POT"]
    assert (pot["projected_oos_rate"] is None) == (pot["projected_oos_ci"] is None)
    if pot["projected_oos_rate"] is not None:
        assert 0.0 <= pot["projected_oos_ci"][0] <= pot["projected_oos_rate"] <= pot["projected_oos_ci"][1] <= 1.0
