import datetime as dt

import pandas as pd
import pytest

from cmcready.config import parse_config
from cmcready.rules import references as ref
from tests.builders import add_rows, audit, findings
from tests.spec_fixtures import (EXPIRED, INVENTORY, MID_DOSED, REJECTED, edge_dosed_program, lot, mean_sd,
                                 mid_range_program, normal_quantiles, normal_rate_outside, program)


def only(result, code="SP001"):
    fs = findings(result, code)
    assert len(fs) == 1, [f.title for f in fs]
    return fs[0]


def test_mid_range_dosing_with_edge_inventory_is_critical(tmp_path):
    f = only(audit(mid_range_program(), tmp_path))
    assert f.severity == "critical"
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-POT"}
    ev = f.evidence
    cmin, cmax = min(MID_DOSED), max(MID_DOSED)
    assert ev["clinical_min"] == pytest.approx(cmin, abs=1e-12)
    assert ev["clinical_max"] == pytest.approx(cmax, abs=1e-12)
    assert ev["clinical_n_lots"] == 20
    assert [b["limit"] for b in ev["limits"]] == ["lower", "upper"]
    # lower: excess = cmin - 50 = 34.32 > 0.10 * (150 - 50) = 10
    assert ev["limits"][0]["excess"] == pytest.approx(cmin - 50.0)
    assert ev["limits"][0]["allowed_excess"] == pytest.approx(10.0)
    assert ev["limits"][0]["projected_approvable_limit"] == pytest.approx(cmin)
    assert ev["limits"][1]["projected_approvable_limit"] == pytest.approx(cmax)
    assert (ev["approvable_lower"], ev["approvable_upper"]) == pytest.approx((cmin, cmax))
    # Projection: every v1 lot released or rejected (20 dosed + 5 inventory + 1 expired + 1 rejected = 27),
    # normal model; rate = Phi((cmin - m)/s) + 1 - Phi((cmax - m)/s) with m, s of those 27 values.
    values = MID_DOSED + list(INVENTORY.values()) + list(EXPIRED.values()) + list(REJECTED.values())
    assert ev["n_projection_lots"] == 27
    assert ev["model"] == "normal"
    expected = normal_rate_outside(values, cmin, cmax)  # about 0.4956
    assert ev["projected_oos_rate"] == pytest.approx(expected, rel=1e-9)
    assert ev["projected_oos_ci"][0] <= expected <= ev["projected_oos_ci"][1]
    assert ev["process_sd"] == pytest.approx(mean_sd(values)[1], rel=1e-12)
    assert ev["n_censored"] == 0
    assert (ev["max_excess"], ev["critical_rate"], ev["major_rate"], ev["min_lots"]) == (0.10, 0.05, 0.01, 10)
    assert f.due_date == dt.date(2025, 6, 30)  # submission_target
    assert f.references == (ref.ICH_Q6B, ref.FDA_POTENCY_ASSURANCE, ref.APPROVABLE_RANGE_PRACTICE)
    assert "POT" in f.action and "M-POT" in f.action
    assert "projection" in f.why or "projected" in f.why


def test_lots_dosed_near_both_limits_give_no_sp001(tmp_path):
    result = audit(edge_dosed_program(), tmp_path)
    assert findings(result, "SP001") == []
    # clinical range 54–146: excess 4 on each side, within 10% of the width of 100
    assert result.attributes["POT"]["clinical_min"] == 54.0
    assert result.attributes["POT"]["clinical_max"] == 146.0


def test_excess_of_exactly_ten_percent_of_width_does_not_fire(tmp_path):
    # clinical range 60–140 against 50–150: excess 10 = 0.10 * 100 on each side (not more)
    values = normal_quantiles(18, 100.0, 10.0) + [60.0, 140.0]
    result = audit(program([lot(f"L-{i:03d}", POT=v) for i, v in enumerate(values)]), tmp_path)
    assert findings(result, "SP001") == []


