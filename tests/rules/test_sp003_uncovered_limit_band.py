import datetime as dt

import pandas as pd
import pytest

from cmcready.plan import make_plan
from cmcready.rules import references as ref
from tests.builders import AS_OF, add_rows, audit, base_tables, findings, load
from tests.spec_fixtures import (edge_dosed_program, lot, mid_range_program, normal_quantiles,
                                 program)

MIDDLE = normal_quantiles(20, 100.0, 5.0)  # 89.5–110.5: far from both bands (<= 70, >= 130)


def only(result):
    fs = findings(result, "SP003")
    assert len(fs) == 1
    return fs[0]


def test_mid_range_dosing_lists_available_edge_lots_best_first(tmp_path):
    f = only(audit(mid_range_program(), tmp_path))
    assert f.severity == "major"
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-POT"}
    ev = f.evidence
    assert ev["uncovered_limits"] == ["lower", "upper"]
    # bands: <= 50 + 0.2 * (150 - 50) = 70, >= 150 - 0.2 * 100 = 130
    assert (ev["lower_band_max"], ev["upper_band_min"]) == (70.0, 130.0)
    # expired L-OLD-LOW (51) and rejected L-REJ-HIGH (149.5) are never listed; nearest the limit first
    ok = {"within_proposed_limits": True, "within_release_specifications": True}
    assert ev["available_lots_in_band"] == {
        "lower": [{"lot_id": "L-INV-LOW", "value": 53.0} | ok, {"lot_id": "L-INV-LOW2", "value": 60.0} | ok],
        "upper": [{"lot_id": "L-INV-HIGH", "value": 148.0} | ok, {"lot_id": "L-INV-HIGH2", "value": 140.0} | ok],
    }
    assert "L-INV-LOW" in f.action and "L-INV-HIGH" in f.action
    assert "L-OLD-LOW" not in f.action and "L-REJ-HIGH" not in f.action
    assert f.due_date is None  # the pivotal window opened (2023-01-01) before the as-of date
    assert f.references == (ref.ICH_Q6B, ref.FDA_POTENCY_ASSURANCE, ref.APPROVABLE_RANGE_PRACTICE)


def test_lots_dosed_near_both_limits_give_no_sp003(tmp_path):
    assert findings(audit(edge_dosed_program(), tmp_path), "SP003") == []


def test_administered_value_exactly_on_band_edge_covers_the_limit(tmp_path):
    # 70 = 50 + 0.2 * 100 is in the lower band; 130 in the upper band
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(MIDDLE + [70.0, 130.0])]
    assert findings(audit(program(lots), tmp_path), "SP003") == []


def test_administered_value_just_inside_band_edge_leaves_the_limit_uncovered(tmp_path):
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(MIDDLE + [70.01, 130.0])]
    f = only(audit(program(lots), tmp_path))
    assert f.evidence["uncovered_limits"] == ["lower"]
    assert "lower" in f.title and "upper" not in f.title


@pytest.mark.parametrize("limits, edges", [
    ((0.1, 1.1), (0.3, 0.9)),  # in floats the upper edge 1.1 - 0.2 * 1.0 is 0.9000000000000001
    ((0.1, 1.2), (0.32, 0.98)),  # in floats the lower edge 0.1 + 0.2 * 1.1 is 0.31999999999999995
])
def test_value_written_on_a_band_edge_of_a_decimal_range_is_in_the_band(tmp_path, limits, edges):
    middle = sum(limits) / 2
    values = [middle + 0.01 * ((i * 7) % 11 - 5) for i in range(20)] + list(edges)
    lots = [lot(f"L-{i:03d}", VIA=v) for i, v in enumerate(values)]
    result = audit(program(lots, attributes=("VIA",), proposed={"VIA": limits}), tmp_path)
    assert findings(result, "SP003") == []


def test_administered_value_below_the_lower_limit_covers_it(tmp_path):
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(MIDDLE + [45.0, 140.0])]
    assert findings(audit(program(lots), tmp_path), "SP003") == []


def test_no_available_lot_in_band_says_so(tmp_path):
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(MIDDLE + [135.0])]
    lots.append(lot("L-AVAIL-MID", dosed=False, POT=100.0))
    f = only(audit(program(lots), tmp_path))
    assert f.evidence["uncovered_limits"] == ["lower"]
    assert f.evidence["available_lots_in_band"] == {"lower": []}
    assert "no available lot" in f.action


