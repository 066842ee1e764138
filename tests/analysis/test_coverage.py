import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cmcready.analysis.coverage import approvable_range, joint_projection_details
from cmcready.analysis.specs import ProposedSpec
from cmcready.report.json_out import audit_json, dumps
from tests.builders import add_rows, audit
from tests.spec_fixtures import (EXPIRED, INVENTORY, MID_DOSED, REJECTED, lot, mean_sd, mid_range_program,
                                 normal_quantiles, normal_rate_outside, phi, program)

CONTRACT_KEYS = {"spec_method", "proposed_lower", "proposed_upper", "clinical_min", "clinical_max",
                 "clinical_n_lots", "pivotal_min", "pivotal_max", "projected_oos_rate", "projected_oos_ci", "model"}


def test_every_attribute_has_the_contract_keys_even_without_a_proposed_spec(tmp_path):
    lots = [lot(f"L-{i:03d}", POT=v, VIA=85.0 + i % 5) for i, v in enumerate(normal_quantiles(20, 100.0, 8.0))]
    t = program(lots, attributes=("POT", "VIA"), proposed={"VIA": None})
    result = audit(t, tmp_path)
    block = result.attributes
    assert set(block) == {"POT", "VIA"}
    for entry in block.values():
        assert CONTRACT_KEYS <= set(entry)
    via = block["VIA"]
    assert via["spec_method"] is None and via["proposed_lower"] is None and via["proposed_upper"] is None
    assert via["projected_oos_rate"] is None and via["model"] is None
    # clinical range still given, on the reference method (in use on the as-of date)
    assert (via["clinical_min"], via["clinical_max"], via["clinical_n_lots"]) == (85.0, 89.0, 20)
    assert via["scale_method"] == "M-VIA"
    # the whole audit JSON is plain JSON (no NaN)
    payload = json.loads(dumps(audit_json(result)))
    assert payload["attributes"]["POT"]["model"] == "normal"


def test_mid_range_block_matches_hand_calculation(tmp_path):
    entry = audit(mid_range_program(), tmp_path).attributes["POT"]
    cmin, cmax = min(MID_DOSED), max(MID_DOSED)
    values = MID_DOSED + list(INVENTORY.values()) + list(EXPIRED.values()) + list(REJECTED.values())
    assert entry["spec_method"] == "M-POT"
    assert (entry["proposed_lower"], entry["proposed_upper"]) == (50.0, 150.0)
    assert entry["clinical_min"] == pytest.approx(cmin) and entry["clinical_max"] == pytest.approx(cmax)
    assert entry["pivotal_min"] == pytest.approx(cmin) and entry["pivotal_max"] == pytest.approx(cmax)
    assert entry["clinical_n_lots"] == 20 and entry["n_projection_lots"] == 27
    assert (entry["approvable_lower"], entry["approvable_upper"]) == pytest.approx((cmin, cmax))
    assert entry["limit_basis"] == "clinical"
    m, s = mean_sd(values)
    # 0.2470 + 0.2486 = 0.4956
    expected = phi((cmin - m) / s) + (1 - phi((cmax - m) / s))
    assert entry["projected_oos_rate"] == pytest.approx(expected, rel=1e-9)
    lo, hi = entry["projected_oos_ci"]
    assert 0 <= lo <= expected <= hi <= 1
    assert entry["model"] == "normal"
    assert entry["proposed_oos_rate"] == pytest.approx(phi((50 - m) / s) + 1 - phi((150 - m) / s), rel=1e-9)
    # coverage of the proposed range: (cmax - cmin) / (150 - 50)
    assert entry["coverage_fraction"] == pytest.approx((cmax - cmin) / 100.0)
    assert entry["clinical_min_lot_ids"] == ["L-001"] and entry["clinical_max_lot_ids"] == ["L-020"]
    # nonparametric cross-check: lots strictly outside [cmin, cmax]: 53, 148, 60, 140, 51, 149.5
    assert entry["nonparametric_check"]["observed_outside"] == 6
    assert entry["nonparametric_check"]["observed_fraction"] == pytest.approx(6 / 27)
    assert entry["process_sd"] == pytest.approx(s)


