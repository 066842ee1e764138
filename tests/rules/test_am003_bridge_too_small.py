"""AM003: too few paired samples, or old-method values not spanning the administered lots' range.

The administered lots on M-OLD are L-001..L-011 with values 95..105 (base potency values
100 + ((7i mod 11) − 5), i = 0..10), a range of length 10.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cmcready.config import parse_config
from cmcready.rules.am003_bridge_too_small import span_fraction, spans_too_little
from tests.builders import audit, findings
from tests.rules.am_builders import OLD_LOTS, bridge_rows, method_change_tables, with_bridge_rows

SUBJECTS = {"bridging_study_id": "BR-1", "attribute_id": "POT", "method_id": "M-NEW"}


def test_nineteen_pairs_fire(tmp_path):
    t = with_bridge_rows(method_change_tables(), bridge_rows(n=19))
    [f] = findings(audit(t, tmp_path), "AM003")
    assert f.severity == "major"
    assert f.subjects == SUBJECTS
    assert (f.evidence["n_pairs"], f.evidence["min_pairs"]) == (19, 20)
    # old values 40 + 5k, k = 0..18 -> 40..130, covering all of 95..105
    assert f.evidence["bridge_old_range"] == [40.0, 130.0]
    assert f.evidence["administered_old_range"] == [95.0, 105.0]
    assert f.evidence["span"] == 1.0
    assert "too small" in f.title and "too narrow" not in f.title


def test_twenty_pairs_pass(tmp_path):
    t = with_bridge_rows(method_change_tables(), bridge_rows(n=20))
    assert findings(audit(t, tmp_path), "AM003") == []


def test_span_of_exactly_eighty_percent_passes(tmp_path):
    # old values 97 + 5k: overlap of [97, 212] with [95, 105] is 105 - 97 = 8 -> 8 / 10 = 0.80
    t = with_bridge_rows(method_change_tables(), bridge_rows(old=lambda k: 97.0 + 5.0 * k))
    assert findings(audit(t, tmp_path), "AM003") == []


def test_span_below_eighty_percent_fires(tmp_path):
    # old values 97.5 + 5k: overlap 105 - 97.5 = 7.5 -> 7.5 / 10 = 0.75
    t = with_bridge_rows(method_change_tables(), bridge_rows(old=lambda k: 97.5 + 5.0 * k))
    [f] = findings(audit(t, tmp_path), "AM003")
    assert f.evidence["span"] == pytest.approx(0.75)
    assert f.evidence["min_span"] == 0.80
    assert f.evidence["n_administered_lots_on_old_method"] == 11
    assert f.evidence["bridge_old_range"] == [97.5, 212.5]
    assert "too narrow" in f.title and "too small" not in f.title


def test_bridge_entirely_outside_the_clinical_range_spans_nothing(tmp_path):
    t = with_bridge_rows(method_change_tables(), bridge_rows(old=lambda k: 110.0 + k))
    [f] = findings(audit(t, tmp_path), "AM003")
    assert f.evidence["span"] == 0.0


def test_span_not_evaluated_with_one_administered_lot_on_the_old_method(tmp_path):
    t = with_bridge_rows(method_change_tables(), bridge_rows(old=lambda k: 104.0 + k))
    adm = t["administrations"]
    t["administrations"] = adm.loc[~adm["lot_id"].isin(OLD_LOTS[1:])].reset_index(drop=True)
    assert findings(audit(t, tmp_path), "AM003") == []


def test_span_not_evaluated_for_a_zero_length_range(tmp_path):
    t = with_bridge_rows(method_change_tables(), bridge_rows(old=lambda k: 104.0 + k))
    r = t["results"].copy()
    r.loc[r["lot_id"].isin(OLD_LOTS), "value"] = 100.0
    t["results"] = r
    assert findings(audit(t, tmp_path), "AM003") == []


def test_span_not_evaluated_is_reported_when_pairs_are_too_few(tmp_path):
    t = with_bridge_rows(method_change_tables(), bridge_rows(n=5, old=lambda k: 104.0 + k))
    r = t["results"].copy()
    r.loc[r["lot_id"].isin(OLD_LOTS), "value"] = 100.0
    t["results"] = r
    [f] = findings(audit(t, tmp_path), "AM003")
    assert f.evidence["span"] is None
    assert "zero-length" in f.evidence["span_note"]


def test_lot_value_is_the_mean_of_its_old_method_results(tmp_path):
    # L-001 (95) gets a second M-OLD result of 75: its value becomes 85, the range 85..105 (length 20);
    # old values 90 + 5k overlap [90, 105] = 15 -> 15 / 20 = 0.75
    t = with_bridge_rows(method_change_tables(), bridge_rows(old=lambda k: 90.0 + 5.0 * k))
    first = t["results"].loc[t["results"]["lot_id"] == "L-001"].assign(value=75.0)
    t["results"] = pd.concat([t["results"], first], ignore_index=True)
    [f] = findings(audit(t, tmp_path), "AM003")
    assert f.evidence["administered_old_range"] == [85.0, 105.0]
    assert f.evidence["span"] == pytest.approx(0.75)


def test_configured_min_pairs(tmp_path):
    t = method_change_tables()
    [f] = findings(audit(t, tmp_path, config=parse_config({"AM003": {"min_pairs": 30}})), "AM003")
    assert (f.evidence["n_pairs"], f.evidence["min_pairs"]) == (24, 30)


def test_a_decimal_tie_with_min_span_is_not_a_shortfall():
    span = span_fraction(0.2, 0.6, 0.1, 0.6)  # 0.4 / 0.5 = 0.80 in decimal
    assert span < 0.8  # 0.7999999999999999 in binary floating point
    assert not spans_too_little(span, 0.8)
    assert spans_too_little(span_fraction(0.2001, 0.6, 0.1, 0.6), 0.8)


def test_span_fraction_arithmetic():
    assert span_fraction(0.0, 5.0, 0.0, 10.0) == 0.5
    assert span_fraction(-5.0, 20.0, 0.0, 10.0) == 1.0
    assert span_fraction(11.0, 20.0, 0.0, 10.0) == 0.0


def test_study_without_any_results_has_zero_pairs_and_spans_nothing(tmp_path):
    t = method_change_tables()
    del t["bridging_results"]
    result = audit(t, tmp_path)
    [f] = findings(result, "AM003")
    assert f.evidence["n_pairs"] == 0
    assert f.evidence["bridge_old_range"] is None
    assert f.evidence["span"] == 0.0
    # no pairs: no late-testing or timing problem to report, and no fit to judge
    assert findings(result, "AM002") == []
    assert findings(result, "AM004") == []
    assert findings(result, "AM005") == []
    assert result.bridging["BR-1"]["n_pairs"] == 0
    assert result.bridging["BR-1"]["slope"] is None
