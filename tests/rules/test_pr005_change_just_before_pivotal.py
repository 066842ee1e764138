"""PR005: a change 1..90 days before the pivotal window opens (2023-01-01), with < 3 released lots."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cmcready.config import parse_config
from tests.builders import audit, base_tables, findings
from tests.rules.process_builders import WINDOW_START, with_lots, with_v2


def days_before_window(days: int) -> pd.Timestamp:
    return WINDOW_START - pd.Timedelta(days=days)


def change_before_window(days: int, **kw):
    return with_v2(base_tables(), change_date=days_before_window(days), risk="medium", **kw)


def v2_lots_before_window(tables, statuses: list[str], made: pd.Timestamp = WINDOW_START - pd.Timedelta(days=1)):
    return with_lots(tables, [{"lot_id": f"E-{i + 1:02d}", "process_version": "v2", "manufacture_date": made,
                               "purpose": "engineering", "status": s} for i, s in enumerate(statuses)])


def test_change_90_days_before_window_fires(tmp_path):
    # 2023-01-01 − 90 days = 2022-10-03
    result = audit(change_before_window(90), tmp_path)
    [f] = findings(result, "PR005")
    assert f.severity == "major"
    assert f.subjects == {"change_id": "PC-1", "process_version": "v2"}
    assert f.evidence["change_date"] == "2022-10-03"
    assert f.evidence["days_before_window"] == 90
    assert f.evidence["max_days"] == 90
    assert f.evidence["released_lots_before_window"] == 0
    assert f.evidence["min_released_lots"] == 3
    assert f.evidence["pivotal_window_start"] == "2023-01-01"
    assert f.due_date is None  # the window opened before the as-of date
    assert findings(result, "PR001") == []


def test_change_91_days_before_window_does_not_fire(tmp_path):
    assert findings(audit(change_before_window(91), tmp_path), "PR005") == []


def test_change_one_day_before_window_fires(tmp_path):
    [f] = findings(audit(change_before_window(1), tmp_path), "PR005")
    assert f.evidence["days_before_window"] == 1


def test_change_on_first_day_of_window_is_pr001_not_pr005(tmp_path):
    result = audit(change_before_window(0), tmp_path)
    assert findings(result, "PR005") == []
    assert len(findings(result, "PR001")) == 1


def test_three_released_lots_of_any_purpose_before_the_window_clear_it(tmp_path):
    tables = v2_lots_before_window(change_before_window(30), ["released"] * 3)
    assert findings(audit(tables, tmp_path), "PR005") == []


def test_only_released_lots_count(tmp_path):
    # 2 released + 1 failed + 1 rejected: 2 < 3
    tables = v2_lots_before_window(change_before_window(30),
                                   ["released", "failed_manufacture", "released", "rejected"])
    [f] = findings(audit(tables, tmp_path), "PR005")
    assert f.evidence["released_lots_before_window"] == 2
    assert f.evidence["released_lot_ids_before_window"] == ["E-01", "E-03"]


def test_a_lot_made_on_the_window_start_does_not_count(tmp_path):
    tables = v2_lots_before_window(change_before_window(30), ["released"] * 2)
    tables = v2_lots_before_window(tables, ["released"], made=WINDOW_START)
    tables["lots"].loc[tables["lots"].index[-1], "lot_id"] = "E-99"
    [f] = findings(audit(tables, tmp_path), "PR005")
    assert f.evidence["released_lots_before_window"] == 2


def test_thresholds_are_configurable(tmp_path):
    # with max_days = 120, a change 100 days before the window is recent
    config = parse_config({"PR005": {"max_days": 120, "min_released_lots": 1}})
    [f] = findings(audit(change_before_window(100), tmp_path, config=config), "PR005")
    assert (f.evidence["max_days"], f.evidence["min_released_lots"]) == (120, 1)


def test_due_date_is_the_window_start_when_it_is_after_the_as_of_date(tmp_path):
    [f] = findings(audit(change_before_window(60), tmp_path, as_of=dt.date(2022, 12, 1)), "PR005")
    assert f.due_date == dt.date(2023, 1, 1)
    assert "before 2023-01-01" in f.action


def test_no_pivotal_study_is_not_applicable(tmp_path):
    tables = change_before_window(30)
    tables["studies"] = tables["studies"].assign(pivotal=False)
    result = audit(tables, tmp_path)
    assert findings(result, "PR005") == []
    assert any(n.code == "PR005" for n in result.not_applicable)