def test_projection_is_deterministic(tmp_path):
    a = audit(mid_range_program(), tmp_path / "a")
    b = audit(mid_range_program(), tmp_path / "b")
    assert a.attributes == b.attributes
    assert a.joint_projected_failure_rate == b.joint_projected_failure_rate


def test_results_on_a_bridged_method_are_converted_then_averaged(tmp_path):
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(normal_quantiles(20, 100.0, 8.0))]
    lots.append(lot("L-TWO", POT=85.0))
    t = program(lots)
    t = add_rows(t, "methods", [{"method_id": "M-OLD", "attribute_id": "POT", "name": "old",
                                 "validation_status": "validated", "validated_date": pd.Timestamp("2021-01-01"),
                                 "in_use_from": pd.Timestamp("2021-01-01"), "in_use_to": None}])
    t = add_rows(t, "results", [{"lot_id": "L-TWO", "attribute_id": "POT", "method_id": "M-OLD", "value": 20.0,
                                 "qualifier": None, "test_date": pd.Timestamp("2023-09-01"), "reportable": True}])
    t = add_rows(t, "bridging_studies", [{"bridging_study_id": "BR-1", "attribute_id": "POT", "old_method": "M-OLD",
                                          "new_method": "M-POT", "protocol_date": pd.Timestamp("2023-01-01"),
                                          "acceptance_max_bias": 5.0, "acceptance_max_bias_pct": None,
                                          "error_ratio": 1.0}])
    # new = 2 * old + 1 exactly, so the Deming line is exact
    rows = []
    for i, x in enumerate([10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]):
        rows += [{"bridging_study_id": "BR-1", "sample_id": f"S-{i}", "method_id": m, "value": v,
                  "test_date": pd.Timestamp("2023-06-01")} for m, v in (("M-OLD", x), ("M-POT", 2 * x + 1))]
    t = add_rows(t, "bridging_results", rows)
    entry = audit(t, tmp_path).attributes["POT"]
    # L-TWO: mean of 85 (M-POT) and 2 * 20 + 1 = 41 (M-OLD converted) = 63
    assert entry["clinical_min"] == pytest.approx(63.0, abs=1e-9)
    assert entry["clinical_min_lot_ids"] == ["L-TWO"]
    assert entry["clinical_n_lots"] == 21


def test_pivotal_range_uses_pivotal_lots_only(tmp_path):
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(normal_quantiles(20, 100.0, 8.0))]
    lots += [lot("L-P1-LOW", study="PH1", POT=60.0), lot("L-P1-HIGH", study="PH1", POT=140.0)]
    t = add_rows(program(lots), "studies", [{"study_id": "PH1", "phase": "1", "pivotal": False,
                                             "enrollment_start": pd.Timestamp("2022-06-01"),
                                             "enrollment_end": pd.Timestamp("2022-12-31")}])
    entry = audit(t, tmp_path).attributes["POT"]
    assert (entry["clinical_min"], entry["clinical_max"]) == (60.0, 140.0)
    v = normal_quantiles(20, 100.0, 8.0)
    assert (entry["pivotal_min"], entry["pivotal_max"]) == pytest.approx((min(v), max(v)))
    assert entry["clinical_n_lots"] == 22 and entry["pivotal_n_lots"] == 20


def test_safety_basis_rate_is_against_the_proposed_limits(tmp_path):
    values = normal_quantiles(20, 3.0, 0.8)
    lots = [lot(f"L-{i:03d}", VCN=v) for i, v in enumerate(values)]
    entry = audit(program(lots, attributes=("VCN",)), tmp_path).attributes["VCN"]
    assert entry["limit_basis"] == "safety"
    assert (entry["approvable_lower"], entry["approvable_upper"]) == (None, 5.0)
    # upper limit only: 1 - Phi((5 - m) / s)
    assert entry["projected_oos_rate"] == pytest.approx(normal_rate_outside(values, None, 5.0), rel=1e-9)


