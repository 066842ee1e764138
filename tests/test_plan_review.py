"""Adversarial review of the dosing plan against the plan contract (cli-and-output.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from cmcready.plan import make_plan
from tests.builders import AS_OF, D, load
from tests.spec_fixtures import lot, program


def plan_of(tables, tmp_path):
    return make_plan(load(tables, tmp_path), as_of=AS_OF)


def ids(plan):
    return [x["lot_id"] for x in plan["recommended_lots"]]


def test_exact_tie_in_decimal_values_goes_to_the_smaller_lot_id(tmp_path):
    # Clinical range 84.3-115.7 in 50-150. L-A (50.1) closes (84.3 - 50.1) / (84.3 - 50) = 34.2 / 34.3
    # of the lower gap, L-B (149.9) closes (149.9 - 115.7) / (150 - 115.7) = 34.2 / 34.3 of the upper
    # gap: the same fraction, though binary floating point makes the second a hair larger.
    # Ties go by lot_id, so L-A first; L-B still extends the upper limit and follows.
    assert (84.3 - 50.1) / (84.3 - 50.0) != (149.9 - 115.7) / (150.0 - 115.7)  # the rounding this test is about
    lots = [lot("L-001", POT=84.3), lot("L-002", POT=100.0), lot("L-003", POT=115.7),
            lot("L-B", dosed=False, POT=149.9), lot("L-A", dosed=False, POT=50.1)]
    plan = plan_of(program(lots), tmp_path)
    assert ids(plan) == ["L-A", "L-B"]
    first, second = plan["recommended_lots"]
    assert first["extends"][0]["limit"] == "lower" and first["extends"][0]["value"] == 50.1
    assert first["fraction_of_gaps_closed"] == pytest.approx(34.2 / 34.3)
    assert second["extends"][0]["limit"] == "upper" and second["extends"][0]["value"] == 149.9


def test_a_clearly_larger_fraction_still_beats_a_smaller_lot_id(tmp_path):
    # L-A closes 34.2 / 34.3 of the lower gap; L-B (149.95) closes 34.25 / 34.3 of the upper one.
    lots = [lot("L-001", POT=84.3), lot("L-002", POT=115.7),
            lot("L-A", dosed=False, POT=50.1), lot("L-B", dosed=False, POT=149.95)]
    assert ids(plan_of(program(lots), tmp_path)) == ["L-B", "L-A"]


def test_lot_with_a_censored_result_is_judged_at_its_recorded_value(tmp_path):
    # Release spec of POT 50-140 (proposed 50-150); censored values enter computations at their
    # recorded value (audit-rules.md; only DR004 judges every value they allow). "<52" is
    # within 50-140; ">160" is outside; "<145" is outside too, although it allows values inside.
    lots = [lot("L-001", POT=90.0), lot("L-002", POT=110.0),
            lot("L-LOW", dosed=False, POT=52.0, qualifier={"POT": "<"}),
            lot("L-HIGH", dosed=False, POT=160.0, qualifier={"POT": ">"}),
            lot("L-MAYBE", dosed=False, POT=145.0, qualifier={"POT": "<"})]
    t = program(lots)
    t["specifications"].loc[t["specifications"]["kind"] == "release", "upper"] = 140.0
    plan = plan_of(t, tmp_path)
    # L-LOW's value enters at 52: closes (90 - 52) / (90 - 50) = 0.95 of the lower gap
    assert ids(plan) == ["L-LOW"]
    assert plan["recommended_lots"][0]["extends"][0]["fraction_closed"] == pytest.approx(0.95)


def test_release_spec_that_is_no_longer_in_force_does_not_exclude_a_lot(tmp_path):
    # A lot outside a release spec that ended before the as-of date is judged only against the
    # specs in force on the as-of date.
    lots = [lot("L-001", POT=90.0), lot("L-002", POT=110.0), lot("L-X", dosed=False, POT=140.0)]
    t = program(lots)
    old = {"attribute_id": "POT", "kind": "release", "method_id": "M-POT", "lower": 50.0, "upper": 120.0,
           "effective_from": D("2020-01-01"), "effective_to": D("2021-12-31")}
    t["specifications"] = pd.concat([t["specifications"], pd.DataFrame([old])], ignore_index=True)
    plan = plan_of(t, tmp_path)
    # (140 - 110) / (150 - 110) = 0.75 of the upper gap
    assert ids(plan) == ["L-X"]
    assert plan["recommended_lots"][0]["fraction_of_gaps_closed"] == pytest.approx(0.75)


def test_targets_list_only_the_limits_the_clinic_falls_short_of(tmp_path):
    # Clinical 45-110 in 50-150: the lower limit is already exceeded (no target), the upper has a gap of 40.
    lots = [lot("L-001", POT=45.0), lot("L-002", POT=110.0), lot("L-X", dosed=False, POT=48.0)]
    t = program(lots)
    t["specifications"].loc[t["specifications"]["kind"] == "release", "lower"] = 40.0
    plan = plan_of(t, tmp_path)
    assert [(x["attribute_id"], x["limit"], x["proposed"], x["clinical_extreme"]) for x in plan["targets"]] == [
        ("POT", "upper", 150.0, 110.0)]
    # 48 lies outside the proposed limits and beyond no gap: not recommended
    assert ids(plan) == []


def test_a_lot_equal_to_the_clinical_extreme_in_decimal_does_not_extend_it(tmp_path):
    # L-001's results 0.1 and 0.2 average to 0.15000000000000002; L-INV at 0.15 is not
    # strictly beyond the clinical minimum (found by an independent oracle).
    lots = [lot("L-001", VIA=0.1), lot("L-002", VIA=0.5), lot("L-INV", dosed=False, VIA=0.15)]
    t = program(lots, attributes=("VIA",), proposed={"VIA": (0.05, 0.6)})
    extra = t["results"].iloc[[0]].assign(value=0.2)
    t["results"] = pd.concat([t["results"], extra], ignore_index=True)
    t["specifications"].loc[t["specifications"]["kind"] == "release", ["lower", "upper"]] = (0.0, 1.0)
    plan = plan_of(t, tmp_path)
    assert (0.1 + 0.2) / 2 > 0.15
    assert [(x["attribute_id"], x["limit"]) for x in plan["targets"]][0] == ("VIA", "lower")
    assert ids(plan) == []