def test_excess_of_exactly_ten_percent_in_decimal_units_does_not_fire(tmp_path):
    # The same tie in units where binary rounding makes 1.5 - 1.4 exceed 0.1 * (1.5 - 0.5)
    # by 9e-17: "more than" the allowance is judged on the decimal values.
    values = normal_quantiles(18, 1.0, 0.1) + [0.6, 1.4]
    assert 1.5 - 1.4 > 0.1 * (1.5 - 0.5)
    t = program([lot(f"L-{i:03d}", POT=v) for i, v in enumerate(values)], proposed={"POT": (0.5, 1.5)})
    assert findings(audit(t, tmp_path), "SP001") == []


def test_excess_just_over_ten_percent_fires_for_that_limit_only(tmp_path):
    # lower excess 60.01 - 50 = 10.01 > 10; upper excess 150 - 140 = 10, not more
    values = normal_quantiles(18, 100.0, 10.0) + [60.01, 140.0]
    f = only(audit(program([lot(f"L-{i:03d}", POT=v) for i, v in enumerate(values)]), tmp_path))
    assert [b["limit"] for b in f.evidence["limits"]] == ["lower"]
    assert f.evidence["limits"][0]["excess"] == pytest.approx(10.01)
    assert "lower limit" in f.title and "upper" not in f.title
    # rate against the approvable range [60.01, 140] (the upper approvable limit is the clinical max)
    assert f.evidence["projected_oos_rate"] == pytest.approx(normal_rate_outside(values, 60.01, 140.0), rel=1e-9)


def test_projected_rate_between_one_and_five_percent_is_major(tmp_path):
    values = normal_quantiles(40, 100.0, 10.0)  # all dosed: clinical range 77.59–122.41
    f = only(audit(program([lot(f"L-{i:03d}", POT=v) for i, v in enumerate(values)]), tmp_path))
    # m = 100, s = 9.968; rate = 2 * Phi(-22.414 / 9.968) = 0.02454
    expected = normal_rate_outside(values, min(values), max(values))
    assert 0.01 <= expected < 0.05
    assert f.evidence["projected_oos_rate"] == pytest.approx(expected, rel=1e-9)
    assert f.severity == "major"


def test_projected_rate_below_one_percent_is_minor(tmp_path):
    # A tight commercial process (v1, SD 5 around 100) and two wider clinical lots from v0 (80 and 122).
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(normal_quantiles(30, 100.0, 5.0))]
    lots += [lot("L-V0-A", version="v0", POT=80.0), lot("L-V0-B", version="v0", POT=122.0)]
    t = add_rows(program(lots), "process_versions",
                 [{"process_version": "v0", "effective_date": pd.Timestamp("2021-01-01"), "description": "old"}])
    f = only(audit(t, tmp_path))
    v1 = normal_quantiles(30, 100.0, 5.0)
    # rate = Phi((80 - 100)/4.979) + 1 - Phi((122 - 100)/4.979) = 3.4e-5
    expected = normal_rate_outside(v1, 80.0, 122.0)
    assert expected < 0.01
    assert f.evidence["projected_oos_rate"] == pytest.approx(expected, rel=1e-6)
    assert f.evidence["n_projection_lots"] == 30
    assert f.severity == "minor"


def test_fewer_than_ten_commercial_lots_is_major_and_not_estimable(tmp_path):
    values = [95.0, 97.0, 98.0, 99.0, 100.0, 101.0, 102.0, 103.0, 105.0]  # 9 lots
    f = only(audit(program([lot(f"L-{i:03d}", POT=v) for i, v in enumerate(values)]), tmp_path))
    assert f.severity == "major"
    assert f.evidence["projected_oos_rate"] is None
    assert f.evidence["n_projection_lots"] == 9
    assert "9 lots" in f.evidence["not_estimable_reason"]
    assert "not estimable" in f.why


def test_min_lots_threshold_is_configurable(tmp_path):
    config = parse_config({"SP001": {"min_lots": 30}})
    f = only(audit(mid_range_program(), tmp_path, config=config))
    assert f.severity == "major"  # 27 lots < 30: not estimable
    assert f.evidence["min_lots"] == 30


def test_max_excess_threshold_is_configurable(tmp_path):
    # excess 34.3 <= 0.5 * 100
    result = audit(mid_range_program(), tmp_path, config=parse_config({"SP001": {"max_excess": 0.5}}))
    assert findings(result, "SP001") == []