def test_lognormal_attribute_rate_is_on_the_log_scale(tmp_path):
    z = np.array(normal_quantiles(30, 0.0, 1.0))
    values = np.exp(np.log(200.0) + 0.8 * z)
    assert stats.shapiro(values).pvalue < 0.05 <= stats.shapiro(np.log(values)).pvalue
    # the clinic dosed only the middle 20: approvable = their min and max
    order = np.argsort(values)
    dosed = set(order[5:25])
    lots = [lot(f"L-{i:03d}", dosed=i in dosed, IFN=float(v)) for i, v in enumerate(values)]
    entry = audit(program(lots, attributes=("IFN",)), tmp_path).attributes["IFN"]
    assert entry["model"] == "lognormal"
    cmin, cmax = float(values[order[5]]), float(values[order[24]])
    mu, sigma = mean_sd(np.log(values))
    expected = phi((math.log(cmin) - mu) / sigma) + 1 - phi((math.log(cmax) - mu) / sigma)
    assert entry["projected_oos_rate"] == pytest.approx(expected, rel=1e-9)


def test_fewer_than_ten_lots_is_not_estimable(tmp_path):
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate([90.0, 95, 98, 100, 101, 102, 104, 106, 110])]
    entry = audit(program(lots), tmp_path).attributes["POT"]
    assert entry["projected_oos_rate"] is None and entry["projected_oos_ci"] is None and entry["model"] is None
    assert entry["n_projection_lots"] == 9
    assert "at least 10" in entry["not_estimable_reason"]


def test_failed_and_in_process_lots_are_not_projected(tmp_path):
    lots = mid_range_program()
    t = lots
    t["lots"].loc[t["lots"]["lot_id"] == "L-INV-MID", "status"] = "failed_manufacture"
    entry = audit(t, tmp_path).attributes["POT"]
    assert entry["n_projection_lots"] == 26


def test_censored_values_are_counted(tmp_path):
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(normal_quantiles(20, 100.0, 8.0))]
    lots.append(lot("L-LOW", dosed=False, POT=60.0, qualifier={"POT": "<"}))
    entry = audit(program(lots), tmp_path).attributes["POT"]
    assert entry["n_censored"] == 1 and entry["clinical_n_censored"] == 0
    assert entry["n_projection_lots"] == 21


def test_clinical_range_beyond_a_limit_gives_an_empty_approvable_range(tmp_path):
    # every dosed lot above the proposed upper limit 80: approvable lower 90.x > upper 80
    values = normal_quantiles(20, 100.0, 4.0)
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(values)]
    entry = audit(program(lots, proposed={"POT": (50.0, 80.0)}), tmp_path).attributes["POT"]
    assert entry["approvable_lower"] == pytest.approx(min(values)) and entry["approvable_upper"] == 80.0
    assert entry["projected_oos_rate"] == 1.0
    assert "empty" in entry["note"]


def test_approvable_range_narrows_each_proposed_limit_only_where_it_exists():
    assert approvable_range(ProposedSpec("A", "M", 50.0, 150.0), 60.0, 140.0, "clinical") == (60.0, 140.0)
    assert approvable_range(ProposedSpec("A", "M", 50.0, 150.0), 40.0, 160.0, "clinical") == (50.0, 150.0)
    assert approvable_range(ProposedSpec("A", "M", 50.0, None), 60.0, 140.0, "clinical") == (60.0, None)
    assert approvable_range(ProposedSpec("A", "M", None, 5.0), 1.0, 2.0, "safety") == (None, 5.0)


def test_joint_projection_details(tmp_path):
    result = audit(mid_range_program(), tmp_path)
    details = joint_projection_details(result.context)
    assert details["rate"] == result.joint_projected_failure_rate
    assert details["ci"][0] <= details["rate"] <= details["ci"][1]
    assert [a["attribute_id"] for a in details["attributes"]] == ["POT"]
    assert details["n_complete_lots"] == 27 and details["not_estimable_reason"] is None


def test_joint_rate_is_none_without_a_clinical_basis_attribute(tmp_path):
    lots = [lot(f"L-{i:03d}", VCN=v) for i, v in enumerate(normal_quantiles(20, 3.0, 0.8))]
    result = audit(program(lots, attributes=("VCN",)), tmp_path)
    assert result.joint_projected_failure_rate is None
    assert "no clinical-basis attribute" in joint_projection_details(result.context)["not_estimable_reason"]
