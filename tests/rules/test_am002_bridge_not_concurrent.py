"""AM002: bridging samples tested after the old method retired, or with both tests too far apart."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cmcready.config import parse_config
from tests.builders import D, audit, findings
from tests.rules.am_builders import bridge_rows, method_change_tables, method_row, with_bridge_rows, with_study

SUBJECTS = {"bridging_study_id": "BR-1", "attribute_id": "POT", "method_id": "M-NEW"}


def test_retrospective_small_bridge_with_late_criteria_fires_am002_am003_and_am005(tmp_path):
    # 12 samples tested on M-NEW from 2023-06-20 and on the retired M-OLD (in_use_to 2023-05-31) from 2023-07-01;
    # the acceptance criteria were approved on 2023-08-01, after the first paired test (2023-06-20).
    t = method_change_tables()
    rows = bridge_rows(n=12, new_date=lambda k: D("2023-06-20") + pd.Timedelta(days=k),
                       old_date=lambda k: D("2023-07-01") + pd.Timedelta(days=k))
    t = with_study(with_bridge_rows(t, rows), protocol_date=D("2023-08-01"))
    result = audit(t, tmp_path)

    [am002] = findings(result, "AM002")
    assert am002.severity == "major"
    assert am002.subjects == SUBJECTS
    assert am002.evidence["n_samples_after_retirement"] == 12
    assert am002.evidence["old_method_in_use_to"] == "2023-05-31"
    assert am002.evidence["latest_old_method_test_date"] == "2023-07-12"  # 2023-07-01 + 11 days
    # each sample: new on 06-20 + k, old on 07-01 + k -> 11 days apart
    assert am002.evidence["max_gap_days"] == 11
    assert am002.evidence["n_samples_over_max_days"] == 0

    [am003] = findings(result, "AM003")
    assert am003.severity == "major"
    assert am003.subjects == SUBJECTS
    assert (am003.evidence["n_pairs"], am003.evidence["min_pairs"]) == (12, 20)

    [am005] = findings(result, "AM005")
    assert am005.severity == "major"
    assert am005.subjects == SUBJECTS
    assert am005.evidence["first_paired_test_date"] == "2023-06-20"
    assert am005.evidence["protocol_date"] == "2023-08-01"
    assert am005.evidence["days_protocol_after_first_test"] == 42  # 10 days of June + 31 of July + 1


def test_old_method_tested_on_its_last_day_in_use_is_concurrent(tmp_path):
    rows = bridge_rows(old_date=lambda k: D("2023-05-31"), new_date=lambda k: D("2023-06-01"))
    assert findings(audit(with_bridge_rows(method_change_tables(), rows), tmp_path), "AM002") == []


def test_old_method_tested_the_day_after_it_retired_fires(tmp_path):
    rows = bridge_rows(old_date=lambda k: D("2023-05-31") + pd.Timedelta(days=int(k == 3)),
                       new_date=lambda k: D("2023-05-30"))
    [f] = findings(audit(with_bridge_rows(method_change_tables(), rows), tmp_path), "AM002")
    assert f.evidence["samples_after_retirement"] == ["S-04"]
    assert f.evidence["n_samples_after_retirement"] == 1
    assert f.evidence["latest_old_method_test_date"] == "2023-06-01"


def test_old_method_without_in_use_to_never_fires_the_retirement_clause(tmp_path):
    t = method_change_tables()
    t["methods"] = pd.DataFrame([method_row("M-OLD", "2022-01-01"), method_row("M-NEW", "2023-06-01")])
    rows = bridge_rows(old_date=lambda k: D("2024-01-10"), new_date=lambda k: D("2024-01-11"))
    assert findings(audit(with_bridge_rows(t, rows), tmp_path), "AM002") == []


def test_tests_thirty_days_apart_pass(tmp_path):
    rows = bridge_rows(old_date=lambda k: D("2023-05-01"), new_date=lambda k: D("2023-05-31"))
    assert findings(audit(with_bridge_rows(method_change_tables(), rows), tmp_path), "AM002") == []


def test_tests_thirty_one_days_apart_fire(tmp_path):
    rows = bridge_rows(old_date=lambda k: D("2023-05-01"),
                       new_date=lambda k: D("2023-05-31") + pd.Timedelta(days=int(k < 2)))
    [f] = findings(audit(with_bridge_rows(method_change_tables(), rows), tmp_path), "AM002")
    assert f.subjects == SUBJECTS
    assert f.evidence["max_gap_days"] == 31
    assert f.evidence["samples_over_max_days"] == ["S-01", "S-02"]
    assert f.evidence["max_days"] == 30
    assert f.evidence["n_samples_after_retirement"] == 0


def test_gap_spans_replicates_of_either_method(tmp_path):
    # S-01: old on 05-01 and again (replicate) on 05-02, new on 06-01 -> 06-01 minus 05-01 = 31 days
    rows = bridge_rows(old_date=lambda k: D("2023-05-02"), new_date=lambda k: D("2023-05-20"))
    rows.append({"bridging_study_id": "BR-1", "sample_id": "S-01", "method_id": "M-OLD", "value": 40.0,
                 "test_date": D("2023-05-01")})
    rows.append({"bridging_study_id": "BR-1", "sample_id": "S-01", "method_id": "M-NEW", "value": 41.8,
                 "test_date": D("2023-06-01")})
    [f] = findings(audit(with_bridge_rows(method_change_tables(), rows), tmp_path), "AM002")
    assert f.evidence["samples_over_max_days"] == ["S-01"]
    assert f.evidence["max_gap_days"] == 31


def test_configured_max_days(tmp_path):
    rows = bridge_rows(old_date=lambda k: D("2023-05-01"), new_date=lambda k: D("2023-05-11"))
    t = with_bridge_rows(method_change_tables(), rows)
    [f] = findings(audit(t, tmp_path, config=parse_config({"AM002": {"max_days": 7}})), "AM002")
    assert (f.evidence["max_gap_days"], f.evidence["max_days"]) == (10, 7)
    assert f.evidence["n_samples_over_max_days"] == 24


def test_due_date_is_the_old_method_retirement_when_still_ahead(tmp_path):
    rows = bridge_rows(old_date=lambda k: D("2023-04-01"), new_date=lambda k: D("2023-05-10"))
    t = with_bridge_rows(method_change_tables(), rows)
    [f] = findings(audit(t, tmp_path, as_of=dt.date(2023, 5, 20)), "AM002")
    assert f.due_date == dt.date(2023, 5, 31)