def _one_sided(dosed_min: float, tmp_path):
    # CD3 has only a lower proposed limit, 60; the commercial process (v1) has SD 4.97.
    values = normal_quantiles(20, 80.0, 5.0)
    lots = [lot(f"L-{i:03d}", dosed=False, CD3=v) for i, v in enumerate(values)]
    lots += [lot("L-DOSED-A", CD3=dosed_min), lot("L-DOSED-B", CD3=85.0)]
    return audit(program(lots, attributes=("CD3",)), tmp_path), values + [dosed_min, 85.0]


def test_one_sided_limit_more_than_one_sd_beyond_fires(tmp_path):
    result, values = _one_sided(66.0, tmp_path)
    f = only(result)
    m, s = mean_sd(values)
    # excess 66 - 60 = 6 > 1 * s (s of the 22 v1 lots = 5.06)
    assert f.evidence["limits"][0]["excess"] == pytest.approx(6.0)
    assert f.evidence["limits"][0]["allowed_excess"] == pytest.approx(s, rel=1e-12)
    assert f.evidence["process_sd"] == pytest.approx(s, rel=1e-12)
    assert f.evidence["proposed_width"] is None
    assert f.evidence["approvable_upper"] is None
    # one-sided: rate = Phi((66 - m) / s)
    assert f.evidence["projected_oos_rate"] == pytest.approx(normal_rate_outside(values, 66.0, None), rel=1e-9)
    assert f.references == (ref.ICH_Q6B, ref.APPROVABLE_RANGE_PRACTICE)  # not a potency attribute


def test_one_sided_limit_within_one_sd_does_not_fire(tmp_path):
    result, values = _one_sided(64.0, tmp_path)
    assert 64.0 - 60.0 < mean_sd(values)[1]
    assert findings(result, "SP001") == []


def test_one_sided_clause_not_evaluated_with_fewer_than_two_commercial_lots(tmp_path):
    lots = [lot(f"L-{i:03d}", CD3=v) for i, v in enumerate(normal_quantiles(20, 80.0, 5.0))]
    lots.append(lot("L-V2", version="v2", dosed=False, CD3=80.0))
    t = program(lots, attributes=("CD3",))
    t = add_rows(t, "process_versions", [{"process_version": "v2", "effective_date": pd.Timestamp("2024-08-01"),
                                          "description": "new"}])
    t["program"] = t["program"].assign(commercial_process_version="v2")
    result = audit(t, tmp_path)
    # clinical min 70.2 is 10.2 above 60, more than any v1 SD, but v2 has a single lot: no SD
    assert result.attributes["CD3"]["process_sd"] is None
    assert result.attributes["CD3"]["clinical_min"] > 70.0
    assert findings(result, "SP001") == []


def test_safety_basis_attribute_is_excluded(tmp_path):
    # VCN (safety basis, upper 5): clinical max 1.0 is far below 5, yet no SP001
    lots = [lot(f"L-{i:03d}", VCN=v) for i, v in enumerate(normal_quantiles(20, 0.8, 0.1))]
    assert findings(audit(program(lots, attributes=("VCN",)), tmp_path), "SP001") == []


def test_censored_clinical_values_enter_at_recorded_value_and_are_counted(tmp_path):
    values = normal_quantiles(20, 100.0, 8.0)
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(values)]
    lots.append(lot("L-CENS", POT=120.0, qualifier={"POT": ">"}))
    f = only(audit(program(lots), tmp_path))
    assert f.evidence["clinical_max"] == 120.0
    assert f.evidence["clinical_n_censored"] == 1
    assert f.evidence["n_censored"] == 1  # the lot is also a commercial-process lot
    assert f.evidence["clinical_max_lot_ids"] == ["L-CENS"]


def test_no_administered_values_is_not_evaluated(tmp_path):
    lots = [lot(f"L-{i:03d}", dosed=False, POT=v) for i, v in enumerate(normal_quantiles(20, 100.0, 8.0))]
    lots.append(lot("L-DOSED"))  # administered, but no potency result
    assert findings(audit(program(lots), tmp_path), "SP001") == []
