"""PR004: a comparability study with too few lots, a CQA outside the quality range, or a late protocol."""

from __future__ import annotations

import pandas as pd
import pytest

from cmcready.config import parse_config
from tests.builders import D, add_rows, audit, findings
from tests.rules.process_builders import FIRST_POST_TEST, POST, PRE, with_viability
from tests.rules.process_builders import comparability_study as study


def test_exactly_three_lots_per_arm_inside_the_range_is_not_weak(tmp_path):
    assert findings(audit(study(), tmp_path), "PR004") == []


def test_two_pre_change_lots_is_weak_and_major(tmp_path):
    tables = study(pre_values=(98, 102), pre=PRE[:2])
    [f] = findings(audit(tables, tmp_path), "PR004")
    assert f.severity == "major"
    assert f.subjects == {"comparability_study_id": "CS-1"}
    assert (f.evidence["n_pre_change_lots"], f.evidence["n_post_change_lots"]) == (2, 3)
    assert f.evidence["min_lots"] == 3
    assert f.evidence["too_few_lots"] is True
    assert f.evidence["cqas_outside"] == []
    assert f.due_date is None


def test_post_change_lot_outside_potency_quality_range_is_critical(tmp_path):
    [f] = findings(audit(study(post_values=(95, 100, 107)), tmp_path), "PR004")
    assert f.severity == "critical"
    assert f.subjects == {"comparability_study_id": "CS-1", "lot_ids": ["L-019"]}
    qr = f.evidence["quality_ranges"]["POT"]
    # pre 98, 100, 102: mean 100; SD = sqrt((4 + 0 + 4) / 2) = 2; range 100 ± 3·2 = [94, 106]
    assert qr["pre_change_mean"] == pytest.approx(100.0)
    assert qr["pre_change_sd"] == pytest.approx(2.0)
    assert (qr["lower"], qr["upper"]) == (pytest.approx(94.0), pytest.approx(106.0))
    assert qr["lots_outside"] == [{"lot_id": "L-019", "value": 107.0}]
    assert qr["method_id"] == "M-POT"
    # the TOST second view: margin 1.5 · SD = 3, difference mean(95, 100, 107) − 100 = 2/3
    assert qr["equivalence_tost"]["margin"] == pytest.approx(3.0)
    assert qr["equivalence_tost"]["mean_difference"] == pytest.approx(2 / 3)
    assert f.evidence["k_sd"] == 3.0
    assert f.evidence["cqas_outside"] == ["POT"]
    assert f.evidence["too_few_lots"] is False


def test_post_change_lot_on_the_range_limit_is_inside(tmp_path):
    # 106 = 100 + 3·2 exactly: only a lot strictly outside fails
    assert findings(audit(study(post_values=(94, 100, 106)), tmp_path), "PR004") == []


def test_k_sd_threshold_is_configurable(tmp_path):
    # k = 2: range 100 ± 2·2 = [96, 104]; the post-change lot at 95 falls outside
    config = parse_config({"PR004": {"k_sd": 2}})
    [f] = findings(audit(study(), tmp_path, config=config), "PR004")
    assert f.subjects["lot_ids"] == ["L-017"]
    assert f.evidence["k_sd"] == 2.0
    assert f.evidence["quality_ranges"]["POT"]["lower"] == pytest.approx(96.0)


def test_non_potency_cqa_outside_is_major(tmp_path):
    # viability pre 80, 82, 84: mean 82, SD 2, range [76, 88]; post 90 is outside
    tables = with_viability(study(), dict(zip(PRE + POST, [80, 82, 84, 81, 83, 90])))
    [f] = findings(audit(tables, tmp_path), "PR004")
    assert f.severity == "major"
    assert f.subjects["lot_ids"] == ["L-019"]
    assert f.evidence["cqas_outside"] == ["VIA"]
    assert f.evidence["quality_ranges"]["VIA"]["upper"] == pytest.approx(88.0)


def test_attribute_that_is_not_a_cqa_is_not_judged(tmp_path):
    tables = with_viability(study(), dict(zip(PRE + POST, [80, 82, 84, 81, 83, 90])), cqa=False)
    assert findings(audit(tables, tmp_path), "PR004") == []


