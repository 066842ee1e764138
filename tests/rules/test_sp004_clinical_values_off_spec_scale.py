import datetime as dt

import pandas as pd

from cmcready.rules import references as ref
from tests.builders import add_rows, audit, findings
from tests.spec_fixtures import lot, normal_quantiles, program

OLD_LOTS = ["L-002", "L-000", "L-005"]  # measured with the retired method M-OLD


def old_method_program(*, attribute="POT", spec_method="M-POT", dosed=True, basis=None, proposed=True):
    lots = [lot(f"L-{i:03d}", dosed=dosed or f"L-{i:03d}" not in OLD_LOTS, **{attribute: v})
            for i, v in enumerate(normal_quantiles(20, 100.0, 8.0))]
    t = program(lots, attributes=(attribute,))
    t = add_rows(t, "methods", [{"method_id": "M-OLD", "attribute_id": attribute, "name": "old assay",
                                 "validation_status": "qualified", "validated_date": None,
                                 "in_use_from": pd.Timestamp("2021-01-01"), "in_use_to": pd.Timestamp("2024-01-01")}])
    r = t["results"]
    r.loc[r["lot_id"].isin(OLD_LOTS), "method_id"] = "M-OLD"
    if basis:
        t["attributes"] = t["attributes"].assign(limit_basis=basis)
    if not proposed:
        s = t["specifications"]
        t["specifications"] = s.loc[s["kind"] != "proposed_commercial"].reset_index(drop=True)
    return t


def add_bridge(t, n_pairs: int):
    t = add_rows(t, "bridging_studies", [{"bridging_study_id": "BR-1", "attribute_id": "POT", "old_method": "M-OLD",
                                          "new_method": "M-POT", "protocol_date": pd.Timestamp("2023-01-01"),
                                          "acceptance_max_bias": 10.0, "acceptance_max_bias_pct": None,
                                          "error_ratio": 1.0}])
    rows = []
    for i in range(n_pairs):
        x = 60.0 + 10 * i + (i % 3)
        rows += [{"bridging_study_id": "BR-1", "sample_id": f"S-{i}", "method_id": "M-OLD", "value": x,
                  "test_date": pd.Timestamp("2023-06-01")},
                 {"bridging_study_id": "BR-1", "sample_id": f"S-{i}", "method_id": "M-POT", "value": 1.02 * x + 1,
                  "test_date": pd.Timestamp("2023-06-02")}]
    return add_rows(t, "bridging_results", rows)


def test_administered_values_on_an_unbridged_method_are_critical(tmp_path):
    fs = findings(audit(old_method_program(), tmp_path), "SP004")
    assert len(fs) == 1
    f = fs[0]
    assert f.severity == "critical"
    assert f.subjects == {"attribute_id": "POT", "method_id": "M-OLD", "lot_ids": sorted(OLD_LOTS)}
    assert f.evidence["n_lots"] == 3 and f.evidence["n_results"] == 3
    assert f.evidence["spec_method"] == "M-POT"
    assert f.evidence["clinical_n_lots"] == 17  # 20 dosed lots, 3 of them off the spec scale
    assert f.due_date == dt.date(2025, 6, 30)
    assert f.references[0] == ref.ICH_Q6B and ref.FDA_POTENCY_ASSURANCE in f.references
    assert "M-OLD" in f.action and "M-POT" in f.action and "L-000" in f.action


def test_bridge_with_three_pairs_puts_values_on_the_spec_scale(tmp_path):
    result = audit(add_bridge(old_method_program(), 3), tmp_path)
    assert findings(result, "SP004") == []
    assert result.attributes["POT"]["clinical_n_lots"] == 20


def test_bridge_with_two_pairs_is_no_path(tmp_path):
    fs = findings(audit(add_bridge(old_method_program(), 2), tmp_path), "SP004")
    assert [f.subjects["method_id"] for f in fs] == ["M-OLD"]


def test_without_a_proposed_specification_sp004_does_not_fire(tmp_path):
    assert findings(audit(old_method_program(proposed=False), tmp_path), "SP004") == []


def test_safety_basis_attribute_is_excluded(tmp_path):
    assert findings(audit(old_method_program(basis="safety"), tmp_path), "SP004") == []


def test_unbridged_values_of_lots_never_administered_do_not_fire(tmp_path):
    assert findings(audit(old_method_program(dosed=False), tmp_path), "SP004") == []
