"""The Dossier's lot ranks: the integer view of lots that the rules use at scale."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cmcready.dossier import Dossier
from tests.builders import add_rows, base_tables, load


def _shuffled_lots(tables):
    # Lots listed out of id order, with a non-reportable result on one of them.
    tables["lots"] = tables["lots"].iloc[::-1].reset_index(drop=True)
    return add_rows(tables, "results", [{
        "lot_id": "L-003", "attribute_id": "POT", "method_id": "M-POT", "value": 1.0,
        "test_date": pd.Timestamp("2023-02-01"), "reportable": False}])


def test_lot_order_is_the_sorted_lot_ids_whatever_the_table_order(tmp_path):
    d = load(_shuffled_lots(base_tables()), tmp_path)
    assert list(d.lot_order) == sorted(d.lots["lot_id"])
    # a rank is a position in lot_order; an id that is not a lot ranks -1
    assert list(d.lot_ranks(["L-002", "L-001", "nope"])) == [1, 0, -1]
    assert list(d.lot_order[d.lot_table_ranks]) == list(d.lots["lot_id"])


def test_reportable_results_carry_the_rank_of_their_lot(tmp_path):
    d = load(_shuffled_lots(base_tables()), tmp_path)
    r = d.reportable_results
    assert len(r) == 22 and r["reportable"].all()
    assert list(d.lot_order[r["_lot"].to_numpy()]) == list(r["lot_id"])
    # the lot's row in the lots table, by rank
    rows = d.lot_table_rows[r["_lot"].to_numpy()]
    assert list(d.lots["lot_id"].to_numpy()[rows]) == list(r["lot_id"])


def test_lot_flags_read_false_for_a_rank_of_minus_one(tmp_path):
    d = load(base_tables(), tmp_path)
    flags = d.lot_flags(["L-002", "not-a-lot"])
    assert flags.shape == (len(d.lot_order) + 1,)
    assert flags.sum() == 1 and flags[1]
    assert not flags[-1]  # what a rank of -1 reads
    assert list(flags[d.lot_ranks(["L-002", "L-003", "not-a-lot"])]) == [True, False, False]


def test_administered_results_are_the_reportable_results_of_dosed_lots(tmp_path):
    t = base_tables()
    t["administrations"] = t["administrations"].iloc[:5]  # only L-001..L-005 dosed
    d = load(t, tmp_path)
    assert sorted(d.administered_results["lot_id"]) == [f"L-{i:03d}" for i in range(1, 6)]
    assert d.administered_flags.sum() == 5
    assert d.pivotal_flags.sum() == 5


def test_results_of_a_lot_missing_from_the_lots_table_get_their_own_rank():
    # Only a dossier built without validation can hold such a result; two unknown lots
    # must still not share a rank (nor take a real lot's).
    t = base_tables()
    t = add_rows(t, "results", [
        {"lot_id": "X-1", "attribute_id": "POT", "method_id": "M-POT", "value": 1.0, "reportable": True},
        {"lot_id": "X-2", "attribute_id": "POT", "method_id": "M-POT", "value": 2.0, "reportable": True},
    ])
    t["results"]["_row"] = np.arange(2, 2 + len(t["results"]))
    d = Dossier(program=None, tables=t)
    r = d.reportable_results
    ranks = dict(zip(r["lot_id"], r["_lot"]))
    assert ranks["X-1"] != ranks["X-2"]
    assert len(set(ranks.values())) == len(ranks) == 24
    assert list(d.lot_order[r["_lot"].to_numpy()]) == list(r["lot_id"])


def test_rank_flags_are_lot_flags_given_by_rank(tmp_path):
    d = load(base_tables(), tmp_path)
    assert (d.rank_flags([1, -1]) == d.lot_flags(["L-002", "not-a-lot"])).all()