def test_protocol_on_the_first_post_change_test_date_passes(tmp_path):
    assert findings(audit(study(protocol_date=FIRST_POST_TEST), tmp_path), "PR004") == []


def test_protocol_after_the_first_post_change_test_is_major(tmp_path):
    [f] = findings(audit(study(protocol_date=FIRST_POST_TEST + pd.Timedelta(days=1)), tmp_path), "PR004")
    assert f.severity == "major"
    assert f.evidence["protocol_date"] == "2023-08-20"
    assert f.evidence["first_post_change_test_date"] == "2023-08-19"
    assert f.evidence["protocol_after_first_test"] is True
    assert f.evidence["protocol_missing"] is False


def test_empty_protocol_date_fails_the_protocol_check(tmp_path):
    [f] = findings(audit(study(protocol_date=None), tmp_path), "PR004")
    assert f.severity == "major"
    assert f.evidence["protocol_missing"] is True
    assert f.evidence["protocol_date"] is None


def test_values_are_judged_on_the_spec_scale_through_a_bridge(tmp_path):
    # Post-change lots measured on M-POT2, which reads 10 above M-POT (bridge: new = old + 10 exactly),
    # the spec being on M-POT: 105, 110, 117 on M-POT2 are 95, 100, 107 on the spec scale.
    tables = study()
    tables = add_rows(tables, "methods", [{"method_id": "M-POT2", "attribute_id": "POT", "name": "Reporter assay",
                                           "validation_status": "validated", "validated_date": D("2023-06-01"),
                                           "in_use_from": D("2023-06-01"), "in_use_to": None}])
    r = tables["results"]
    post = r["lot_id"].isin(POST)
    r.loc[post, "method_id"] = "M-POT2"
    r.loc[post, "value"] = [105.0, 110.0, 117.0]
    tables = add_rows(tables, "bridging_studies", [{"bridging_study_id": "BR-1", "attribute_id": "POT",
                                                    "old_method": "M-POT", "new_method": "M-POT2",
                                                    "protocol_date": D("2023-05-01"), "acceptance_max_bias": 15.0,
                                                    "acceptance_max_bias_pct": None, "error_ratio": None}])
    tables = add_rows(tables, "bridging_results", [
        {"bridging_study_id": "BR-1", "sample_id": f"S{i}", "method_id": m, "value": float(old + shift),
         "test_date": D("2023-06-02")}
        for i, old in enumerate([50, 75, 100, 125, 150]) for m, shift in (("M-POT", 0), ("M-POT2", 10))])
    [f] = findings(audit(tables, tmp_path), "PR004")
    assert f.subjects["lot_ids"] == ["L-019"]
    [outside] = f.evidence["quality_ranges"]["POT"]["lots_outside"]
    assert outside["value"] == pytest.approx(107.0)


def test_censored_results_are_counted_in_the_evidence(tmp_path):
    tables = study(post_values=(95, 100, 107))
    tables["results"].loc[tables["results"]["lot_id"] == "L-017", "qualifier"] = "<"
    [f] = findings(audit(tables, tmp_path), "PR004")
    qr = f.evidence["quality_ranges"]["POT"]
    assert (qr["n_censored_pre_change"], qr["n_censored_post_change"]) == (0, 1)


def test_listed_lot_of_a_version_the_study_does_not_compare_is_in_neither_arm(tmp_path):
    # L-013 is re-labelled v0; CS-1 compares v1 and v2, so L-013 is reported but not counted
    tables = study(protocol_date=None)
    tables = add_rows(tables, "process_versions", [{"process_version": "v0", "effective_date": D("2022-01-01"),
                                                    "description": "research process"}])
    tables["lots"].loc[tables["lots"]["lot_id"] == "L-013", "process_version"] = "v0"
    tables = add_rows(tables, "comparability_lots", [{"comparability_study_id": "CS-1", "lot_id": "L-013"}])
    [f] = findings(audit(tables, tmp_path), "PR004")
    assert f.evidence["other_lot_ids"] == ["L-013"]
    assert f.evidence["pre_change_lot_ids"] == PRE
    assert f.evidence["post_change_lot_ids"] == POST
