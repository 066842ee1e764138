"""AM005: no acceptance criterion, or one approved after the first paired test.

BR-1's first paired test is on 2023-05-01 (sample S-01 on M-OLD).
"""

from __future__ import annotations

import datetime as dt

from tests.builders import D, audit, findings
from tests.rules.am_builders import bridge_rows, method_change_tables, with_bridge_rows, with_study

SUBJECTS = {"bridging_study_id": "BR-1", "attribute_id": "POT", "method_id": "M-NEW"}


def test_protocol_on_the_first_paired_test_date_passes(tmp_path):
    t = with_study(method_change_tables(), protocol_date=D("2023-05-01"))
    assert findings(audit(t, tmp_path), "AM005") == []


def test_protocol_a_day_after_the_first_paired_test_fires(tmp_path):
    t = with_study(method_change_tables(), protocol_date=D("2023-05-02"))
    [f] = findings(audit(t, tmp_path), "AM005")
    assert f.severity == "major"
    assert f.subjects == SUBJECTS
    assert f.evidence["first_paired_test_date"] == "2023-05-01"
    assert f.evidence["protocol_date"] == "2023-05-02"
    assert f.evidence["days_protocol_after_first_test"] == 1
    assert f.evidence["has_criterion"] is True
    assert f.evidence["acceptance_max_bias"] == 10.0
    assert f.due_date is None


def test_no_criterion_fires(tmp_path):
    t = with_study(method_change_tables(), acceptance_max_bias=None, acceptance_max_bias_pct=None)
    [f] = findings(audit(t, tmp_path), "AM005")
    assert f.evidence["has_criterion"] is False
    assert f.evidence["days_protocol_after_first_test"] is None
    assert "no acceptance criterion" in f.why


def test_percent_criterion_alone_is_a_criterion(tmp_path):
    t = with_study(method_change_tables(), acceptance_max_bias=None, acceptance_max_bias_pct=10.0)
    assert findings(audit(t, tmp_path), "AM005") == []


def test_empty_protocol_date_fires(tmp_path):
    t = with_study(method_change_tables(), protocol_date=None)
    [f] = findings(audit(t, tmp_path), "AM005")
    assert f.evidence["protocol_date"] is None
    assert f.evidence["has_criterion"] is True
    assert "no protocol approval date" in f.why


def test_unpaired_samples_do_not_set_the_first_paired_test_date(tmp_path):
    # an M-OLD-only sample tested on 2023-03-01 is not paired: the protocol of 2023-04-01 still precedes testing
    rows = bridge_rows() + [{"bridging_study_id": "BR-1", "sample_id": "X-1", "method_id": "M-OLD",
                             "value": 80.0, "test_date": D("2023-03-01")}]
    assert findings(audit(with_bridge_rows(method_change_tables(), rows), tmp_path), "AM005") == []


def test_first_paired_test_date_is_the_earliest_row_of_either_method(tmp_path):
    # S-01 tested on M-NEW on 2023-03-15 (before its M-OLD test on 05-01): the protocol of 04-01 is late
    rows = bridge_rows(new_date=lambda k: D("2023-03-15") if k == 0 else D("2023-05-25"))
    [f] = findings(audit(with_bridge_rows(method_change_tables(), rows), tmp_path), "AM005")
    assert f.evidence["first_paired_test_date"] == "2023-03-15"
    assert f.evidence["days_protocol_after_first_test"] == 17  # 16 days of March + 1


def test_due_date_is_the_old_method_retirement_when_ahead(tmp_path):
    t = with_study(method_change_tables(), protocol_date=None)
    [f] = findings(audit(t, tmp_path, as_of=dt.date(2023, 5, 20)), "AM005")
    assert f.due_date == dt.date(2023, 5, 31)