def test_every_available_lot_in_the_band_is_listed_best_first(tmp_path):
    # SP003's available lots: released, not administered, not expired, value in the band
    # (below the lower limit included). Lots within the proposed limits and the release
    # specifications come first, then lots beyond the limit, then lots outside a release
    # specification; each group nearest the limit first.
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(MIDDLE + [135.0])]
    lots += [lot("L-IN-FAR", dosed=False, POT=68.0), lot("L-IN-NEAR", dosed=False, POT=61.0),
             lot("L-BELOW", dosed=False, POT=45.0), lot("L-RELEASE-FAIL", dosed=False, POT=55.0)]
    t = program(lots)
    # a release spec in force on the as-of date of 56-150 fails L-RELEASE-FAIL's 55 and L-BELOW's 45
    t["specifications"].loc[t["specifications"]["kind"] == "release", "lower"] = 56.0
    f = only(audit(t, tmp_path))
    listed = f.evidence["available_lots_in_band"]["lower"]
    assert [(x["lot_id"], x["within_proposed_limits"], x["within_release_specifications"]) for x in listed] == [
        ("L-IN-NEAR", True, True), ("L-IN-FAR", True, True),
        ("L-RELEASE-FAIL", True, False), ("L-BELOW", False, False)]
    assert "L-BELOW (45; beyond the proposed limit, outside a release specification in force)" in f.action


def test_available_lot_beyond_the_limit_within_release_specs_comes_after_lots_within(tmp_path):
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(MIDDLE + [135.0])]
    lots += [lot("L-BELOW", dosed=False, POT=49.0), lot("L-IN", dosed=False, POT=69.0)]
    t = program(lots)
    t["specifications"].loc[t["specifications"]["kind"] == "release", "lower"] = 40.0
    f = only(audit(t, tmp_path))
    listed = f.evidence["available_lots_in_band"]["lower"]
    assert [(x["lot_id"], x["within_proposed_limits"]) for x in listed] == [("L-IN", True), ("L-BELOW", False)]
    assert "L-BELOW (49; beyond the proposed limit)" in f.action


def test_patient_specific_modality_advises_manufacture_instead_of_lots(tmp_path):
    f = only(audit(mid_range_program(modality="autologous_cell"), tmp_path))
    assert f.evidence["patient_specific"] is True
    assert f.evidence["available_lots_in_band"] is None
    assert "manufacture" in f.action and "L-INV-LOW" not in f.action


def test_one_sided_specification_is_not_judged(tmp_path):
    lots = [lot(f"L-{i:03d}", CD3=v) for i, v in enumerate(normal_quantiles(20, 90.0, 2.0))]
    assert findings(audit(program(lots, attributes=("CD3",)), tmp_path), "SP003") == []


def test_due_date_is_the_pivotal_start_when_after_as_of(tmp_path):
    t = mid_range_program()
    t["studies"] = t["studies"].assign(pivotal=False, phase="1/2")
    t = add_rows(t, "studies", [{"study_id": "PIV3", "phase": "2", "pivotal": True,
                                 "enrollment_start": pd.Timestamp("2024-12-01"), "enrollment_end": None}])
    f = only(audit(t, tmp_path))
    assert f.due_date == dt.date(2024, 12, 1)


def test_band_threshold_is_configurable(tmp_path):
    from cmcready.config import parse_config

    # band 0.40: lower band <= 90 holds the dosed lots at 84.7-90; upper band >= 110 holds 110-115.3
    result = audit(mid_range_program(), tmp_path, config=parse_config({"SP003": {"band": 0.40}}))
    assert findings(result, "SP003") == []


def test_nothing_administered_yet_leaves_both_limits_uncovered(tmp_path):
    # An early program: lots made, none dosed. No administered lot lies in either band.
    lots = [lot(f"L-{i:03d}", dosed=False, POT=v) for i, v in enumerate(MIDDLE + [65.0, 140.0])]
    t = program(lots)
    t["administrations"] = base_tables()["administrations"].iloc[:0]  # the header only
    f = only(audit(t, tmp_path))
    assert f.evidence["uncovered_limits"] == ["lower", "upper"]
    assert f.evidence["clinical_n_lots"] == 0 and f.evidence["clinical_min"] is None
    assert [x["lot_id"] for x in f.evidence["available_lots_in_band"]["lower"]] == ["L-020"]
    assert [x["lot_id"] for x in f.evidence["available_lots_in_band"]["upper"]] == ["L-021"]
    assert "No administered lot has a value" in f.why
    # the plan has no clinical range to extend, and says so
    plan = make_plan(load(t, tmp_path / "plan"), as_of=AS_OF)
    assert plan["targets"] == [] and plan["recommended_lots"] == []
    assert [u["attribute_id"] for u in plan["not_targeted"]] == ["POT"]
