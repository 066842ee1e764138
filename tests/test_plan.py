import json

import pandas as pd
import pytest
from click.testing import CliRunner

from cmcready.cli import cli
from cmcready.plan import make_plan
from tests.builders import AS_OF, load, write_tables
from tests.spec_fixtures import EXPIRED, MID_DOSED, REJECTED, lot, mid_range_program, program


def plan_of(tables, tmp_path, **kw):
    return make_plan(load(tables, tmp_path), as_of=AS_OF, **kw)


def ids(plan):
    return [x["lot_id"] for x in plan["recommended_lots"]]


def test_mid_range_program_recommends_the_edge_lots_first(tmp_path):
    plan = plan_of(mid_range_program(), tmp_path)
    cmin, cmax = min(MID_DOSED), max(MID_DOSED)  # 84.32, 115.68
    assert plan["as_of"] == "2024-09-01"
    assert [(t["attribute_id"], t["limit"], t["proposed"]) for t in plan["targets"]] == [
        ("POT", "lower", 50.0), ("POT", "upper", 150.0)]
    assert plan["targets"][0]["clinical_extreme"] == pytest.approx(cmin)
    assert plan["targets"][1]["clinical_extreme"] == pytest.approx(cmax)
    # 148 closes (148 - 115.68) / (150 - 115.68) = 0.9417 of the upper gap; 53 closes
    # (84.32 - 53) / (84.32 - 50) = 0.9126 of the lower gap. Then 140 and 60 extend nothing.
    assert ids(plan) == ["L-INV-HIGH", "L-INV-LOW"]
    first = plan["recommended_lots"][0]
    assert first["extends"] == [{"attribute_id": "POT", "limit": "upper", "value": 148.0,
                                 "fraction_closed": pytest.approx((148 - cmax) / (150 - cmax))}]
    assert plan["recommended_lots"][1]["extends"][0]["fraction_closed"] == pytest.approx((cmin - 53) / (cmin - 50))
    # never the expired lot (51, nearer the limit) nor the rejected one (149.5)
    assert not set(ids(plan)) & (set(EXPIRED) | set(REJECTED))
    assert plan["targets"][0]["remaining_gap"] == pytest.approx(3.0)
    assert "note" not in plan


def _two_attribute_plan(tmp_path, extra=()):
    dosed = [lot("L-D1", POT=90.0, VIA=85.0), lot("L-D2", POT=110.0, VIA=95.0), lot("L-D3", POT=100.0, VIA=90.0)]
    cands = [lot("L-A", dosed=False, POT=70.0, VIA=90.0), lot("L-B", dosed=False, POT=100.0, VIA=72.0),
             lot("L-C", dosed=False, POT=130.0, VIA=99.0), lot("L-D", dosed=False, POT=60.0, VIA=80.0)]
    return plan_of(program(dosed + cands + list(extra), attributes=("POT", "VIA")), tmp_path)


def test_greedy_choice_by_total_fraction_of_remaining_gaps(tmp_path):
    # Gaps: POT 90-110 in 50-150 (40, 40); VIA 85-95 in 70-100 (15, 5).
    # Step 1: A 20/40 = 0.5; B 13/15 = 0.867; C 20/40 + 4/5 = 1.3; D 30/40 + 5/15 = 1.083 -> C.
    # Step 2 (POT max 130, VIA max 99): A 0.5; B 0.867; D 0.75 + 0.333 = 1.083 -> D.
    # Step 3 (POT min 60, VIA min 80): A extends nothing; B (80 - 72) / 10 = 0.8 -> B. A is never chosen.
    plan = _two_attribute_plan(tmp_path)
    assert ids(plan) == ["L-C", "L-D", "L-B"]
    c, d, b = plan["recommended_lots"]
    assert [(e["attribute_id"], e["limit"], e["value"]) for e in c["extends"]] == [
        ("POT", "upper", 130.0), ("VIA", "upper", 99.0)]
    assert c["fraction_of_gaps_closed"] == pytest.approx(1.3)
    assert d["fraction_of_gaps_closed"] == pytest.approx(0.75 + 5 / 15)
    assert b["extends"] == [{"attribute_id": "VIA", "limit": "lower", "value": 72.0,
                             "fraction_closed": pytest.approx(0.8)}]
    after = {(t["attribute_id"], t["limit"]): t["extreme_after_plan"] for t in plan["targets"]}
    assert after == {("POT", "lower"): 60.0, ("POT", "upper"): 130.0, ("VIA", "lower"): 72.0,
                     ("VIA", "upper"): 99.0}


