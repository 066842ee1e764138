"""Bridging analysis: paired samples, path choice, conversion along chains and inverted lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cmcready.analysis.bridging import bridge_fits, bridging_path, convert, paired_samples
from cmcready.analysis.values import lot_values, unconvertible_methods
from cmcready.context import AuditContext
from tests.analysis.bridging_by_hand import deming_line, deming_line_by_optimisation
from tests.builders import AS_OF, D, load
from tests.rules.am_builders import (bridge_new, bridge_old, bridge_rows, method_change_tables, method_row,
                                     study_row)


def ctx_for(tables, tmp_path) -> AuditContext:
    return AuditContext(load(tables, tmp_path), as_of=AS_OF)


def three_method_tables(studies: list[dict], rows: list[dict]):
    """Methods A, B, C, D of POT (results stay on A), with the given bridging studies."""
    t = method_change_tables(bridged=False)
    t["methods"] = pd.DataFrame([method_row(m, "2022-01-01") for m in ("A", "B", "C", "D")]
                                + [method_row("M-OLD", "2022-01-01", "2023-05-31"), method_row("M-NEW", "2023-06-01")])
    t["bridging_studies"] = pd.DataFrame(studies)
    t["bridging_results"] = pd.DataFrame(rows)
    return t


# ---- paired samples ------------------------------------------------------------------

def test_paired_samples_average_replicates_and_drop_unpaired_samples():
    rows = pd.DataFrame([
        {"sample_id": "s1", "method_id": "old", "value": 10.0, "test_date": D("2023-01-05")},
        {"sample_id": "s1", "method_id": "old", "value": 12.0, "test_date": D("2023-01-02")},
        {"sample_id": "s1", "method_id": "new", "value": 13.0, "test_date": D("2023-01-09")},
        {"sample_id": "s2", "method_id": "old", "value": 20.0, "test_date": D("2023-01-03")},  # no new row
        {"sample_id": "s0", "method_id": "new", "value": 5.0, "test_date": D("2023-01-01")},
        {"sample_id": "s0", "method_id": "old", "value": 4.0, "test_date": D("2023-01-20")},
    ])
    p = paired_samples(rows, "old", "new")
    assert list(p["sample_id"]) == ["s0", "s1"]
    # s1: old replicates (10 + 12) / 2 = 11; dates span 01-02 .. 01-09; last old test 01-05
    s1 = p.set_index("sample_id").loc["s1"]
    assert (s1["old"], s1["new"]) == (11.0, 13.0)
    assert (s1["first_date"], s1["last_date"], s1["last_old_date"]) == (D("2023-01-02"), D("2023-01-09"),
                                                                       D("2023-01-05"))
    s0 = p.set_index("sample_id").loc["s0"]
    assert (s0["first_date"], s0["last_old_date"]) == (D("2023-01-01"), D("2023-01-20"))


def test_paired_samples_of_a_study_with_one_method_only_is_empty():
    rows = pd.DataFrame([{"sample_id": "s1", "method_id": "old", "value": 1.0, "test_date": D("2023-01-01")}])
    assert paired_samples(rows, "old", "new").empty


# ---- fits and paths -------------------------------------------------------------------

def test_fit_matches_the_textbook_deming_formula(tmp_path):
    ctx = ctx_for(method_change_tables(), tmp_path)
    fit = bridge_fits(ctx)["BR-1"]
    x = [bridge_old(k) for k in range(24)]
    y = [bridge_new(k) for k in range(24)]
    b0, b1 = deming_line(x, y)
    assert fit.n_pairs == 24
    assert fit.fit.slope == pytest.approx(b1, rel=1e-12)
    assert fit.fit.intercept == pytest.approx(b0, rel=1e-10)
    o0, o1 = deming_line_by_optimisation(x, y)
    assert fit.fit.slope == pytest.approx(o1, rel=1e-7)
    assert fit.fit.intercept == pytest.approx(o0, abs=1e-5)


def test_study_with_two_pairs_is_not_a_path(tmp_path):
    t = method_change_tables()
    t["bridging_results"] = pd.DataFrame(bridge_rows(n=2))
    ctx = ctx_for(t, tmp_path)
    assert bridge_fits(ctx)["BR-1"].fit is None
    assert bridging_path(ctx, "M-OLD", "M-NEW") is None
    assert convert(ctx, [100.0], "M-OLD", "M-NEW") is None


def test_study_with_three_pairs_is_a_path(tmp_path):
    t = method_change_tables()
    t["bridging_results"] = pd.DataFrame(bridge_rows(n=3))
    ctx = ctx_for(t, tmp_path)
    assert [s.study_id for s in bridging_path(ctx, "M-OLD", "M-NEW")] == ["BR-1"]


def test_same_method_path_is_empty(tmp_path):
    ctx = ctx_for(method_change_tables(), tmp_path)
    assert bridging_path(ctx, "M-NEW", "M-NEW") == ()
    np.testing.assert_array_equal(convert(ctx, [1.0, 2.0], "M-NEW", "M-NEW"), [1.0, 2.0])


def line(b0, b1):
    return lambda k: b0 + b1 * bridge_old(k) + ((k * 3) % 5 - 2) * 0.2


def test_chain_a_to_b_to_c_converts_through_both_lines_and_back(tmp_path):
    ab = line(2.0, 1.5)
    bc_old = lambda k: 10.0 + 7.0 * k
    bc_new = lambda k: -3.0 + 0.8 * bc_old(k) + ((k * 2) % 3 - 1) * 0.1
    t = three_method_tables(
        [study_row("S-AB", "A", "B"), study_row("S-BC", "B", "C")],
        bridge_rows("S-AB", "A", "B", n=10, new=ab, prefix="AB")
        + bridge_rows("S-BC", "B", "C", n=8, old=bc_old, new=bc_new, prefix="BC"))
    ctx = ctx_for(t, tmp_path)
    a0, a1 = deming_line([bridge_old(k) for k in range(10)], [ab(k) for k in range(10)])
    c0, c1 = deming_line([bc_old(k) for k in range(8)], [bc_new(k) for k in range(8)])
    path = bridging_path(ctx, "A", "C")
    assert [(s.study_id, s.forward) for s in path] == [("S-AB", True), ("S-BC", True)]
    v = np.array([50.0, 100.0])
    # A -> B: a0 + a1 v; B -> C: c0 + c1 (a0 + a1 v)
    np.testing.assert_allclose(convert(ctx, v, "A", "C"), c0 + c1 * (a0 + a1 * v), rtol=1e-10)
    # C -> A inverts both lines in reverse order: ((w - c0) / c1 - a0) / a1
    w = np.array([60.0, 90.0])
    assert [(s.study_id, s.forward) for s in bridging_path(ctx, "C", "A")] == [("S-BC", False), ("S-AB", False)]
    np.testing.assert_allclose(convert(ctx, w, "C", "A"), ((w - c0) / c1 - a0) / a1, rtol=1e-10)
    np.testing.assert_allclose(convert(ctx, convert(ctx, v, "A", "C"), "C", "A"), v, rtol=1e-10)


def test_inverted_single_study_conversion(tmp_path):
    ctx = ctx_for(method_change_tables(), tmp_path)
    b0, b1 = deming_line([bridge_old(k) for k in range(24)], [bridge_new(k) for k in range(24)])
    assert [(s.study_id, s.forward) for s in bridging_path(ctx, "M-NEW", "M-OLD")] == [("BR-1", False)]
    np.testing.assert_allclose(convert(ctx, [150.0], "M-NEW", "M-OLD"), [(150.0 - b0) / b1], rtol=1e-10)


def test_fewest_studies_wins_over_more_pairs(tmp_path):
    # A-B-C through 30 + 30 pairs, and a direct A-C study with 4 pairs: the direct one is used.
    t = three_method_tables(
        [study_row("S-AB", "A", "B"), study_row("S-BC", "B", "C"), study_row("S-ZAC", "A", "C")],
        bridge_rows("S-AB", "A", "B", n=30, prefix="AB") + bridge_rows("S-BC", "B", "C", n=30, prefix="BC")
        + bridge_rows("S-ZAC", "A", "C", n=4, prefix="AC"))
    ctx = ctx_for(t, tmp_path)
    assert [s.study_id for s in bridging_path(ctx, "A", "C")] == ["S-ZAC"]


def test_tie_in_length_is_broken_by_more_paired_samples(tmp_path):
    t = three_method_tables(
        [study_row("S-1", "A", "B"), study_row("S-2", "B", "A")],
        bridge_rows("S-1", "A", "B", n=5, prefix="X") + bridge_rows("S-2", "B", "A", n=6, prefix="Y"))
    ctx = ctx_for(t, tmp_path)
    # S-2 (6 pairs) beats S-1 (5 pairs) even though it must be inverted for A -> B
    assert [(s.study_id, s.forward) for s in bridging_path(ctx, "A", "B")] == [("S-2", False)]


def test_tie_in_length_and_pairs_is_broken_by_study_id(tmp_path):
    t = three_method_tables(
        [study_row("S-2", "A", "B"), study_row("S-1", "A", "B")],
        bridge_rows("S-2", "A", "B", n=5, prefix="X") + bridge_rows("S-1", "A", "B", n=5, prefix="Y"))
    ctx = ctx_for(t, tmp_path)
    assert [s.study_id for s in bridging_path(ctx, "A", "B")] == ["S-1"]


def test_two_step_tie_is_broken_by_total_paired_samples(tmp_path):
    # A-B-C: 5 + 5 = 10 pairs; A-D-C: 4 + 8 = 12 pairs -> through D.
    t = three_method_tables(
        [study_row("S-AB", "A", "B"), study_row("S-BC", "B", "C"), study_row("S-AD", "A", "D"),
         study_row("S-DC", "D", "C")],
        bridge_rows("S-AB", "A", "B", n=5, prefix="AB") + bridge_rows("S-BC", "B", "C", n=5, prefix="BC")
        + bridge_rows("S-AD", "A", "D", n=4, prefix="AD") + bridge_rows("S-DC", "D", "C", n=8, prefix="DC"))
    ctx = ctx_for(t, tmp_path)
    assert [s.study_id for s in bridging_path(ctx, "A", "C")] == ["S-AD", "S-DC"]


# ---- lot values on the spec scale -----------------------------------------------------

def test_lot_values_convert_each_result_then_average(tmp_path):
    t = method_change_tables()
    # L-001 gets a second reportable result on M-NEW (value 120): mean of converted 95 and 120
    extra = {"lot_id": "L-001", "attribute_id": "POT", "method_id": "M-NEW", "value": 120.0, "qualifier": None,
             "test_date": D("2023-06-15"), "reportable": True}
    t["results"] = pd.concat([t["results"], pd.DataFrame([extra])], ignore_index=True)
    ctx = ctx_for(t, tmp_path)
    b0, b1 = deming_line([bridge_old(k) for k in range(24)], [bridge_new(k) for k in range(24)])
    v = lot_values(ctx, "POT", "M-NEW").set_index("lot_id")
    # L-001 is 95 on M-OLD -> b0 + b1 * 95 on M-NEW; averaged with 120
    assert v.at["L-001", "value"] == pytest.approx(((b0 + b1 * 95.0) + 120.0) / 2, rel=1e-12)
    assert v.at["L-001", "n_results"] == 2
    assert v.at["L-022", "value"] == 145.0
    assert len(v) == 22
    assert unconvertible_methods(ctx, "POT", "M-NEW") == {}


def test_unbridged_results_are_left_out_of_lot_values(tmp_path):
    ctx = ctx_for(method_change_tables(bridged=False), tmp_path)
    v = lot_values(ctx, "POT", "M-NEW")
    assert sorted(v["lot_id"]) == [f"L-{i:03d}" for i in range(12, 23)]
    assert unconvertible_methods(ctx, "POT", "M-NEW") == {"M-OLD": [f"L-{i:03d}" for i in range(1, 12)]}