def test_ties_are_broken_by_lot_id_and_the_twin_then_extends_nothing(tmp_path):
    dosed = [lot(f"L-D{i}", POT=v) for i, v in enumerate([90.0, 100.0, 110.0])]
    cands = [lot("L-Z", dosed=False, POT=60.0), lot("L-Y", dosed=False, POT=60.0)]
    assert ids(plan_of(program(dosed + cands), tmp_path)) == ["L-Y"]


def test_value_on_the_proposed_limit_extends_and_value_beyond_it_does_not(tmp_path):
    # proposed 60-140 inside the release spec 50-150: 55 is releasable but outside the proposed range
    dosed = [lot(f"L-D{i}", POT=v) for i, v in enumerate([90.0, 100.0, 110.0])]
    cands = [lot("L-BEYOND", dosed=False, POT=55.0), lot("L-ON", dosed=False, POT=140.0),
             lot("L-EQUAL", dosed=False, POT=90.0)]
    plan = plan_of(program(dosed + cands, proposed={"POT": (60.0, 140.0)}), tmp_path)
    assert ids(plan) == ["L-ON"]
    assert plan["recommended_lots"][0]["extends"][0]["fraction_closed"] == pytest.approx(1.0)


def test_lot_outside_a_release_spec_in_force_is_not_recommended(tmp_path):
    # L-X extends POT but its VIA 65 is below the VIA release limit 70
    plan = _two_attribute_plan(tmp_path, extra=[lot("L-X", dosed=False, POT=52.0, VIA=65.0)])
    assert "L-X" not in ids(plan)


def test_administered_expired_and_unreleased_lots_are_not_recommended(tmp_path):
    dosed = [lot(f"L-D{i}", POT=v) for i, v in enumerate([90.0, 100.0, 110.0])]
    cands = [lot("L-EXP", dosed=False, expired=True, POT=55.0),
             lot("L-REJ", dosed=False, status="rejected", POT=56.0),
             lot("L-INPROC", dosed=False, status="in_process", POT=57.0),
             lot("L-OK", dosed=False, POT=58.0)]
    t = program(dosed + cands)
    t["lots"].loc[t["lots"]["lot_id"] == "L-OK", "expiry_date"] = None  # no expiry date: not expired
    t["lots"].loc[t["lots"]["lot_id"] == "L-INPROC", "release_date"] = None
    plan = plan_of(t, tmp_path)
    assert ids(plan) == ["L-OK"]
    assert plan["n_available_lots"] == 1


def test_lot_expiring_on_the_as_of_date_is_still_available(tmp_path):
    dosed = [lot(f"L-D{i}", POT=v) for i, v in enumerate([90.0, 100.0, 110.0])]
    t = program(dosed + [lot("L-LAST-DAY", dosed=False, POT=55.0)])
    t["lots"].loc[t["lots"]["lot_id"] == "L-LAST-DAY", "expiry_date"] = pd.Timestamp(AS_OF)  # expired only when < as-of
    assert ids(plan_of(t, tmp_path)) == ["L-LAST-DAY"]


def test_patient_specific_modality_gives_no_lots_and_a_note(tmp_path):
    plan = plan_of(mid_range_program(modality="autologous_cell"), tmp_path)
    assert plan["recommended_lots"] == []
    assert "patient-specific" in plan["note"] and "autologous_cell" in plan["note"]
    assert len(plan["targets"]) == 2


def test_safety_basis_attribute_is_no_target(tmp_path):
    lots = [lot(f"L-{i:03d}", VCN=v) for i, v in enumerate([0.5, 0.8, 1.0])]
    lots.append(lot("L-AVAIL", dosed=False, VCN=4.5))
    plan = plan_of(program(lots, attributes=("VCN",)), tmp_path)
    assert plan["targets"] == [] and plan["recommended_lots"] == []


def test_cli_plan_writes_the_json_to_stdout(tmp_path):
    folder = write_tables(mid_range_program(), tmp_path)
    out = CliRunner().invoke(cli, ["plan", str(folder), "--as-of", "2024-09-01", "--json", "-"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert [x["lot_id"] for x in payload["recommended_lots"]] == ["L-INV-HIGH", "L-INV-LOW"]
    assert payload["as_of"] == "2024-09-01"
